import { toHex } from '../../protocol/codec/hash.ts'
import { LEDGER_SYNC } from '../../protocol/ledger-sync/constants.ts'
import type { LedgerSyncSource } from '../../protocol/ledger-sync/handler.ts'
import type { Repositories } from '../store/repositories.ts'
import type { Store } from '../store/store.ts'
import type { Ledger } from './ledger.ts'

/**
 * What this node serves on ledger sync: key ranges from the ledger's memory, and records and bids as the exact
 * signed bytes the store holds (never decoded on the way out, so serving costs the requester's reads only).
 */
export function ledgerSyncSource(ledger: Ledger, store: Store, repos: Repositories): LedgerSyncSource {
  return {
    summarize: (range, parts) => ledger.keys.summarize(range, parts),
    keys: (range, limit) => ledger.keys.listKeys(range, limit),
    async record(id) {
      const idHex = toHex(id)
      return ledger.has(idHex) ? store.get(repos.results.key(idHex)) : undefined
    },
    async bids(taskId) {
      const out: Uint8Array[] = []
      for await (const [, bytes] of store.entries(repos.bids.key(`${toHex(taskId)}/`), LEDGER_SYNC.maxBids)) {
        out.push(bytes)
      }
      return out
    },
  }
}
