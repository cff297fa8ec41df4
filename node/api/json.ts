import { toHex } from '../../protocol/codec/hash.ts'

/**
 * Turns a value into something JSON.stringify renders faithfully: bigints become decimal strings (JSON numbers
 * would lose precision above 2^53) and byte strings become hex. Depth is bounded so a cyclic value cannot hang.
 */
export function toJsonSafe(value: unknown, depth = 0): unknown {
  if (depth > 32) return null
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Uint8Array) return toHex(value)
  if (Array.isArray(value)) return value.map((v) => toJsonSafe(v, depth + 1))
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) out[k] = toJsonSafe(v, depth + 1)
    }
    return out
  }
  return value
}
