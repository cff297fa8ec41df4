import { z } from 'zod'
import { MANIFEST_MAX_BYTES } from '../../protocol/artifact/manifest.ts'
import { cidString, peerIdString } from '../../protocol/codec/schema.ts'
import { LIMITS } from '../../protocol/constants.ts'
import { ZkpError } from '../../protocol/errors.ts'

const hex = (maxBytes: number) =>
  z
    .string()
    .max(maxBytes * 2, `must be at most ${maxBytes} bytes of hex`)
    .regex(/^(?:[0-9a-f]{2})*$/i, 'must be lowercase or uppercase hex, two digits per byte')

/** The price ceiling in words, e.g. "2^64-1" (LIMITS.maxPrice is all ones in binary). */
export const MAX_PRICE_TEXT = `2^${LIMITS.maxPrice.toString(2).length}-1`
const PRICE_MESSAGE = `must be a decimal integer ≤ ${MAX_PRICE_TEXT}`
const PRICE_DIGITS = LIMITS.maxPrice.toString().length

/** A decimal string: JSON numbers cannot carry prices above 2^53 exactly. */
const decimalPrice = z
  .string(`${PRICE_MESSAGE}, as a string`)
  .regex(new RegExp(`^(?:0|[1-9][0-9]{0,${PRICE_DIGITS - 1}})$`), PRICE_MESSAGE)
  .transform((s) => BigInt(s))
  .refine((v) => v <= LIMITS.maxPrice, PRICE_MESSAGE)

const jsonObject = z.custom<Record<string, unknown>>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  'must be a JSON object',
)

const ms = (max: number) =>
  z
    .number(`must be an integer 1..${max}`)
    .int(`must be an integer 1..${max}`)
    .min(1, `must be ≥ 1`)
    .max(max, `must be ≤ ${max}`)

const inputJson = jsonObject
  .transform((v) => new TextEncoder().encode(JSON.stringify(v)))
  .refine((b) => b.byteLength <= LIMITS.inputBytes, `must be at most ${LIMITS.inputBytes} bytes of JSON`)

/** Largest POST /v1/batches body: all of a batch's inputs together. */
export const BATCH_BODY_BYTES = 16 * 1024 * 1024

/** POST /v1/tasks */
export const TaskRequest = z.strictObject({
  circuitId: cidString,
  input: inputJson,
  maxPrice: decimalPrice,
  bidWindowMs: ms(LIMITS.maxBidWindowMs),
  provingDeadlineMs: ms(LIMITS.maxProvingDeadlineMs),
  closeAfterBids: z
    .number()
    .int()
    .min(0)
    .max(LIMITS.rankedBids, `must be an integer 0..${LIMITS.rankedBids}`)
    .default(0),
  params: hex(LIMITS.paramsBytes).optional(),
  /** Re-ask policy: the first ask's price (default maxPrice), asks in all, the raise per ask in percent. */
  startPrice: decimalPrice.optional(),
  maxAsks: z.number().int().min(1).max(16, 'must be an integer 1..16').optional(),
  raisePercent: z.number().int().min(0).max(1000, 'must be an integer 0..1000').optional(),
})

/** POST /v1/batches: the terms of POST /v1/tasks, with `inputs` (one task each) instead of `input`. */
export const BatchRequest = TaskRequest.omit({ input: true }).extend({
  inputs: z
    .array(inputJson, 'must be an array of JSON objects')
    .min(2, `must hold 2..${LIMITS.batchSize} inputs`)
    .max(LIMITS.batchSize, `must hold 2..${LIMITS.batchSize} inputs`),
})

/** POST /v1/circuits */
export const CircuitRequest = z.strictObject({
  manifest: hex(MANIFEST_MAX_BYTES).min(2, 'must not be empty'),
})

/** A peer id in a URL path: canonical Ed25519, as in every message. */
export const PeerIdParam = peerIdString

/** A task id or CID in a URL path. */
export const TaskId = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits')

/**
 * Parses a request body. The first problem becomes a 400 naming the field (`maxPrice: must be …`), so a client
 * can fix its request without reading the server's log.
 */
export function parseBody<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value, { reportInput: true })
  if (result.success) return result.data
  const issue = result.error.issues[0]
  if (issue === undefined) throw new ZkpError('INVALID_FIELD', 'body: invalid')
  if (issue.code === 'unrecognized_keys') {
    const field = issue.keys[0] ?? '?'
    throw new ZkpError('INVALID_FIELD', `${field}: unknown field`, { field })
  }
  const field = issue.path.length > 0 ? issue.path.join('.') : 'body'
  const message = issue.path.length > 0 && issue.input === undefined ? 'required' : issue.message
  throw new ZkpError('INVALID_FIELD', `${field}: ${message}`, { field })
}
