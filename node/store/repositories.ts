import { decode, encode } from '../../protocol/codec/cbor.ts'
import {
  Ask,
  Award,
  Bid,
  Result,
  type SignedAsk,
  type SignedAward,
  type SignedBid,
  type SignedResult,
} from '../../protocol/task/messages.ts'
import type { ProverJob } from '../task/prover-job.ts'
import { ReaskPolicy } from '../task/reask.ts'
import type { TaskRecord } from '../task/task-record.ts'
import { type Codec, Repository } from './repository.ts'
import type { Store } from './store.ts'

const LOCAL_RECORD_BYTES = 8 * 1024 * 1024

/**
 * Our own records: CBOR, size-checked on the way back in. CBOR returns small integers as numbers whatever
 * they were written as, so `revive` restores what must be bigint.
 */
function localCodec<T>(revive: (v: T) => T = (v) => v): Codec<T> {
  return {
    encode: (v) => encode(dropUndefined(v)),
    decode: (b) => revive(decode(b, LOCAL_RECORD_BYTES, 'stored record') as T),
  }
}

/** An optional field set to undefined means "absent"; CBOR has no such value for the strict decoder. */
function dropUndefined(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropUndefined)
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return v
  return Object.fromEntries(
    Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => [k, dropUndefined(x)]),
  )
}

const reviveTask = (t: TaskRecord): TaskRecord => ({ ...t, policy: ReaskPolicy.parse(t.policy) })

const raw: Codec<Uint8Array> = { encode: (v) => v, decode: (b) => b }
const text: Codec<string> = {
  encode: (v) => new TextEncoder().encode(v),
  decode: (b) => new TextDecoder().decode(b),
}

/**
 * Every entity the node keeps, one key prefix each. Signed messages are stored in their wire form so that they
 * stay verifiable and can be relayed or audited later.
 */
export interface Repositories {
  /** ask/<taskId> */
  asks: Repository<SignedAsk>
  /** bid/<taskId>/<prover>: one per prover per task */
  bids: Repository<SignedBid>
  /** award/<taskId>/<round, 2 digits> */
  awards: Repository<SignedAward>
  /** result/<resultId>: the reputation ledger */
  results: Repository<SignedResult>
  /** auction/<askId>: the task an ask belongs to (a task may ask several times) */
  auctions: Repository<string>
  /** task/<taskId>: requester-side task state */
  tasks: Repository<TaskRecord>
  /** input/<taskId>: a requester's private inputs, never gossiped */
  inputs: Repository<Uint8Array>
  /** job/<taskId>: prover-side work */
  jobs: Repository<ProverJob>
  /** circuit/<circuitId>: manifests of circuits this node holds */
  circuits: Repository<Uint8Array>
}

export function createRepositories(store: Store): Repositories {
  return {
    asks: new Repository(store, 'ask', Ask),
    bids: new Repository(store, 'bid', Bid),
    awards: new Repository(store, 'award', Award),
    results: new Repository(store, 'result', Result),
    auctions: new Repository(store, 'auction', text),
    tasks: new Repository(store, 'task', localCodec<TaskRecord>(reviveTask)),
    inputs: new Repository(store, 'input', raw),
    jobs: new Repository(store, 'job', localCodec<ProverJob>()),
    circuits: new Repository(store, 'circuit', raw),
  }
}

export const bidKey = (taskIdHex: string, prover: string): string => `${taskIdHex}/${prover}`

export const roundKey = (taskIdHex: string, round: number): string =>
  `${taskIdHex}/${String(round).padStart(2, '0')}`
