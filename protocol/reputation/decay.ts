import { PPM } from './figures.ts'
import { REPUTATION } from './params.ts'

/**
 * The weight, in ppm, of a record `ageMs` old: 2^(-age / halfLife), computed in integers so every node gets
 * the same value. Whole half-lives shift; within one the curve is linear between the two powers of two
 * (at most 6% above the exact exponential). Age is measured against the snapshot time, so it is deterministic.
 */
export function decayPpm(ageMs: number): number {
  if (!Number.isSafeInteger(ageMs) || ageMs < 0) throw new RangeError(`age must be a non-negative integer`)
  const h = REPUTATION.halfLifeMs
  const k = Math.floor(ageMs / h)
  if (k >= REPUTATION.maxHalfLives) return 0
  // PPM >> k: PPM < 2^31, so the shift is exact integer division by 2^k.
  const base = PPM >> k
  const within = ageMs - k * h
  return base - Math.floor((base * within) / (2 * h))
}
