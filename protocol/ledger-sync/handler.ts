import type { Logger, StreamHandler } from '@libp2p/interface'
import { framed } from '../codec/frames.ts'
import { errorMessage } from '../errors.ts'
import { LEDGER_SYNC } from './constants.ts'
import type { KeyRange } from './keys.ts'
import { type RangePart, SyncRequest } from './schema.ts'

/** What the sync handler serves from: the node's ledger (keys in memory, records in the store) and bids. */
export interface LedgerSyncSource {
  summarize(range: KeyRange, parts: number): RangePart[]
  keys(range: KeyRange, limit: number): { keys: Uint8Array[]; more: boolean }
  /** A record's signed wire form, if held. */
  record(id: Uint8Array): Promise<Uint8Array | undefined>
  /** The signed wire forms of the bids held for a task, at most LEDGER_SYNC.maxBids. */
  bids(taskId: Uint8Array): Promise<Uint8Array[]>
}

export interface LedgerSyncHandlerComponents {
  source: LedgerSyncSource
  log: Logger
}

const range = (lower: Uint8Array, upper: Uint8Array | null): KeyRange => ({
  lower,
  upper: upper ?? undefined,
})

/**
 * Serves ledger sync to any peer: records and bids are public, signed data. One request per stream, read
 * within LEDGER_SYNC.requestTimeoutMs; every reply is bounded by the request's own caps.
 */
export function createLedgerSyncHandler({ source, log }: LedgerSyncHandlerComponents): StreamHandler {
  return async (stream, connection) => {
    const f = framed(stream, LEDGER_SYNC.frameBytes)
    const signal = AbortSignal.timeout(LEDGER_SYNC.exchangeTimeoutMs)
    try {
      const req = await f.read(SyncRequest, 'ledger sync request', {
        signal: AbortSignal.timeout(LEDGER_SYNC.requestTimeoutMs),
      })
      switch (req.type) {
        case 'summary':
          await f.write(
            { status: 'ok', parts: source.summarize(range(req.lower, req.upper), req.parts) },
            { signal },
          )
          break
        case 'keys':
          await f.write({ status: 'ok', ...source.keys(range(req.lower, req.upper), req.limit) }, { signal })
          break
        case 'records': {
          const found: Uint8Array[] = []
          for (const id of req.ids) {
            const bytes = await source.record(id)
            if (bytes !== undefined) found.push(bytes)
          }
          await f.write({ status: 'ok', count: found.length }, { signal })
          for (const bytes of found) await f.writeBytes(bytes, { signal })
          break
        }
        case 'bids': {
          const bids = (await source.bids(req.taskId)).slice(0, LEDGER_SYNC.maxBids)
          await f.write({ status: 'ok', count: bids.length }, { signal })
          for (const bytes of bids) await f.writeBytes(bytes, { signal })
          break
        }
      }
      await f.close({ signal })
    } catch (err) {
      log('ledger sync request from %p failed: %s', connection.remotePeer, errorMessage(err))
      f.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }
}
