import type { SignedResult } from '../task/messages.ts'

/**
 * Reputation in fixed point: every figure is an integer in parts per million, so any implementation in any
 * language computes exactly the same numbers and hence the same auction ranking.
 */
export const PPM = 1_000_000

/** success, quality and speed of one prover, each 0..PPM. */
export interface ReputationFigures {
  success: number
  quality: number
  speed: number
}

/** What a prover with no history is credited with: neither trusted nor distrusted. */
export const NEUTRAL: ReputationFigures = { success: PPM / 2, quality: PPM / 2, speed: PPM / 2 }

/** Weight of the neutral prior, in records: a newcomer's figures move toward its record as records arrive. */
export const PRIOR_RECORDS = 2

/** Sums over the records about one prover; adding is commutative, so the order records arrive in is irrelevant. */
export interface Tally {
  valid: number
  invalid: number
  timeout: number
  /** Sum of per-record quality over delivered records (valid + invalid). */
  qualitySum: number
  /** Sum of per-record speed over delivered records. */
  speedSum: number
}

export const EMPTY_TALLY: Tally = { valid: 0, invalid: 0, timeout: 0, qualitySum: 0, speedSum: 0 }

const clamp = (v: number): number => Math.max(0, Math.min(PPM, Math.floor(v)))

/** The contribution of one verification result to its prover's tally. */
export function tallyOf(result: SignedResult): Tally {
  const r = result.body
  if (r.verdict === 'timeout') return { ...EMPTY_TALLY, timeout: 1 }
  if (r.verdict === 'invalid' || r.delivery === null) return { ...EMPTY_TALLY, invalid: 1 }
  const award = r.award.body
  const bid = award.ranked[award.winner]
  // Both times come from the requester's signed records, so the prover cannot shade them. Every product below
  // stays under 2^53 (times are at most LIMITS.maxProvingDeadlineMs), so the arithmetic is exact.
  const allowed = Math.max(1, award.provingDeadline - award.createdAt)
  const elapsed = Math.max(0, Math.min(allowed, r.createdAt - award.createdAt))
  // Quality: did the prover keep its own estimate? Full marks at or under it, proportionally less over it.
  const estimate = bid?.estimatedMs ?? 0
  const quality = elapsed <= estimate ? PPM : clamp((estimate * PPM) / elapsed)
  // Speed: how much of the deadline was left when the proof arrived.
  const speed = clamp(PPM - (elapsed * PPM) / allowed)
  return { valid: 1, invalid: 0, timeout: 0, qualitySum: quality, speedSum: speed }
}

export function addTally(a: Tally, b: Tally): Tally {
  return {
    valid: a.valid + b.valid,
    invalid: a.invalid + b.invalid,
    timeout: a.timeout + b.timeout,
    qualitySum: a.qualitySum + b.qualitySum,
    speedSum: a.speedSum + b.speedSum,
  }
}

/** Figures from a tally, smoothed toward the neutral prior (a Beta-style prior worth PRIOR_RECORDS records). */
export function figuresOf(t: Tally): ReputationFigures {
  const n = t.valid + t.invalid + t.timeout
  const delivered = t.valid + t.invalid
  const smooth = (sum: number, count: number, prior: number) =>
    Math.floor((sum + prior * PRIOR_RECORDS) / (count + PRIOR_RECORDS))
  return {
    success: smooth(t.valid * PPM, n, NEUTRAL.success),
    quality: smooth(t.qualitySum, delivered, NEUTRAL.quality),
    speed: smooth(t.speedSum, delivered, NEUTRAL.speed),
  }
}
