import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import * as snarkjs from 'snarkjs'
import { bidSetDigest, DEFAULT_WEIGHTS } from '../../protocol/auction/auction.ts'
import type { Groth16Proof } from '../../protocol/codec/schema.ts'
import { publicSignalsDigest } from '../../protocol/reputation/record.ts'
import { Ask, Award, Bid, Delivery, Result, type SignedResult } from '../../protocol/task/messages.ts'

/** Signed records for the ledger benchmark: real tiny-circuit proofs, every signature real. */
export interface Identity {
  key: PrivateKey
  peerId: string
}

export async function identities(n: number): Promise<Identity[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const key = await generateKeyPair('Ed25519')
      return { key, peerId: peerIdFromPrivateKey(key).toString() }
    }),
  )
}

export interface Proof {
  proof: Groth16Proof
  publicSignals: string[]
}

/** n distinct proofs of circuits/build/tiny (a · b with a public nonce). */
export async function proofs(dir: string, n: number, first = 0): Promise<Proof[]> {
  const out: Proof[] = []
  for (let i = first; i < first + n; i++) {
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(
      { a: String(3 + i), b: '11', nonce: String(i) },
      join(dir, 'tiny.wasm'),
      join(dir, 'tiny.zkey'),
    )
    out.push({ proof: proof as Groth16Proof, publicSignals })
  }
  return out
}

/** One record of a whole task: ask, bid, award (with audit terms), delivery and a valid verdict. */
export async function record(
  requester: Identity,
  prover: Identity,
  circuitId: string,
  proof: Proof,
  at: number,
): Promise<SignedResult> {
  const ask = await Ask.sign(
    {
      v: 1,
      network: 'devnet',
      requester: requester.peerId,
      nonce: randomBytes(16),
      createdAt: at,
      circuitId,
      system: 'groth16',
      params: new Uint8Array(),
      maxPrice: 1000n,
      bidWindowMs: 1000,
      closeAfterBids: 0,
      provingDeadlineMs: 60_000,
      inputBytes: 64,
    },
    requester.key,
  )
  const bid = await Bid.sign(
    {
      v: 1,
      network: 'devnet',
      taskId: Ask.id(ask),
      prover: prover.peerId,
      price: 100n,
      estimatedMs: 500,
      capacity: 1,
      hasCircuit: true,
      createdAt: at + 100,
    },
    prover.key,
  )
  const award = await Award.sign(
    {
      v: 1,
      network: 'devnet',
      taskId: Ask.id(ask),
      requester: requester.peerId,
      round: 0,
      ranked: [{ prover: prover.peerId, bidId: Bid.id(bid), price: 100n, estimatedMs: 500 }],
      winner: 0,
      bidSetDigest: bidSetDigest([Bid.id(bid)]),
      ledgerRoot: new Uint8Array(32),
      provingDeadline: at + 61_000,
      createdAt: at + 1_000,
      weights: DEFAULT_WEIGHTS,
      signalsDigest: publicSignalsDigest(proof.publicSignals),
    },
    requester.key,
  )
  const delivery = await Delivery.sign(
    {
      v: 1,
      network: 'devnet',
      taskId: Ask.id(ask),
      round: 0,
      prover: prover.peerId,
      proof: proof.proof,
      publicSignals: proof.publicSignals,
      provingMs: 400,
      createdAt: at + 1_500,
    },
    prover.key,
  )
  return Result.sign(
    {
      v: 1,
      network: 'devnet',
      taskId: Ask.id(ask),
      requester: requester.peerId,
      prover: prover.peerId,
      round: 0,
      verdict: 'valid',
      reason: 'proof verified',
      ask,
      award,
      delivery,
      createdAt: at + 1_600,
    },
    requester.key,
  )
}
