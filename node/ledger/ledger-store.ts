import { z } from 'zod'
import { decode, encode } from '../../protocol/codec/cbor.ts'
import { fromHex } from '../../protocol/codec/hash.ts'
import { parseWith } from '../../protocol/codec/schema.ts'
import { type LedgerEntry, RECORD_STATUSES, type RecordStatus } from '../../protocol/reputation/record.ts'
import { Verdict } from '../../protocol/task/messages.ts'
import { type Codec, Repository } from '../store/repository.ts'
import type { Store } from '../store/store.ts'

/**
 * What the ledger keeps beside each record (`result/<id>`, the signed record itself): `ledger/<id>`, its
 * reputation entry and, once re-verified, its status. Loading these is what makes a restart fast: the signed
 * records are only decoded again to serve or re-verify them.
 */
const StoredEntry = z.strictObject({
  createdAt: z.number().int().nonnegative(),
  requester: z.string().max(64),
  prover: z.string().max(64),
  taskId: z.string().regex(/^[0-9a-f]{64}$/),
  round: z.number().int().nonnegative(),
  verdict: Verdict,
  quality: z.number().int().nonnegative(),
  speed: z.number().int().nonnegative(),
  status: z.enum(RECORD_STATUSES as [RecordStatus, ...RecordStatus[]]).nullable(),
  reason: z.string().max(256),
})
type StoredEntry = z.output<typeof StoredEntry>

const entryCodec: Codec<StoredEntry> = {
  encode: (v) => encode(v),
  decode: (b) => parseWith(StoredEntry, decode(b, 4096, 'ledger entry'), 'ledger entry'),
}

export interface EntryWithReason {
  entry: LedgerEntry
  reason: string
}

export class LedgerStore {
  readonly entries: Repository<StoredEntry>

  constructor(readonly store: Store) {
    this.entries = new Repository(store, 'ledger', entryCodec)
  }

  toStored(e: LedgerEntry, reason = ''): StoredEntry {
    return {
      createdAt: e.createdAt,
      requester: e.requester,
      prover: e.prover,
      taskId: e.taskId,
      round: Number(e.roundKey.slice(e.taskId.length + 1)),
      verdict: e.verdict,
      quality: e.quality,
      speed: e.speed,
      status: e.status ?? null,
      reason,
    }
  }

  putOp(e: LedgerEntry, reason = '') {
    return this.entries.putOp(e.idHex, this.toStored(e, reason))
  }

  /** Every stored entry. */
  async *load(): AsyncGenerator<EntryWithReason> {
    for await (const [idHex, s] of this.entries.values()) {
      yield {
        reason: s.reason,
        entry: {
          id: fromHex(idHex),
          idHex,
          createdAt: s.createdAt,
          requester: s.requester,
          prover: s.prover,
          taskId: s.taskId,
          roundKey: `${s.taskId}/${s.round}`,
          verdict: s.verdict,
          quality: s.quality,
          speed: s.speed,
          status: s.status ?? undefined,
        },
      }
    }
  }
}
