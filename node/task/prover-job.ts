/** Work a prover has taken on. `state` moves bid → awarded → proving → delivered | lost | failed. */
export type JobState = 'bid' | 'awarded' | 'proving' | 'delivered' | 'lost' | 'failed'

export interface ProverJob {
  taskId: string
  requester: string
  circuitId: string
  round: number
  state: JobState
  bidAt: number
  updatedAt: number
  provingMs?: number
  reason?: string
}
