import { compareBytes } from '../codec/hash.ts'
import { fingerprint, type KeyRange, keySuccessor } from './keys.ts'
import type { RangePart } from './schema.ts'

/** Index of the first key ≥ `bound` in sorted `keys`. */
export function lowerBound(keys: readonly Uint8Array[], bound: Uint8Array): number {
  let lo = 0
  let hi = keys.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (compareBytes(keys[mid]!, bound) < 0) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** [start, end) indexes of the keys in `range`. */
export function indexesOf(keys: readonly Uint8Array[], range: KeyRange): [number, number] {
  const start = lowerBound(keys, range.lower)
  const end = range.upper === undefined ? keys.length : lowerBound(keys, range.upper)
  return [start, Math.max(start, end)]
}

/** Count and fingerprint of the keys in `range`. */
export function measure(
  keys: readonly Uint8Array[],
  range: KeyRange,
): { count: number; fingerprint: Uint8Array } {
  const [s, e] = indexesOf(keys, range)
  return { count: e - s, fingerprint: fingerprint(keys.slice(s, e)) }
}

/**
 * Cuts `range` into at most `parts` pieces of about equal count, at keys this side holds, and measures each.
 * The other side measures the same pieces of its own set and compares.
 */
export function summarize(keys: readonly Uint8Array[], range: KeyRange, parts: number): RangePart[] {
  const [s, e] = indexesOf(keys, range)
  const n = e - s
  const k = Math.max(1, Math.min(parts, n))
  const size = Math.ceil(n / k)
  const out: RangePart[] = []
  for (let i = s; i < e || out.length === 0; i += size) {
    const j = Math.min(e, i + size)
    out.push({
      upper: j >= e ? (range.upper ?? null) : keys[j]!,
      count: j - i,
      fingerprint: fingerprint(keys.slice(i, j)),
    })
    if (j >= e) break
  }
  return out
}

/** The ranges the parts of a summary cover, in order. */
export function partRanges(range: KeyRange, parts: readonly RangePart[]): KeyRange[] {
  let lower = range.lower
  return parts.map((p) => {
    const r = { lower, upper: p.upper ?? undefined }
    if (p.upper !== null) lower = p.upper
    return r
  })
}

/** At most `limit` keys of `range`, and whether more remain. */
export function listKeys(
  keys: readonly Uint8Array[],
  range: KeyRange,
  limit: number,
): { keys: Uint8Array[]; more: boolean } {
  const [s, e] = indexesOf(keys, range)
  const end = Math.min(e, s + limit)
  return { keys: keys.slice(s, end), more: end < e }
}

/** The range that remains after a page ending at `last`. */
export const rest = (range: KeyRange, last: Uint8Array): KeyRange => ({
  lower: keySuccessor(last),
  upper: range.upper,
})
