import type { Ledger } from './ledger.ts'
import type { LedgerSync } from './sync.ts'

export interface StandingComponents {
  ledger: Ledger
  sync?: LedgerSync
  /** Award violations this node's audits found by a peer (as requester). */
  violations?: (peer: string) => number
}

/** The lowest application score: below gossipsub's graylist threshold (-80) at weight 1. */
export const PROVEN_MISBEHAVIOUR = -100

/**
 * A peer's application-specific gossipsub score (P5, weight 1): what the ledger says about it. A peer proven to
 * misbehave (it signed a verdict re-verification contradicts, served a forged record, or awarded against the
 * rule in an audit this node ran) is graylisted; a prover scores -10..+10 with its success rate (0 at neutral),
 * so a failing one drops below zero and is pruned from meshes first. Pure reads of cached state: cheap enough
 * for gossipsub's heartbeat.
 */
export function appScore(c: StandingComponents, peer: string): number {
  const { view, tallies } = c.ledger.current()
  if (view.liars.has(peer) || c.sync?.misbehaved(peer) === true || (c.violations?.(peer) ?? 0) > 0) {
    return PROVEN_MISBEHAVIOUR
  }
  if (!tallies.has(peer)) return 0
  const score = Math.floor((view.figures(peer).success - 500_000) / 50_000)
  return Math.max(-10, Math.min(10, score))
}
