import { type AuctionWeights, reputationScore } from '../../protocol/auction/auction.ts'
import { toHex } from '../../protocol/codec/hash.ts'
import type { Auditor } from '../audit/auditor.ts'
import type { Ledger } from './ledger.ts'
import { appScore } from './standing.ts'
import type { LedgerSync } from './sync.ts'

/** One peer's standing, as `GET /v1/reputation` and `zkp-node reputation` show it. */
export interface ReputationRow {
  peer: string
  /** Plain counts of the records that count about it as a prover. */
  records: { valid: number; invalid: number; timeout: number }
  success: number
  quality: number
  speed: number
  /** The reputation part of an auction score under this node's weights, ppm. */
  reputation: number
  /** It signed a verdict re-verification contradicts: its records are void and its figures zero. */
  liar: boolean
  /** Awards of its that this node's audits found against the rule. */
  auditViolations: number
  /** It served a forged record on ledger sync lately. */
  syncMisbehaviour: boolean
  /** Its gossipsub application score here. */
  appScore: number
}

export interface ReputationSummary {
  at: number
  records: number
  pending: number
  root: string
  peers: ReputationRow[]
}

export interface SummaryComponents {
  ledger: Ledger
  sync: LedgerSync
  auditor: Auditor
  weights: AuctionWeights
  now: () => number
}

/** Every peer the ledger or the audits know of, best reputed first; or the one asked for. */
export function reputationSummary(c: SummaryComponents, only?: string): ReputationSummary {
  const { view, tallies } = c.ledger.current()
  const flagged = c.auditor.flagged().map((f) => f.requester)
  const peers = only !== undefined ? [only] : [...new Set([...view.provers(), ...flagged])]
  const standing = { ledger: c.ledger, sync: c.sync, violations: (p: string) => c.auditor.violations(p) }
  const rows = peers.map((peer): ReputationRow => {
    const f = view.figures(peer)
    const t = tallies.get(peer)
    return {
      peer,
      records: { valid: t?.valid ?? 0, invalid: t?.invalid ?? 0, timeout: t?.timeout ?? 0 },
      ...f,
      reputation: reputationScore(f, c.weights),
      liar: view.liars.has(peer),
      auditViolations: c.auditor.violations(peer),
      syncMisbehaviour: c.sync.misbehaved(peer),
      appScore: appScore(standing, peer),
    }
  })
  rows.sort((a, b) => b.reputation - a.reputation || a.peer.localeCompare(b.peer))
  return {
    at: view.at,
    records: c.ledger.size,
    pending: c.ledger.pending,
    root: toHex(c.ledger.root()),
    peers: rows,
  }
}
