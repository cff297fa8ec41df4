import { LIMITS, PROTOCOL_PREFIX } from '../constants.ts'

/**
 * Ledger sync: a node that joined late or was partitioned pulls the records it lacks from a peer, by
 * range-based set reconciliation over record keys (createdAt, id): compare fingerprints of key ranges,
 * split the ranges that differ, list the keys of small ones, fetch only the missing records. The same stream
 * serves the signed bids of an award, for audits. One request per stream.
 */
export const LEDGER_SYNC_PROTOCOL = `${PROTOCOL_PREFIX}/ledger-sync/1.0.0`

export const LEDGER_SYNC = {
  /** Every frame on the stream: a request, a response, or one signed record or bid. */
  frameBytes: LIMITS.streamFrameBytes,
  /** Parts a summary may split a range into. */
  maxParts: 16,
  /** Keys in one page of a key listing (41 bytes each at most: ~42 KiB). */
  maxKeysPerPage: 1024,
  /** Records (or ids) in one records request. */
  maxRecordsPerRequest: 256,
  /** Bids served for one task (LIMITS.bidsPerTask). */
  maxBids: LIMITS.bidsPerTask,
  /** A range holding at most this many remote keys is listed rather than split further. */
  listThreshold: 256,
  /** How deep range splitting may go before listing anyway. */
  maxDepth: 8,
  /** Responder: time to receive the request. Dialer: time for one whole exchange. */
  requestTimeoutMs: 10_000,
  exchangeTimeoutMs: 30_000,
  /** One sync session with one peer: time, records fetched, bytes read, requests made. */
  sessionTimeoutMs: 60_000,
  sessionMaxRecords: 100_000,
  sessionMaxBytes: 512 * 1024 * 1024,
  sessionMaxRequests: 4_096,
  /** Inbound sync streams per connection. */
  maxInboundStreams: 8,
} as const
