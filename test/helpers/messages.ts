/**
 * Factories for signed protocol messages, for unit tests and later multi-node tests. Every factory returns a
 * correctly signed message with sensible defaults; `overrides` replace body fields before signing, so the
 * result is still honestly signed (to forge or tamper, change the message after the factory returns, or call
 * e.g. `Ask.sign(body, otherKey.key)`).
 */
import { randomBytes } from 'node:crypto'
import { generateKeyPair, generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { bidSetDigest } from '../../protocol/auction/auction.ts'
import { sha256 } from '../../protocol/codec/hash.ts'
import type { Groth16Proof } from '../../protocol/codec/schema.ts'
import {
  Ask,
  type AskBody,
  Award,
  type AwardBody,
  Bid,
  type BidBody,
  Delivery,
  type DeliveryBody,
  type RankedBid,
  Result,
  type ResultBody,
  type SignedAsk,
  type SignedAward,
  type SignedBid,
  type SignedDelivery,
  type SignedResult,
} from '../../protocol/task/messages.ts'

/** A test identity: an Ed25519 key and the peer id string derived from it. */
export interface TestKey {
  key: PrivateKey
  peerId: string
}

export const NETWORK = 'devnet'
/** A real-looking CIDv1 (base32, raw, sha2-256). */
export const CIRCUIT_ID = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'
/** A fixed base time, so tests never depend on the wall clock. */
export const T0 = 1_700_000_000_000
export const BID_WINDOW_MS = 10_000
export const PROVING_DEADLINE_MS = 60_000
export const MAX_PRICE = 1_000_000n
/** A bn128 field element with the full 77 digits. */
export const FIELD_ELEMENT = '21888242871839275222246405745257275088548364400416034343698204186575808495616'

/** A fresh Ed25519 identity; with a seed, the same identity every run (for reproducible property tests). */
export async function makeKey(seed?: number): Promise<TestKey> {
  const key =
    seed === undefined
      ? await generateKeyPair('Ed25519')
      : await generateKeyPairFromSeed(
          'Ed25519',
          sha256(new TextEncoder().encode(`zkp-node test key ${seed}`)),
        )
  return { key, peerId: peerIdFromPrivateKey(key).toString() }
}

/** n identities; with a first seed, identities firstSeed, firstSeed + 1, ... */
export async function makeKeys(n: number, firstSeed?: number): Promise<TestKey[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) => makeKey(firstSeed === undefined ? undefined : firstSeed + i)),
  )
}

/** A groth16 proof of the shape snarkjs writes, with decimal field elements. */
export function sampleProof(): Groth16Proof {
  return {
    pi_a: ['1', '2', '1'],
    pi_b: [
      [
        '10857046999023057135944570762232829481370756359578518086990519993285655852781',
        '11559732032986387107991004021392285783925812861821192530917403151452391805634',
      ],
      [
        '8495653923123431417604973247489272438418190587263600148770280649306958101930',
        '4082367875863433681332203403145435568316851327593401208105741076214120093531',
      ],
      ['1', '0'],
    ],
    pi_c: ['3', FIELD_ELEMENT, '1'],
    protocol: 'groth16',
    curve: 'bn128',
  }
}

export async function makeAsk(requester: TestKey, overrides: Partial<AskBody> = {}): Promise<SignedAsk> {
  const body: AskBody = {
    v: 1,
    network: NETWORK,
    requester: requester.peerId,
    nonce: new Uint8Array(randomBytes(32)),
    createdAt: T0,
    circuitId: CIRCUIT_ID,
    system: 'groth16',
    params: new TextEncoder().encode(JSON.stringify({ publicInputs: ['3', '11'] })),
    maxPrice: MAX_PRICE,
    bidWindowMs: BID_WINDOW_MS,
    closeAfterBids: 0,
    provingDeadlineMs: PROVING_DEADLINE_MS,
    inputBytes: 64,
    ...overrides,
  }
  return Ask.sign(body, requester.key)
}

export async function makeBid(
  prover: TestKey,
  ask: SignedAsk,
  overrides: Partial<BidBody> = {},
): Promise<SignedBid> {
  const body: BidBody = {
    v: 1,
    network: ask.body.network,
    taskId: Ask.id(ask),
    prover: prover.peerId,
    price: ask.body.maxPrice / 2n,
    estimatedMs: 5_000,
    capacity: 1,
    hasCircuit: true,
    createdAt: ask.body.createdAt + 1_000,
    ...overrides,
  }
  return Bid.sign(body, prover.key)
}

