/** Wire-level constants shared by every zkp-node protocol. Changing any of these is a protocol change. */

/** Prefix of every stream protocol id and the private kad-dht namespace. */
export const PROTOCOL_PREFIX = '/zkp'

/** Network name used when none is configured; nodes on different networks never see each other's gossip. */
export const DEFAULT_NETWORK = 'devnet'

/** Version of the message schemas in this file tree; carried in every signed body as `v`. */
export const SCHEMA_VERSION = 1

/** Network names: short, lowercase, safe to embed in topics. */
export const NETWORK_NAME_RE = /^[a-z0-9][a-z0-9-]{0,31}$/

/** Upper bounds that every decoder enforces. */
export const LIMITS = {
  /** A gossip message (ask, bid, award or result) as it travels, in bytes. */
  gossipMessageBytes: 32 * 1024,
  /** A peer id string (base58btc Ed25519 ids are 52 characters). */
  peerIdChars: 64,
  /** A circuit id or artifact id (CIDv1 base32 with sha2-256 is 59 characters). */
  cidChars: 100,
  /** Opaque public parameters a requester attaches to an ask. */
  paramsBytes: 4 * 1024,
  /** Bids a node keeps for one task (one per prover); later ones are ignored, not relayed. */
  bidsPerTask: 256,
  /** Bids an award may rank (winner plus fallbacks). */
  rankedBids: 32,
  /** Public signals in one proof. */
  publicSignals: 64,
  /** Decimal characters in one field element (bn128 elements have at most 77 digits). */
  fieldElementChars: 80,
  /** A private input JSON document, in bytes. */
  inputBytes: 1024 * 1024,
  /** Asks in one batch (inputs of one circuit submitted together, spread over provers by the auction). */
  batchSize: 256,
  /** One artifact (wasm, zkey, verification key or manifest), in bytes. */
  artifactBytes: 512 * 1024 * 1024,
  /** One chunk of an artifact on the artifact stream. */
  artifactChunkBytes: 1024 * 1024,
  /** A control frame on any stream (requests, headers, responses other than artifact chunks). */
  streamFrameBytes: 64 * 1024,
  /** A price, in the smallest unit of account: a CBOR unsigned integer, so at most 2^64 - 1. */
  maxPrice: (1n << 64n) - 1n,
  /** The longest bid window a requester may ask for. */
  maxBidWindowMs: 10 * 60 * 1000,
  /** The longest proving deadline a requester may ask for. */
  maxProvingDeadlineMs: 24 * 60 * 60 * 1000,
  /** Clock skew tolerated between nodes when checking timestamps. */
  clockSkewMs: 30 * 1000,
  /** Reason strings in failures and responses. */
  reasonChars: 256,
} as const
