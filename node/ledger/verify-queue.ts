import type { Logger } from '@libp2p/interface'
import { errorMessage } from '../../protocol/errors.ts'

export interface VerifyQueueInit {
  /** Checks one record and stores its status; throws when it cannot check now (it is retried). */
  judge: (idHex: string) => Promise<void>
  /** Lists the records still pending, to refill the queue after it overflowed or a retry was parked. */
  pending: () => string[]
  log: Logger
  /** Records held in the queue; past this, new ones wait in the store for the next refill. */
  maxQueued?: number
  concurrency?: number
  /** Attempts before a record is parked (backoff 0.5 s doubling to 30 s: about a minute), and for how long. */
  maxAttempts?: number
  parkMs?: number
}

/**
 * The bounded queue between accepting a record (cheap checks, on the gossip path or a sync) and re-verifying
 * its proof. Drop policy: when full, a new record is not queued but stays pending in the store; the queue
 * refills from the store when it drains and every `parkMs`. Pending records count for nothing meanwhile.
 */
export class VerifyQueue {
  private readonly queued = new Set<string>()
  private readonly attempts = new Map<string, number>()
  private readonly parked = new Set<string>()
  private readonly inflight = new Set<string>()
  private running = 0
  private started = false
  private overflowed = false
  private timer: NodeJS.Timeout | undefined
  private readonly maxQueued: number
  private readonly concurrency: number
  private readonly maxAttempts: number
  private readonly parkMs: number

  constructor(private readonly init: VerifyQueueInit) {
    this.maxQueued = init.maxQueued ?? 65_536
    this.concurrency = init.concurrency ?? 2
    this.maxAttempts = init.maxAttempts ?? 8
    this.parkMs = init.parkMs ?? 60_000
  }

  start(): void {
    if (this.started) return
    this.started = true
    this.timer = setInterval(() => this.unpark(), this.parkMs)
    this.timer.unref()
    this.refill()
  }

  stop(): void {
    if (!this.started) return
    this.started = false
    clearInterval(this.timer)
    this.timer = undefined
    this.queued.clear()
    this.parked.clear()
    this.attempts.clear()
  }

  get size(): number {
    return this.queued.size
  }

  enqueue(idHex: string): void {
    if (this.queued.has(idHex) || this.parked.has(idHex) || this.inflight.has(idHex)) return
    if (this.queued.size >= this.maxQueued) {
      this.overflowed = true
      return
    }
    this.queued.add(idHex)
    this.pump()
  }

  private pump(): void {
    while (this.started && this.running < this.concurrency) {
      const next = this.queued.values().next()
      if (next.done === true) {
        if (this.running === 0 && this.overflowed) this.refill()
        return
      }
      const id = next.value
      this.queued.delete(id)
      this.inflight.add(id)
      this.running++
      void this.run(id).finally(() => {
        this.inflight.delete(id)
        this.running--
        this.pump()
      })
    }
  }

  private async run(idHex: string): Promise<void> {
    try {
      await this.init.judge(idHex)
      this.attempts.delete(idHex)
    } catch (err) {
      if (!this.started) return
      const n = (this.attempts.get(idHex) ?? 0) + 1
      this.attempts.set(idHex, n)
      this.init.log('cannot verify record %s yet (attempt %d): %s', idHex.slice(0, 8), n, errorMessage(err))
      if (n >= this.maxAttempts) this.parked.add(idHex)
      else setTimeout(() => this.enqueue(idHex), Math.min(30_000, 250 * 2 ** n)).unref()
    }
  }

  private unpark(): void {
    const ids = [...this.parked]
    this.parked.clear()
    for (const id of ids) {
      this.attempts.delete(id)
      this.enqueue(id)
    }
  }

  private refill(): void {
    this.overflowed = false
    for (const id of this.init.pending()) {
      if (this.parked.has(id)) continue
      this.enqueue(id)
      if (this.overflowed) return
    }
  }
}
