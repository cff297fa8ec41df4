import { compareBytes } from '../../protocol/codec/hash.ts'
import { addTally, EMPTY_TALLY, type Tally } from '../../protocol/reputation/figures.ts'
import type { LedgerEntry } from '../../protocol/reputation/record.ts'

/**
 * A pending record taken at its word, for display only (auctions wait for re-verification instead): a
 * delivered verdict as confirmed, a timeout as unproven.
 */
export function faceValue(e: LedgerEntry): LedgerEntry {
  if (e.status !== undefined) return e
  return { ...e, status: e.verdict === 'timeout' ? 'unproven' : 'confirmed' }
}

/**
 * Plain counts per prover, without decay or caps: one record per task round (the smallest id), none that
 * re-verification contradicted, none by a requester that signed one. What `zkp-node reputation` shows as
 * "records".
 */
export function rawTallies(entries: readonly LedgerEntry[]): Map<string, Tally> {
  const byRound = new Map<string, LedgerEntry>()
  const liars = new Set<string>()
  for (const e of entries) {
    if (e.status === 'contradicted') liars.add(e.requester)
    const prev = byRound.get(e.roundKey)
    if (prev === undefined || compareBytes(e.id, prev.id) < 0) byRound.set(e.roundKey, e)
  }
  const out = new Map<string, Tally>()
  for (const e of byRound.values()) {
    if (e.status === 'contradicted' || liars.has(e.requester)) continue
    const t: Tally =
      e.verdict === 'valid'
        ? { valid: 1, invalid: 0, timeout: 0, qualitySum: e.quality, speedSum: e.speed }
        : e.verdict === 'invalid'
          ? { ...EMPTY_TALLY, invalid: 1 }
          : { ...EMPTY_TALLY, timeout: 1 }
    out.set(e.prover, addTally(out.get(e.prover) ?? EMPTY_TALLY, t))
  }
  return out
}
