import { z } from 'zod'
import {
  bytes32,
  bytesMax,
  cidString,
  groth16Proof,
  networkName,
  peerIdString,
  price,
  publicSignals,
  reason,
  timestampMs,
  uint,
} from '../codec/schema.ts'
import { defineMessage, type Signed } from '../codec/signed.ts'
import { LIMITS, SCHEMA_VERSION } from '../constants.ts'
import { PPM } from '../reputation/figures.ts'

const version = z.literal(SCHEMA_VERSION)

/**
 * Where an ask stands in a batch: inputs of one circuit a requester submitted together, one ask each. The
 * auction spreads a batch's asks over near-equal bids (protocol/auction, SPEC §9.4).
 */
export const AskBatch = z
  .strictObject({
    /** Random, the same in every ask of the batch (and in the re-asks of its tasks). */
    id: bytes32,
    index: uint.max(LIMITS.batchSize - 1),
    size: uint.min(2).max(LIMITS.batchSize),
  })
  .refine((b) => b.index < b.size, 'index must be below size')
export type AskBatch = z.output<typeof AskBatch>

/** A requester's call for proofs of one circuit, gossiped on the ask topic. Its id is the task id. */
export const AskBody = z.strictObject({
  v: version,
  network: networkName,
  requester: peerIdString,
  /** Random, so that two identical asks are two tasks. */
  nonce: bytesMax(32).refine((b) => b.byteLength >= 16, 'expected at least 16 bytes'),
  createdAt: timestampMs,
  circuitId: cidString,
  system: z.literal('groth16'),
  /** Application-defined public parameters (for example the public inputs, as JSON). */
  params: bytesMax(LIMITS.paramsBytes),
  maxPrice: price,
  /** Bids are accepted until createdAt + bidWindowMs. */
  bidWindowMs: uint.min(1).max(LIMITS.maxBidWindowMs),
  /** The requester may close the window early once it holds this many eligible bids (0: never). */
  closeAfterBids: uint.max(LIMITS.rankedBids),
  /** Time the awarded prover has, from the award, to deliver a proof. */
  provingDeadlineMs: uint.min(1).max(LIMITS.maxProvingDeadlineMs),
  /** Size of the private input in bytes, so provers can decline what they cannot take. */
  inputBytes: uint.max(LIMITS.inputBytes),
  /** Set when the ask is one of a batch; absent for a task submitted alone. */
  batch: AskBatch.optional(),
})
export type AskBody = z.output<typeof AskBody>
export const Ask = defineMessage('ask', AskBody, 'requester', LIMITS.gossipMessageBytes)
export type SignedAsk = Signed<AskBody>

/** A prover's offer for one task, gossiped on the bid topic. */
export const BidBody = z.strictObject({
  v: version,
  network: networkName,
  taskId: bytes32,
  prover: peerIdString,
  price,
  /** The prover's own estimate of its proving time for this circuit. */
  estimatedMs: uint.max(LIMITS.maxProvingDeadlineMs),
  /** Proof slots the prover has free now. */
  capacity: uint.max(1024),
  /** Whether the prover already holds the circuit's artifacts (no download before proving). */
  hasCircuit: z.boolean(),
  createdAt: timestampMs,
})
export type BidBody = z.output<typeof BidBody>
export const Bid = defineMessage('bid', BidBody, 'prover', LIMITS.gossipMessageBytes)
export type SignedBid = Signed<BidBody>

/** A bid as the award lists it: enough of its terms that reputation and audits need not fetch the bid. */
export const RankedBid = z.strictObject({
  prover: peerIdString,
  bidId: bytes32,
  price,
  estimatedMs: uint.max(LIMITS.maxProvingDeadlineMs),
})
export type RankedBid = z.output<typeof RankedBid>

/** Auction weights in parts per million, as an award records them: each pair of groups sums to PPM. */
export const AwardWeights = z
  .strictObject({
    price: uint.max(PPM),
    reputation: uint.max(PPM),
    success: uint.max(PPM),
    quality: uint.max(PPM),
    speed: uint.max(PPM),
  })
  .refine((w) => w.price + w.reputation === PPM, `price + reputation must be ${PPM}`)
  .refine((w) => w.success + w.quality + w.speed === PPM, `success + quality + speed must be ${PPM}`)
export type AwardWeights = z.output<typeof AwardWeights>

/** The requester's decision, gossiped on the award topic; round r > 0 hands the task to ranked[winner]. */
export const AwardBody = z.strictObject({
  v: version,
  network: networkName,
  taskId: bytes32,
  requester: peerIdString,
  /** 0 for the first award; each reassignment of the same task increments it. */
  round: uint.max(LIMITS.rankedBids),
  /** The eligible bids in auction order; ranked[winner] proves, the rest are fallbacks in order. */
  ranked: z.array(RankedBid).min(1).max(LIMITS.rankedBids),
  winner: uint.max(LIMITS.rankedBids - 1),
  /** SHA-256 over the sorted ids of every eligible bid the auction considered. */
  bidSetDigest: bytes32,
  /** Root of the reputation ledger snapshot the auction used. */
  ledgerRoot: bytes32,
  /** Absolute time (unix ms) by which the proof must be delivered. */
  provingDeadline: timestampMs,
  createdAt: timestampMs,
  // --- audit terms (docs/ledger.md). Optional so that awards signed before they existed stay valid. ---
  /** The auction weights the requester ranked with; absent means the network default (DEFAULT_WEIGHTS). */
  weights: AwardWeights.optional(),
  /** SHA-256 of the canonical CBOR array of the public signals a correct proof must carry (the requester's
   * witness), committed before any delivery so that any node can check an `invalid` verdict. */
  signalsDigest: bytes32.optional(),
})
export type AwardBody = z.output<typeof AwardBody>
export const Award = defineMessage('award', AwardBody, 'requester', LIMITS.gossipMessageBytes)
export type SignedAward = Signed<AwardBody>

/** A prover's proof for one award round, sent on the proof stream and embedded in the result. */
export const DeliveryBody = z.strictObject({
  v: version,
  network: networkName,
  taskId: bytes32,
  round: uint.max(LIMITS.rankedBids),
  prover: peerIdString,
  proof: groth16Proof,
  publicSignals,
  /** The prover's own measure; informative only (reputation uses the requester's clock). */
  provingMs: uint.max(LIMITS.maxProvingDeadlineMs),
  createdAt: timestampMs,
})
export type DeliveryBody = z.output<typeof DeliveryBody>
export const Delivery = defineMessage('delivery', DeliveryBody, 'prover', LIMITS.streamFrameBytes)
export type SignedDelivery = Signed<DeliveryBody>

export const Verdict = z.enum(['valid', 'invalid', 'timeout'])
export type Verdict = z.output<typeof Verdict>

/**
 * The requester's signed verification result, gossiped on the result topic and kept in every node's ledger.
 * It embeds the ask, the award and (unless the verdict is timeout) the delivery, so any node can re-check it.
 */
export const ResultBody = z.strictObject({
  v: version,
  network: networkName,
  taskId: bytes32,
  requester: peerIdString,
  prover: peerIdString,
  round: uint.max(LIMITS.rankedBids),
  verdict: Verdict,
  reason,
  ask: Ask.schema,
  award: Award.schema,
  delivery: Delivery.schema.nullable(),
  createdAt: timestampMs,
})
export type ResultBody = z.output<typeof ResultBody>
export const Result = defineMessage('result', ResultBody, 'requester', LIMITS.gossipMessageBytes)
export type SignedResult = Signed<ResultBody>
