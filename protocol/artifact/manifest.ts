import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { z } from 'zod'
import { decode, encode } from '../codec/cbor.ts'
import { sha256 } from '../codec/hash.ts'
import { cidString, parseWith, uint } from '../codec/schema.ts'
import { SCHEMA_VERSION } from '../constants.ts'
import { ZkpError } from '../errors.ts'

const RAW = 0x55
const DAG_CBOR = 0x71
const SHA2_256 = 0x12

/** A circuit as the network knows it: the CIDs of its artifacts. Its own CID is the circuit id. */
export const CircuitManifest = z.strictObject({
  v: z.literal(SCHEMA_VERSION),
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._-]+$/, 'name [A-Za-z0-9._-]'),
  system: z.literal('groth16'),
  curve: z.literal('bn128'),
  /** Witness generator (circom's WebAssembly). */
  wasm: cidString,
  /** Groth16 proving key. */
  zkey: cidString,
  /** Verification key, snarkjs JSON. */
  vkey: cidString,
  nPublic: uint.max(64),
  nConstraints: uint,
})
export type CircuitManifest = z.output<typeof CircuitManifest>

export const MANIFEST_MAX_BYTES = 4096

/** CIDv1 (raw, sha2-256) of an artifact's bytes. */
export function artifactCid(bytes: Uint8Array): string {
  return CID.createV1(RAW, Digest.create(SHA2_256, sha256(bytes))).toString()
}

export function encodeManifest(m: CircuitManifest): Uint8Array {
  return encode(parseWith(CircuitManifest, m, 'manifest'))
}

export function decodeManifest(bytes: Uint8Array): CircuitManifest {
  return parseWith(CircuitManifest, decode(bytes, MANIFEST_MAX_BYTES, 'manifest'), 'manifest')
}

/** The circuit id: CIDv1 (dag-cbor, sha2-256) of the manifest's canonical CBOR. */
export function circuitId(m: CircuitManifest): string {
  return CID.createV1(DAG_CBOR, Digest.create(SHA2_256, sha256(encodeManifest(m)))).toString()
}

/** Checks that `bytes` hash to `cid` (raw or dag-cbor, sha2-256); throws INTEGRITY otherwise. */
export function checkCid(cid: string, bytes: Uint8Array): void {
  checkCidDigest(cid, sha256(bytes))
}

/** Checks a SHA-256 digest computed elsewhere (for example while streaming) against `cid`. */
export function checkCidDigest(cid: string, digest: Uint8Array): void {
  let parsed: CID
  try {
    parsed = CID.parse(cid)
  } catch (err) {
    throw new ZkpError(
      'INVALID_FIELD',
      `cid: "${cid.slice(0, 100)}" is not a CID`,
      { field: 'cid' },
      { cause: err },
    )
  }
  if (parsed.multihash.code !== SHA2_256)
    throw new ZkpError('INVALID_FIELD', 'cid: only sha2-256 is supported')
  if (Buffer.compare(digest, parsed.multihash.digest) !== 0) {
    throw new ZkpError('INTEGRITY', `content does not match ${cid}`, { cid })
  }
}

export function cidToBytes(cid: string): CID {
  return CID.parse(cid)
}
