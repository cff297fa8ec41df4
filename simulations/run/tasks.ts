import type { ZkpNode } from '../../node/node.ts'
import type { ProverJob } from '../../node/task/prover-job.ts'
import type { SubmitRequest } from '../../node/task/requester.ts'
import { FINAL_STATES, type TaskRecord } from '../../node/task/task-record.ts'
import { errorMessage } from '../../protocol/errors.ts'
import type { SimNode } from './fleet.ts'

/** A task as the simulator follows it. Times are unix ms. */
export interface TrackedTask {
  taskId: string
  /** Name of the requester node. */
  requester: string
  circuit: number
  submittedAt: number
  /** The requester's latest record of it. */
  record: TaskRecord | undefined
  /** When the winner of its first award heard of the award (its job became `awarded`). */
  awardKnownAt?: number
}

/**
 * Follows every task from submission to its end through the requesters' 'task' events, and the provers'
 * 'job' events for when each award reaches its winner. Listeners are attached to every node instance (call
 * watch() from a Fleet start hook).
 */
export class TaskTracker {
  readonly tasks = new Map<string, TrackedTask>()
  readonly submitErrors: Array<{ at: number; requester: string; error: string }> = []
  private readonly early = new Map<string, TaskRecord>()
  private readonly awardedAt = new Map<string, number>()
  private finals = 0

  watch(n: SimNode, node: ZkpNode): void {
    if (n.group.roles.includes('requester')) node.events.on('task', (t) => this.onTask(t))
    if (n.group.roles.includes('prover')) node.events.on('job', (j) => this.onJob(j))
  }

  /** Submits through `n`; a refusal is recorded, not thrown. */
  async submit(n: SimNode & { node: ZkpNode }, circuit: number, req: SubmitRequest): Promise<void> {
    const submittedAt = Date.now()
    try {
      const taskId = await n.node.submit(req)
      const task: TrackedTask = { taskId, requester: n.name, circuit, submittedAt, record: undefined }
      this.tasks.set(taskId, task)
      const early = this.early.get(taskId)
      this.early.delete(taskId)
      if (early !== undefined) this.onTask(early)
      if (this.awardedAt.has(taskId)) task.awardKnownAt = this.awardedAt.get(taskId)
    } catch (err) {
      this.submitErrors.push({ at: submittedAt, requester: n.name, error: errorMessage(err) })
    }
  }

  get submitted(): number {
    return this.tasks.size + this.submitErrors.length
  }

  /** Tasks in a final state (completed or failed). */
  get ended(): number {
    return this.finals
  }

  completed(): TrackedTask[] {
    return [...this.tasks.values()].filter((t) => t.record?.state === 'completed')
  }

  open(): TrackedTask[] {
    return [...this.tasks.values()].filter((t) => t.record === undefined || !FINAL_STATES.has(t.record.state))
  }

  private onTask(t: TaskRecord): void {
    const task = this.tasks.get(t.taskId)
    if (task === undefined) {
      this.early.set(t.taskId, t)
      return
    }
    const was = task.record !== undefined && FINAL_STATES.has(task.record.state)
    if (was) return
    task.record = t
    if (FINAL_STATES.has(t.state)) this.finals++
  }

  private onJob(j: ProverJob): void {
    if (j.state !== 'awarded' || j.round !== 0 || this.awardedAt.has(j.taskId)) return
    const at = Date.now()
    this.awardedAt.set(j.taskId, at)
    const task = this.tasks.get(j.taskId)
    if (task !== undefined) task.awardKnownAt = at
  }
}

/** When a record reached `kind` last (or first), from its events. */
export function eventAt(
  t: TaskRecord | undefined,
  kind: string,
  which: 'first' | 'last' = 'last',
): number | undefined {
  const events = t?.events ?? []
  const e = which === 'first' ? events.find((x) => x.kind === kind) : events.findLast((x) => x.kind === kind)
  return e?.at
}
