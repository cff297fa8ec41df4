import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ArtifactStore } from '../../node/artifacts/artifact-store.ts'
import { DEFAULT_WEIGHTS } from '../../protocol/auction/auction.ts'
import type { Groth16Proof } from '../../protocol/codec/schema.ts'
import { publicSignalsDigest } from '../../protocol/reputation/record.ts'
import type { SignedResult, Verdict } from '../../protocol/task/messages.ts'
import { proofs } from '../../simulations/bench/ledger-records.ts'
import { makeAsk, makeAward, makeBid, makeDelivery, makeResult, type TestKey } from '../helpers/messages.ts'
import { circuitDir } from '../helpers/network.ts'

/** A real Groth16 proof of the tiny circuit (a · b = c, public nonce) and its public signals. */
export interface RealProof {
  proof: Groth16Proof
  publicSignals: string[]
}

/** n distinct real proofs (inputs a = 3 + i, b = 11, nonce = i): about 0.1 s each after the first. */
export async function realProofs(n: number, first = 0): Promise<RealProof[]> {
  return proofs(circuitDir('tiny'), n, first)
}

/** The tiny circuit imported into a scratch artifact store: its id, and the store (for a verifier). */
export async function tinyCircuit(): Promise<{
  circuitId: string
  artifacts: ArtifactStore
  vkeyCid: string
}> {
  const artifacts = new ArtifactStore(await mkdtemp(join(tmpdir(), 'zkp-ledger-art-')))
  await artifacts.init()
  const { circuitId, manifest } = await artifacts.importCircuit(circuitDir('tiny'))
  return { circuitId, artifacts, vkeyCid: manifest.vkey }
}

/** A proof that does not verify, with the same public signals: pi_a swapped for pi_c. */
export const broken = (p: RealProof): RealProof => ({
  publicSignals: p.publicSignals,
  proof: { ...p.proof, pi_a: [p.proof.pi_c[0]!, p.proof.pi_c[1]!, '1'] },
})

export interface RecordSpec {
  requester: TestKey
  prover: TestKey
  circuitId: string
  /** The delivered proof; none: a timeout. */
  proof?: RealProof
  verdict?: Verdict
  /** The public signals the award commits to (default: the proof's own); null: no commitment. */
  commit?: string[] | null
  /** The ask's creation time; the award, delivery and result follow it by seconds. */
  at?: number
}

/** A complete, honestly signed record (ask, bid, award with audit terms, delivery, result) for tests. */
export async function makeRecord(s: RecordSpec): Promise<SignedResult> {
  const at = s.at ?? Date.now() - 5 * 60_000
  const ask = await makeAsk(s.requester, { circuitId: s.circuitId, createdAt: at })
  const bid = await makeBid(s.prover, ask)
  const commit = s.commit === undefined ? s.proof?.publicSignals : s.commit
  const award = await makeAward(s.requester, ask, [bid], {
    weights: DEFAULT_WEIGHTS,
    ...(commit !== null && commit !== undefined ? { signalsDigest: publicSignalsDigest(commit) } : {}),
  })
  const delivery =
    s.proof === undefined
      ? null
      : await makeDelivery(s.prover, award, { proof: s.proof.proof, publicSignals: s.proof.publicSignals })
  return makeResult(
    s.requester,
    { ask, award, delivery },
    { verdict: s.verdict ?? (delivery === null ? 'timeout' : 'valid') },
  )
}
