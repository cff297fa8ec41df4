import { encode } from '../codec/cbor.ts'
import { bytesEqual, sha256, toHex } from '../codec/hash.ts'
import type { SignedResult, Verdict } from '../task/messages.ts'
import {
  ACCEPT,
  type Verdict as GossipVerdict,
  type ValidationContext,
  validateResult,
} from '../task/validate.ts'
import { tallyOf } from './figures.ts'

/**
 * What re-verification concluded about a record, a pure function of the record and its circuit's
 * verification key, so every node that checks it reaches the same status:
 * - `confirmed`: the verdict is what the proof shows (valid, or provably invalid);
 * - `contradicted`: the proof shows the opposite of the verdict; the record counts for nothing and brands its
 *   signer (docs/ledger.md, "contradicted records");
 * - `unproven`: nothing can be re-checked (a timeout, or an `invalid` verdict on a proof that verifies when the
 *   award committed to no public signals); it counts, weighed by its signer's credibility.
 */
export type RecordStatus = 'confirmed' | 'contradicted' | 'unproven'
export const RECORD_STATUSES: readonly RecordStatus[] = ['confirmed', 'contradicted', 'unproven']

export interface Judgement {
  status: RecordStatus
  reason: string
}

/** The commitment an award makes to the public signals: SHA-256 of their canonical CBOR array. */
export function publicSignalsDigest(signals: readonly string[]): Uint8Array {
  return sha256(encode([...signals]))
}

/** Whether a record needs its proof checked (valid and invalid verdicts carry one; timeouts do not). */
export function needsProofCheck(result: SignedResult): boolean {
  return result.body.delivery !== null
}

/**
 * The status of a record, given whether its proof verifies against the circuit's verification key
 * (`proofVerifies` is ignored for a timeout).
 */
export function judgeRecord(result: SignedResult, proofVerifies: boolean): Judgement {
  const { verdict, delivery, award } = result.body
  if (delivery === null) return { status: 'unproven', reason: 'a missed deadline cannot be proven' }
  const committed = award.body.signalsDigest
  const matches =
    committed === undefined
      ? undefined
      : bytesEqual(publicSignalsDigest(delivery.body.publicSignals), committed)
  if (verdict === 'valid') {
    if (!proofVerifies)
      return { status: 'contradicted', reason: 'judged valid, but the proof does not verify' }
    if (matches === false) {
      return {
        status: 'contradicted',
        reason: 'judged valid, but the public signals are not the committed ones',
      }
    }
    return { status: 'confirmed', reason: 'the proof verifies' }
  }
  if (!proofVerifies) return { status: 'confirmed', reason: 'the proof does not verify' }
  if (matches === false)
    return { status: 'confirmed', reason: 'the public signals are not the committed ones' }
  if (matches === true) {
    return {
      status: 'contradicted',
      reason: 'judged invalid, but the proof verifies with the committed signals',
    }
  }
  return { status: 'unproven', reason: 'the proof verifies and the award committed to no public signals' }
}

/**
 * Admission of a record to the ledger, on gossip and on sync alike: the result topic's rules (every signature,
 * every embedded message consistent) plus the ledger's own.
 */
export async function validateRecord(result: SignedResult, ctx: ValidationContext): Promise<GossipVerdict> {
  const r = result.body
  // A verdict cannot be signed before the award it judges exists (this also bounds backdating).
  if (r.createdAt < r.award.body.createdAt) {
    return { result: 'reject', code: 'INCONSISTENT', reason: 'result predates its award' }
  }
  const verdict = await validateResult(result, ctx)
  return verdict.result === 'accept' ? ACCEPT : verdict
}

/** A record reduced to what reputation needs; built once when the record enters the ledger. */
export interface LedgerEntry {
  id: Uint8Array
  idHex: string
  createdAt: number
  requester: string
  prover: string
  taskId: string
  /** taskId/round: at most one record per round counts (the smallest id). */
  roundKey: string
  verdict: Verdict
  /** Per-record quality and speed (valid records only), ppm. */
  quality: number
  speed: number
  /** undefined while the record waits for re-verification. */
  status: RecordStatus | undefined
}

export function entryOf(result: SignedResult, id: Uint8Array, status?: RecordStatus): LedgerEntry {
  const r = result.body
  const t = tallyOf(result)
  const taskId = toHex(r.taskId)
  return {
    id,
    idHex: toHex(id),
    createdAt: r.createdAt,
    requester: r.requester,
    prover: r.prover,
    taskId,
    roundKey: `${taskId}/${r.round}`,
    verdict: r.verdict,
    quality: t.qualitySum,
    speed: t.speedSum,
    status,
  }
}
