import { z } from 'zod'
import { cidString, reason, uint } from '../codec/schema.ts'
import { LIMITS, PROTOCOL_PREFIX } from '../constants.ts'

/**
 * Artifact exchange: fetch one content-addressed artifact (a circuit manifest, wasm, zkey or verification key)
 * by CID. The requester sends one Request frame; the provider answers with one Header frame and, if found,
 * `size` bytes as raw length-prefixed chunks of at most LIMITS.artifactChunkBytes. The fetcher hashes what it
 * receives and drops it unless it matches the CID.
 */
export const ARTIFACT_PROTOCOL = `${PROTOCOL_PREFIX}/artifact/1.0.0`

export const ArtifactRequest = z.strictObject({ cid: cidString })
export type ArtifactRequest = z.output<typeof ArtifactRequest>

export const ArtifactHeader = z.discriminatedUnion('status', [
  z.strictObject({ status: z.literal('ok'), size: uint.max(LIMITS.artifactBytes) }),
  z.strictObject({ status: z.enum(['not-found', 'busy', 'error']), reason }),
])
export type ArtifactHeader = z.output<typeof ArtifactHeader>

/** Requests and headers are small; chunks are bounded separately. */
export const ARTIFACT_FRAME_BYTES = LIMITS.artifactChunkBytes + 64
export const ARTIFACT_TIMEOUT_MS = 120_000
