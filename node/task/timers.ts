import type { Logger } from '@libp2p/interface'
import { errorMessage } from '../../protocol/errors.ts'

/** One timer per key (a task's bid window or proving deadline); arming a key again replaces its timer. */
export class TaskTimers {
  private readonly timers = new Map<string, NodeJS.Timeout>()

  constructor(
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  /** Runs `fn` at time `at` (unix ms), or at once if that has passed. */
  arm(key: string, at: number, fn: () => Promise<void>): void {
    this.clear(key)
    const timer = setTimeout(
      () => {
        this.timers.delete(key)
        fn().catch((err: unknown) => this.log.error('timer %s: %s', key.slice(0, 8), errorMessage(err)))
      },
      Math.max(0, at - this.now()),
    )
    this.timers.set(key, timer)
  }

  clear(key: string): void {
    clearTimeout(this.timers.get(key))
    this.timers.delete(key)
  }

  clearAll(): void {
    for (const t of this.timers.values()) clearTimeout(t)
    this.timers.clear()
  }
}
