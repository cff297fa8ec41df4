import { EventEmitter } from 'node:events'
import type { ProverJob } from './task/prover-job.ts'
import type { TaskRecord } from './task/task-record.ts'

/** What the node tells its embedder (the local API, the CLI, tests, the simulator). */
export type NodeEventMap = {
  /** A requester-side task changed. */
  task: [TaskRecord]
  /** A prover-side job changed. */
  job: [ProverJob]
}

export class NodeEvents extends EventEmitter<NodeEventMap> {}
