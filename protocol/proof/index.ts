import { z } from 'zod'
import { reason } from '../codec/schema.ts'
import { LIMITS, PROTOCOL_PREFIX } from '../constants.ts'

/**
 * Proof delivery: the awarded prover sends one signed Delivery frame (see task/messages.ts) to the requester,
 * which verifies the proof and answers with one Receipt frame. `accepted` means the proof was verified valid;
 * `rejected` carries the verdict `invalid`; `refused` means the delivery was not for the current award (late,
 * replaced or unknown) and was not judged; `retry` means the requester could not judge it now (its own
 * fault) and the prover should deliver again before the deadline.
 */
export const PROOF_PROTOCOL = `${PROTOCOL_PREFIX}/proof/1.0.0`

export const ProofReceipt = z.strictObject({
  status: z.enum(['accepted', 'rejected', 'refused', 'retry']),
  reason,
})
export type ProofReceipt = z.output<typeof ProofReceipt>

export const PROOF_FRAME_BYTES = LIMITS.streamFrameBytes
export const PROOF_TIMEOUT_MS = 60_000
