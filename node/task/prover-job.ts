/**
 * Work a prover has taken on, journaled at every step so a restart resumes it. `awarded` covers fetching the
 * circuit and the input; `proving` starts once both are here.
 *
 *   bid ──(award names us)──► awarded ──► proving ──► proved ──(receipt: accepted)──► delivered
 *    │                                       │           ├──(receipt: rejected)──────► failed
 *    │                                       │           └──(deadline passes undelivered)─┐
 *    │                                       └──(deadline passes, crash past it)──────────┴► missed
 *    └──(another prover completes / not ranked / task re-asked or failed)──► lost | failed
 *   missed ──(status: completed by another, re-asked)──► lost;  ──(status: failed)──► failed
 *
 * delivered, lost and failed are final; bid and missed are settled by gossip or by asking the requester.
 */
export type JobState = 'bid' | 'awarded' | 'proving' | 'proved' | 'delivered' | 'missed' | 'lost' | 'failed'

export const FINAL_JOB_STATES: ReadonlySet<JobState> = new Set(['delivered', 'lost', 'failed'])
export const ACTIVE_JOB_STATES: ReadonlySet<JobState> = new Set(['awarded', 'proving', 'proved'])

export interface ProverJob {
  /** The ask this job bid on. */
  taskId: string
  requester: string
  circuitId: string
  round: number
  state: JobState
  bidAt: number
  updatedAt: number
  /** When this job should next be settled with the requester if nothing else settles it (unix ms). */
  checkAt?: number
  /** How many status checks found nothing final yet (for back-off). */
  checks?: number
  /** The awarded round's deadline (unix ms). */
  provingDeadline?: number
  /**
   * Where the requester could be dialled when the award came (at most 8 multiaddrs): a restarted node's peer
   * store is empty, and dialling the requester by peer id alone would wait on peer routing.
   */
  requesterAddrs?: string[]
  /** The signed delivery, journaled once proved, so a restart can still deliver it. */
  delivery?: Uint8Array
  provingMs?: number
  reason?: string
}
