import { peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id'
import { z } from 'zod'
import { LIMITS } from '../constants.ts'
import { ZkpError } from '../errors.ts'

/**
 * Field schemas shared by every message. Every string, byte string and array has a limit; errors name the
 * field path and the limit that was broken.
 */
/**
 * An Ed25519 peer id in its canonical string form. Parsing and re-printing must give the same string: the
 * same key has other encodings that would otherwise pass as other peers (and so bid on its own ask, appear
 * twice in a ranking or split its reputation).
 */
export const peerIdString = z
  .string()
  .min(1)
  .max(LIMITS.peerIdChars)
  .regex(/^[1-9A-HJ-NP-Za-km-z]+$/, 'base58btc')
  .refine(isCanonicalEd25519PeerId, 'expected a canonical Ed25519 peer id')

/**
 * Peer ids already found canonical. Every decoded message checks each id it names (an award names up to every
 * bidder) and a market sees the same few peers over and over; parsing and re-deriving one costs about as much
 * as a signature check. A bounded memo of a pure function; only ids that passed are kept.
 */
const canonicalIds = new Set<string>()
const CANONICAL_MEMO_SIZE = 4096

function isCanonicalEd25519PeerId(s: string): boolean {
  if (canonicalIds.has(s)) return true
  let ok: boolean
  try {
    const id = peerIdFromString(s)
    // Re-derive the id from its key: the one encoding of that key, whatever bytes the string carried.
    ok =
      id.type === 'Ed25519' &&
      id.publicKey !== undefined &&
      peerIdFromPublicKey(id.publicKey).toString() === s
  } catch {
    ok = false
  }
  if (ok) {
    if (canonicalIds.size >= CANONICAL_MEMO_SIZE) canonicalIds.delete(canonicalIds.values().next().value!)
    canonicalIds.add(s)
  }
  return ok
}
export const cidString = z
  .string()
  .min(1)
  .max(LIMITS.cidChars)
  .regex(/^[a-z2-7]+$/, 'base32 CIDv1')
export const networkName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'network name [a-z0-9-]{1,32}')
/** A byte string; CBOR byte strings decode to Uint8Array. */
export const bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected a byte string')
export const bytes32 = bytes.refine((b) => b.byteLength === 32, 'expected 32 bytes')
export const signature = bytes.refine((b) => b.byteLength === 64, 'expected a 64-byte signature')
export const uint = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)
export const timestampMs = uint
export const bytesMax = (max: number) =>
  bytes.refine((b) => b.byteLength <= max, `expected at most ${max} bytes`)
/** A uint64 price; CBOR gives small integers back as numbers and large ones as bigints, so accept both. */
export const price = z
  .union([z.bigint(), z.number().int()])
  .transform((v) => BigInt(v))
  .pipe(z.bigint().nonnegative().max(LIMITS.maxPrice))
export const fieldElement = z
  .string()
  .min(1)
  .max(LIMITS.fieldElementChars)
  .regex(/^[0-9]+$/, 'decimal field element')
export const reason = z.string().max(LIMITS.reasonChars)

/** snarkjs Groth16 proof object, with its shape fixed (the JSON snarkjs writes to proof.json). */
export const groth16Proof = z.strictObject({
  pi_a: z.array(fieldElement).length(3),
  pi_b: z.array(z.array(fieldElement).length(2)).length(3),
  pi_c: z.array(fieldElement).length(3),
  protocol: z.literal('groth16'),
  curve: z.literal('bn128'),
})
export type Groth16Proof = z.infer<typeof groth16Proof>

export const publicSignals = z.array(fieldElement).max(LIMITS.publicSignals)

/** Parses `value` with `schema`, turning the first issue into a ZkpError that names the field. */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const path = issue?.path.length ? `${what}.${issue.path.join('.')}` : what
  throw new ZkpError('INVALID_FIELD', `${path}: ${issue?.message ?? 'invalid'}`, { field: path })
}