/** The award's entry for a signed bid. */
export function rankedEntry(bid: SignedBid): RankedBid {
  return {
    prover: bid.body.prover,
    bidId: Bid.id(bid),
    price: bid.body.price,
    estimatedMs: bid.body.estimatedMs,
  }
}

/** An award by `requester` ranking `ranked` in the given order, winner 0, round 0. */
export async function makeAward(
  requester: TestKey,
  ask: SignedAsk,
  ranked: readonly SignedBid[],
  overrides: Partial<AwardBody> = {},
): Promise<SignedAward> {
  const createdAt = overrides.createdAt ?? ask.body.createdAt + ask.body.bidWindowMs
  const body: AwardBody = {
    v: 1,
    network: ask.body.network,
    taskId: Ask.id(ask),
    requester: requester.peerId,
    round: 0,
    ranked: ranked.map(rankedEntry),
    winner: 0,
    bidSetDigest: bidSetDigest(ranked.map((b) => Bid.id(b))),
    ledgerRoot: new Uint8Array(32),
    provingDeadline: createdAt + ask.body.provingDeadlineMs,
    createdAt,
    ...overrides,
  }
  return Award.sign(body, requester.key)
}

/** A delivery by `prover` for the award's task and round. */
export async function makeDelivery(
  prover: TestKey,
  award: SignedAward,
  overrides: Partial<DeliveryBody> = {},
): Promise<SignedDelivery> {
  const body: DeliveryBody = {
    v: 1,
    network: award.body.network,
    taskId: award.body.taskId,
    round: award.body.round,
    prover: prover.peerId,
    proof: sampleProof(),
    publicSignals: ['33', '3', '11'],
    provingMs: 4_000,
    createdAt: award.body.createdAt + 5_000,
    ...overrides,
  }
  return Delivery.sign(body, prover.key)
}

/**
 * A verification result by `requester`. Without a delivery the verdict defaults to timeout (dated after the
 * deadline); with one, to valid (dated just after the delivery).
 */
export async function makeResult(
  requester: TestKey,
  parts: { ask: SignedAsk; award: SignedAward; delivery: SignedDelivery | null },
  overrides: Partial<ResultBody> = {},
): Promise<SignedResult> {
  const { ask, award, delivery } = parts
  const body: ResultBody = {
    v: 1,
    network: ask.body.network,
    taskId: Ask.id(ask),
    requester: requester.peerId,
    prover: award.body.ranked[award.body.winner]?.prover ?? delivery?.body.prover ?? requester.peerId,
    round: award.body.round,
    verdict: delivery === null ? 'timeout' : 'valid',
    reason: '',
    ask,
    award,
    delivery,
    createdAt: delivery === null ? award.body.provingDeadline + 1 : delivery.body.createdAt + 100,
    ...overrides,
  }
  return Result.sign(body, requester.key)
}

/** One whole task: a requester, provers, the ask, one bid per prover, the award, a delivery and its result. */
export interface Scenario {
  requester: TestKey
  provers: TestKey[]
  ask: SignedAsk
  bids: SignedBid[]
  award: SignedAward
  delivery: SignedDelivery | null
  result: SignedResult
}

export async function makeScenario(
  opts: { provers?: number; verdict?: 'valid' | 'invalid' | 'timeout'; ask?: Partial<AskBody> } = {},
): Promise<Scenario> {
  const [requester, ...provers] = await makeKeys(1 + (opts.provers ?? 2))
  if (requester === undefined || provers[0] === undefined) throw new Error('makeScenario needs a prover')
  const ask = await makeAsk(requester, opts.ask)
  const bids = await Promise.all(
    provers.map((p, i) =>
      makeBid(p, ask, {
        price: ask.body.maxPrice / 2n + BigInt(i),
        createdAt: ask.body.createdAt + 1_000 + i,
      }),
    ),
  )
  const award = await makeAward(requester, ask, bids)
  const verdict = opts.verdict ?? 'valid'
  const delivery = verdict === 'timeout' ? null : await makeDelivery(provers[0], award)
  const result = await makeResult(requester, { ask, award, delivery }, { verdict })
  return { requester, provers, ask, bids, award, delivery, result }
}
