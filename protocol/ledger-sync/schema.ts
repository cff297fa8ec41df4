import { z } from 'zod'
import { bytes32, bytesMax, reason, uint } from '../codec/schema.ts'
import { LEDGER_SYNC } from './constants.ts'
import { KEY_BYTES } from './keys.ts'

/** A range bound: a key or a prefix of one (a time), or a key's successor (one byte longer). */
const bound = bytesMax(KEY_BYTES + 1)

/** Fingerprints of the parts of [lower, upper): the responder chooses where to cut. */
export const SummaryRequest = z.strictObject({
  type: z.literal('summary'),
  lower: bound,
  upper: bound.nullable(),
  parts: uint.min(1).max(LEDGER_SYNC.maxParts),
})

/** The keys in [lower, upper), in order, at most `limit`. */
export const KeysRequest = z.strictObject({
  type: z.literal('keys'),
  lower: bound,
  upper: bound.nullable(),
  limit: uint.min(1).max(LEDGER_SYNC.maxKeysPerPage),
})

/** The records with these ids (those held); each comes back as one frame, its signed wire form. */
export const RecordsRequest = z.strictObject({
  type: z.literal('records'),
  ids: z.array(bytes32).min(1).max(LEDGER_SYNC.maxRecordsPerRequest),
})

/** The signed bids the responder holds for a task: what an auditor needs to recompute its award. */
export const BidsRequest = z.strictObject({ type: z.literal('bids'), taskId: bytes32 })

export const SyncRequest = z.discriminatedUnion('type', [
  SummaryRequest,
  KeysRequest,
  RecordsRequest,
  BidsRequest,
])
export type SyncRequest = z.output<typeof SyncRequest>

/** One part of a summarised range: it ends (exclusive) at `upper` (null: the range's own end). */
export const RangePart = z.strictObject({
  upper: bound.nullable(),
  count: uint,
  fingerprint: bytes32,
})
export type RangePart = z.output<typeof RangePart>

export const SummaryResponse = z.strictObject({
  status: z.literal('ok'),
  parts: z.array(RangePart).min(1).max(LEDGER_SYNC.maxParts),
})

export const KeysResponse = z.strictObject({
  status: z.literal('ok'),
  keys: z
    .array(bytesMax(KEY_BYTES).refine((k) => k.byteLength === KEY_BYTES, `expected ${KEY_BYTES} bytes`))
    .max(LEDGER_SYNC.maxKeysPerPage),
  /** More keys remain in the range after the last one. */
  more: z.boolean(),
})

/** Precedes the record or bid frames: how many follow. */
export const StreamHeader = z.strictObject({
  status: z.literal('ok'),
  count: uint.max(Math.max(LEDGER_SYNC.maxRecordsPerRequest, LEDGER_SYNC.maxBids)),
})

export const SyncError = z.strictObject({ status: z.enum(['error', 'busy']), reason })

export const summaryResponse = z.union([SummaryResponse, SyncError])
export const keysResponse = z.union([KeysResponse, SyncError])
export const streamHeader = z.union([StreamHeader, SyncError])
