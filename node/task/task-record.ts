import type { Groth16Proof } from '../../protocol/codec/schema.ts'
import type { ReaskPolicy } from './reask.ts'

/**
 * A task as its requester tracks it. A task may run several auctions (asks): each ask that ends with nobody
 * to prove leads to a new ask at a higher price, until the policy's last ask.
 *
 *   bidding ──(window closes, eligible bids)──► awarded(round r) ──(valid proof)──► completed
 *      │                                           │
 *      │                                           ├─(invalid proof / deadline, fallback left)─► awarded(r+1)
 *      │                                           └─(no fallback left)─┐
 *      └─(no eligible bid)─────────────────────────────────────────────┴─► bidding (next ask) … ─► failed
 */
export type TaskState = 'bidding' | 'awarded' | 'completed' | 'failed'

export const TASK_STATES: readonly TaskState[] = ['bidding', 'awarded', 'completed', 'failed']
export const FINAL_STATES: ReadonlySet<TaskState> = new Set(['completed', 'failed'])

export interface TaskEvent {
  at: number
  kind:
    | 'asked'
    | 'bid'
    | 'awarded'
    | 'delivered'
    | 'verified'
    | 'rejected'
    | 'timeout'
    | 'failed'
    | 'completed'
  detail: string
}

export interface TaskRecord {
  /** The id of the task's first ask: what the user holds. */
  taskId: string
  circuitId: string
  state: TaskState
  /** The id of the current ask (the current auction); equals taskId until a re-ask. */
  auction: string
  /** Which ask this is, from 0. */
  attempt: number
  /** Every ask of this task, first to current. */
  auctions: string[]
  /** The award round within the current auction. */
  round: number
  policy: ReaskPolicy
  createdAt: number
  updatedAt: number
  /** Peer id of the current (or final) awarded prover. */
  prover?: string
  /** Why the task ended, in words. */
  reason?: string
  events: TaskEvent[]
  /** Set for a task submitted in a batch: the batch id (hex) and this task's place in it. */
  batch?: { id: string; index: number; size: number }
  /** The public signals a correct proof must carry, computed from the input at submit time. */
  expectedPublicSignals: string[]
  proof?: { proof: Groth16Proof; publicSignals: string[]; provingMs: number }
}

/** Most events one task keeps. */
export const MAX_TASK_EVENTS = 128

export function withEvent(task: TaskRecord, event: TaskEvent): TaskRecord {
  const events = [...task.events, event].slice(-MAX_TASK_EVENTS)
  return { ...task, events, updatedAt: event.at }
}
