import type { Groth16Proof } from '../../protocol/codec/schema.ts'

/**
 * A task as its requester tracks it. States:
 *   bidding → awarded → completed
 *                    ↘ (invalid proof / deadline) → awarded (next round, fallback) … → failed
 *   bidding → failed (no eligible bid)
 */
export type TaskState = 'bidding' | 'awarded' | 'completed' | 'failed'

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
  taskId: string
  circuitId: string
  state: TaskState
  round: number
  createdAt: number
  updatedAt: number
  /** Peer id of the current (or final) awarded prover. */
  prover?: string
  /** Why the task ended, in words. */
  reason?: string
  events: TaskEvent[]
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
