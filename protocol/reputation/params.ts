/**
 * The reputation rules' parameters. Every node must use the same values, or their auctions and audits
 * disagree: changing any of these is a protocol change (docs/ledger.md explains each rule).
 */
import { LIMITS } from '../constants.ts'

export const REPUTATION = {
  /**
   * An auction's snapshot holds the records dated at most this long before its ask (T = ask.createdAt - lag).
   * Twice the tolerated clock skew, so that a record inside the snapshot was signed, by any honest clock, well
   * before the ask and has had time to reach every node.
   */
  snapshotLagMs: 2 * LIMITS.clockSkewMs,
  /** A record's weight halves every this long (relative to the snapshot time, never the local clock). */
  halfLifeMs: 7 * 24 * 60 * 60 * 1000,
  /** Past this many half-lives a record weighs nothing. */
  maxHalfLives: 20,
  /**
   * One requester is one voice: the positive, and separately the negative, evidence one requester gives about
   * one prover counts for at most this many (decayed) records.
   */
  pairCapRecords: 4,
} as const

/** Prover figures of a node that signed a verdict which re-verification contradicts: nothing. */
export const ZERO_FIGURES = { success: 0, quality: 0, speed: 0 } as const
