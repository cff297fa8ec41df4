import { createHash } from 'node:crypto'
import { compareBytes } from '../codec/hash.ts'

/**
 * A record's sync key: its createdAt as 8 bytes big-endian, then its 32-byte id. Keys sort by time first, so
 * "every record up to time T" (an auction's snapshot) is one key range, and a late joiner's gap is a suffix.
 */
export const KEY_BYTES = 40

export function recordKey(createdAt: number, id: Uint8Array): Uint8Array {
  const key = new Uint8Array(KEY_BYTES)
  new DataView(key.buffer).setBigUint64(0, BigInt(createdAt))
  key.set(id, 8)
  return key
}

export const keyId = (key: Uint8Array): Uint8Array => key.subarray(8, KEY_BYTES)

/** The smallest key after every key dated at or before `at`: the exclusive upper bound of a snapshot. */
export function keyAfterTime(at: number): Uint8Array {
  const key = new Uint8Array(8)
  new DataView(key.buffer).setBigUint64(0, BigInt(at) + 1n)
  return key
}

/** The smallest key after `key` (keys are all KEY_BYTES long, so appending a zero byte sorts right after it). */
export function keySuccessor(key: Uint8Array): Uint8Array {
  const next = new Uint8Array(key.byteLength + 1)
  next.set(key)
  return next
}

/** A key range [lower, upper); an empty lower is the start, an undefined upper the end. */
export interface KeyRange {
  lower: Uint8Array
  upper: Uint8Array | undefined
}

export const FULL_RANGE: KeyRange = { lower: new Uint8Array(), upper: undefined }

export const inRange = (key: Uint8Array, r: KeyRange): boolean =>
  compareBytes(key, r.lower) >= 0 && (r.upper === undefined || compareBytes(key, r.upper) < 0)

/**
 * The fingerprint of a set of keys (in key order): SHA-256 over their ids. Over the whole ledger it is the
 * ledger root; over [start, keyAfterTime(T)) it is an auction snapshot's root. The empty set's fingerprint is
 * SHA-256 of nothing.
 */
export function fingerprint(sortedKeys: Iterable<Uint8Array>): Uint8Array {
  const h = createHash('sha256')
  for (const k of sortedKeys) h.update(keyId(k))
  return new Uint8Array(h.digest())
}
