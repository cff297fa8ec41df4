import { Level } from 'level'
import { ZkpError } from '../../protocol/errors.ts'

/**
 * One LevelDB database per node. Everything that must survive a restart lives here, under one key prefix per
 * entity (see repositories.ts). Values are bytes; repositories own their encoding.
 */
export class Store {
  readonly db: Level<string, Uint8Array>
  private opened = false

  constructor(readonly path: string) {
    this.db = new Level<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view' })
  }

  async open(): Promise<void> {
    if (this.opened) return
    try {
      await this.db.open()
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause
      if (cause?.code === 'LEVEL_LOCKED') {
        throw new ZkpError(
          'STORE_LOCKED',
          `the store at ${this.path} is in use by another process`,
          {},
          { cause: err },
        )
      }
      throw err
    }
    this.opened = true
  }

  /** Closes the database; last in any shutdown order. */
  async close(): Promise<void> {
    if (!this.opened) return
    this.opened = false
    await this.db.close()
  }

  get isOpen(): boolean {
    return this.opened
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.assertOpen()
    return (await this.db.get(key)) ?? undefined
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.assertOpen()
    await this.db.put(key, value)
  }

  async del(key: string): Promise<void> {
    this.assertOpen()
    await this.db.del(key)
  }

  /** Writes that must land together. */
  async batch(
    ops: Array<{ type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string }>,
  ): Promise<void> {
    this.assertOpen()
    await this.db.batch(ops)
  }

  /** Every entry whose key starts with `prefix`, in key order. */
  async *entries(prefix: string, limit = -1): AsyncGenerator<[string, Uint8Array]> {
    this.assertOpen()
    for await (const entry of this.db.iterator({ gte: prefix, lt: `${prefix}\xff`, limit })) yield entry
  }

  private assertOpen(): void {
    if (!this.opened) throw new ZkpError('STORE_CLOSED', 'the store is closed')
  }
}
