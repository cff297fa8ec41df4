import { z } from 'zod'
import type { AuditFinding, AuditOutcome } from '../../protocol/auction/audit.ts'
import { decode, encode } from '../../protocol/codec/cbor.ts'
import { parseWith } from '../../protocol/codec/schema.ts'
import { type Codec, Repository } from '../store/repository.ts'
import type { Store } from '../store/store.ts'

/** One record of the audited task, as this node's re-verification judged it. */
export interface AuditedRecord {
  resultId: string
  round: number
  prover: string
  verdict: string
  status: 'confirmed' | 'contradicted' | 'unproven' | 'pending'
  reason: string
}

/** What an audit of one task found; kept per task (`audit/<taskId>`), the latest run replacing the last. */
export interface AuditReport {
  taskId: string
  requester: string
  auditedAt: number
  /** Award rounds this node held. */
  rounds: number
  outcome: AuditOutcome
  findings: AuditFinding[]
  records: AuditedRecord[]
  /** Where the bids came from, and how many were eligible. */
  bids: { source: 'local' | 'requester' | 'none'; eligible: number }
  /** The snapshot time, whether a ledger matching the award's root was rebuilt, and how many records it held. */
  snapshot: { at: number; rebuilt: boolean; records: number }
}

const Finding = z.strictObject({
  check: z.enum(['shape', 'rounds', 'eligibility', 'bid-set', 'ranking', 'records']),
  outcome: z.enum(['ok', 'violation', 'inconclusive']),
  detail: z.string().max(1024),
})

const Report = z.strictObject({
  taskId: z.string().regex(/^[0-9a-f]{64}$/),
  requester: z.string().max(64),
  auditedAt: z.number().int().nonnegative(),
  rounds: z.number().int().nonnegative(),
  outcome: z.enum(['ok', 'violation', 'inconclusive']),
  findings: z.array(Finding).max(64),
  records: z
    .array(
      z.strictObject({
        resultId: z.string().max(64),
        round: z.number().int().nonnegative(),
        prover: z.string().max(64),
        verdict: z.string().max(16),
        status: z.enum(['confirmed', 'contradicted', 'unproven', 'pending']),
        reason: z.string().max(256),
      }),
    )
    .max(256),
  bids: z.strictObject({
    source: z.enum(['local', 'requester', 'none']),
    eligible: z.number().int().nonnegative(),
  }),
  snapshot: z.strictObject({
    at: z.number().int().nonnegative(),
    rebuilt: z.boolean(),
    records: z.number().int(),
  }),
})

const codec: Codec<AuditReport> = {
  encode: (v) => encode(v),
  decode: (b) => parseWith(Report, decode(b, 256 * 1024, 'audit report'), 'audit report') as AuditReport,
}

export const auditRepository = (store: Store): Repository<AuditReport> =>
  new Repository(store, 'audit', codec)
