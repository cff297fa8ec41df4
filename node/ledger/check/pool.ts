import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { Logger } from '@libp2p/interface'
import { type CheckOutcome, checkFrames } from './check.ts'
import type { CheckRequest } from './worker.ts'

const here = fileURLToPath(import.meta.url)
const fromSource = here.endsWith('.ts')
const WORKER_URL = new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url).href
/** From TypeScript sources the worker registers tsx's loader first; from dist it is plain JS. */
const BOOT = fromSource
  ? `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL)}) })`
  : `import(${JSON.stringify(WORKER_URL)})`

type Reply = { id: number; outcomes: CheckOutcome[] } | { id: number; error: string }

/**
 * Worker threads that check received records in parallel (a sync of thousands of records is four Ed25519
 * verifications each). Started on first use, one per core up to `size`; if they cannot start, records are
 * checked on the event loop instead. stop() is idempotent.
 */
export class CheckPool {
  private workers: Worker[] | undefined
  private readonly waiting = new Map<
    number,
    { resolve: (o: CheckOutcome[]) => void; reject: (e: Error) => void }
  >()
  private nextId = 1
  private next = 0
  private stopped = false

  constructor(
    private readonly log: Logger,
    private readonly size = Math.max(1, Math.min(4, availableParallelism())),
  ) {}

  /** Checks frames, split across the workers; outcomes in the order of the frames. */
  async check(frames: readonly Uint8Array[], network: string, now: number): Promise<CheckOutcome[]> {
    const workers = this.stopped ? [] : this.start()
    if (workers.length === 0 || frames.length < 8) return checkFrames(frames, network, now)
    const per = Math.ceil(frames.length / workers.length)
    const parts = []
    for (let i = 0; i < frames.length; i += per) parts.push(this.send(frames.slice(i, i + per), network, now))
    return (await Promise.all(parts)).flat()
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    const workers = this.workers ?? []
    this.workers = undefined
    for (const w of this.waiting.values()) w.reject(new Error('record checker stopped'))
    this.waiting.clear()
    await Promise.all(workers.map((w) => w.terminate()))
  }

  private start(): Worker[] {
    if (this.workers !== undefined) return this.workers
    try {
      this.workers = Array.from({ length: this.size }, () => {
        const w = new Worker(BOOT, { eval: true })
        w.on('message', (reply: Reply) => this.onReply(reply))
        w.on('error', (err) => this.fail(w, err))
        w.unref()
        return w
      })
    } catch (err) {
      this.log('record checker threads unavailable, checking in-thread: %s', (err as Error).message)
      this.workers = []
    }
    return this.workers
  }

  private send(frames: Uint8Array[], network: string, now: number): Promise<CheckOutcome[]> {
    const workers = this.workers!
    const worker = workers[this.next++ % workers.length]!
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject })
      worker.postMessage({ id, frames, network, now } satisfies CheckRequest)
    })
  }

  private onReply(reply: Reply): void {
    const w = this.waiting.get(reply.id)
    if (w === undefined) return
    this.waiting.delete(reply.id)
    if ('error' in reply) w.reject(new Error(`record checker: ${reply.error}`))
    else w.resolve(reply.outcomes)
  }

  private fail(worker: Worker, err: Error): void {
    this.log.error('record checker thread failed: %s', err.message)
    // Requests in flight on it are lost: fail them all (the sync session ends and runs again later).
    for (const w of this.waiting.values()) w.reject(err)
    this.waiting.clear()
    this.workers = this.workers?.filter((x) => x !== worker)
  }
}
