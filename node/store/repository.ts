import type { Store } from './store.ts'

export interface Codec<T> {
  encode(value: T): Uint8Array
  decode(bytes: Uint8Array): T
}

/** A typed view of one key prefix of the store: one entity, one codec. Missing keys read as undefined. */
export class Repository<T> {
  constructor(
    private readonly store: Store,
    readonly prefix: string,
    private readonly codec: Codec<T>,
  ) {}

  key(id: string): string {
    return `${this.prefix}/${id}`
  }

  async get(id: string): Promise<T | undefined> {
    const bytes = await this.store.get(this.key(id))
    return bytes === undefined ? undefined : this.codec.decode(bytes)
  }

  async has(id: string): Promise<boolean> {
    return (await this.store.get(this.key(id))) !== undefined
  }

  async put(id: string, value: T): Promise<void> {
    await this.store.put(this.key(id), this.codec.encode(value))
  }

  async del(id: string): Promise<void> {
    await this.store.del(this.key(id))
  }

  /** A put to include in a Store.batch. */
  putOp(id: string, value: T): { type: 'put'; key: string; value: Uint8Array } {
    return { type: 'put', key: this.key(id), value: this.codec.encode(value) }
  }

  /** How many ids start with `idPrefix`, counting at most `max`. */
  async count(idPrefix: string, max: number): Promise<number> {
    let n = 0
    for await (const _ of this.store.entries(this.key(idPrefix), max)) n++
    return n
  }

  /** Every value whose id starts with `idPrefix`, in key order. */
  async *values(idPrefix = '', limit = -1): AsyncGenerator<[string, T]> {
    const start = this.key(idPrefix)
    for await (const [key, bytes] of this.store.entries(start, limit)) {
      yield [key.slice(this.prefix.length + 1), this.codec.decode(bytes)]
    }
  }
}
