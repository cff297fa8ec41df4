import { REPUTATION } from '../reputation/params.ts'
import type { AwardBody, SignedAsk } from '../task/messages.ts'
import { type AuctionWeights, DEFAULT_WEIGHTS } from './auction.ts'

/**
 * The ledger state an auction uses, fixed by the signed ask alone: every record dated at or before
 * `ask.createdAt - snapshotLagMs`, each weighed by its age at that time. Nodes whose ledgers differ for a
 * moment (a record still in flight) agree on it, because a record that old has reached everyone; the award's
 * `ledgerRoot` names exactly that set (the fingerprint of its key range, see protocol/ledger-sync).
 */
export function snapshotTime(ask: SignedAsk): number {
  return Math.max(0, ask.body.createdAt - REPUTATION.snapshotLagMs)
}

/** The weights an award was ranked with: the ones it records, else the network default. */
export function awardWeights(award: AwardBody): AuctionWeights {
  return award.weights ?? DEFAULT_WEIGHTS
}
