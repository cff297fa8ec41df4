import { z } from 'zod'
import { bytes32, bytesMax, reason, uint } from '../codec/schema.ts'
import { LIMITS, PROTOCOL_PREFIX } from '../constants.ts'

/**
 * Private input: the awarded prover of the current round asks the requester for the task's private input.
 * The requester answers only when the stream's authenticated remote peer is the prover its latest award names
 * and the round matches; everyone else gets `denied` and nothing else.
 */
export const INPUT_PROTOCOL = `${PROTOCOL_PREFIX}/input/1.0.0`

export const InputRequest = z.strictObject({ taskId: bytes32, round: uint.max(LIMITS.rankedBids) })
export type InputRequest = z.output<typeof InputRequest>

export const InputResponse = z.discriminatedUnion('status', [
  /** The input as the requester submitted it: UTF-8 JSON. */
  z.strictObject({ status: z.literal('ok'), input: bytesMax(LIMITS.inputBytes) }),
  z.strictObject({ status: z.enum(['denied', 'not-found', 'error']), reason }),
])
export type InputResponse = z.output<typeof InputResponse>

export const INPUT_FRAME_BYTES = LIMITS.inputBytes + 1024
export const INPUT_TIMEOUT_MS = 30_000
