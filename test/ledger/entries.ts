import { createHash } from 'node:crypto'
import { toHex } from '../../protocol/codec/hash.ts'
import { PPM } from '../../protocol/reputation/figures.ts'
import type { LedgerEntry, RecordStatus } from '../../protocol/reputation/record.ts'
import type { Verdict } from '../../protocol/task/messages.ts'

/** A reference time for synthetic records: every test speaks in offsets from it. */
export const NOW = 1_800_000_000_000
export const DAY = 24 * 60 * 60 * 1000

let counter = 0

/** A synthetic ledger entry (what a signed record reduces to), with a fresh id unless one is given. */
export function entry(o: {
  requester: string
  prover: string
  verdict?: Verdict
  status?: RecordStatus | undefined
  createdAt?: number
  task?: string
  round?: number
  quality?: number
  speed?: number
  seed?: string
}): LedgerEntry {
  const seed = o.seed ?? `entry ${counter++}`
  const id = new Uint8Array(createHash('sha256').update(seed).digest())
  const taskId = o.task ?? toHex(createHash('sha256').update(`task ${seed}`).digest())
  const verdict = o.verdict ?? 'valid'
  const round = o.round ?? 0
  return {
    id,
    idHex: toHex(id),
    createdAt: o.createdAt ?? NOW - 1000,
    requester: o.requester,
    prover: o.prover,
    taskId,
    roundKey: `${taskId}/${round}`,
    verdict,
    quality: verdict === 'valid' ? (o.quality ?? PPM) : 0,
    speed: verdict === 'valid' ? (o.speed ?? PPM / 2) : 0,
    status: 'status' in o ? o.status : verdict === 'timeout' ? 'unproven' : 'confirmed',
  }
}

/** n entries from one requester about one prover. */
export const many = (n: number, o: Parameters<typeof entry>[0]): LedgerEntry[] =>
  Array.from({ length: n }, () => entry(o))
