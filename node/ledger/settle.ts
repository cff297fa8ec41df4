import type { EventEmitter } from 'node:events'
import type { LedgerEntry } from '../../protocol/reputation/record.ts'

/** Resolves once none of `ids` is pending any more (each judged), or after `timeoutMs`, whichever is first. */
export function whenJudged(
  events: EventEmitter<{ record: [LedgerEntry]; status: [LedgerEntry] }>,
  isPending: (idHex: string) => boolean,
  ids: readonly string[],
  timeoutMs: number,
): Promise<void> {
  const waiting = new Set(ids.filter(isPending))
  if (waiting.size === 0) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      events.off('status', onStatus)
      resolve()
    }
    const onStatus = (e: LedgerEntry) => {
      if (waiting.delete(e.idHex) && waiting.size === 0) done()
    }
    const timer = setTimeout(done, timeoutMs)
    events.on('status', onStatus)
  })
}
