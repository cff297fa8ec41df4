import { setTimeout as sleep } from 'node:timers/promises'
import type { TaskEvent } from '../../../node/task/task-record.ts'
import type { Groth16Proof } from '../../../protocol/codec/schema.ts'
import type { ApiClient } from '../../util/client.ts'
import { elapsed, shortPeer } from '../../util/print.ts'

/** A task as GET /v1/tasks/:id returns it (the JSON form of TaskRecord). */
export interface TaskView {
  taskId: string
  state: 'bidding' | 'awarded' | 'completed' | 'failed'
  createdAt: number
  prover?: string
  reason?: string
  events: TaskEvent[]
  proof?: { proof: Groth16Proof; publicSignals: string[]; provingMs: number }
}

interface BidView {
  bidId: string
  prover: string
  price: string
  estimatedMs: number
  createdAt: number
}

const POLL_MS = 150
const FINAL = new Set(['completed', 'failed'])

export interface FollowOptions {
  timeoutMs: number
  print: (line: string) => void
}

/**
 * Polls a task until it ends, printing each bid and event once, with its time since the ask. Resolves with the
 * final task, or undefined on timeout. Polling (not a stream) keeps the API plain request/response.
 */
export async function followTask(
  client: ApiClient,
  taskId: string,
  opts: FollowOptions,
): Promise<TaskView | undefined> {
  const deadline = Date.now() + opts.timeoutMs
  const seenBids = new Set<string>()
  let seenEvents = 0
  while (Date.now() < deadline) {
    const task = await client.json<TaskView>('GET', `/v1/tasks/${taskId}`)
    // Bids first: they come before the award that names one of them.
    const { bids } = await client.json<{ bids: BidView[] }>('GET', `/v1/tasks/${taskId}/bids`)
    for (const b of bids.sort((x, y) => x.createdAt - y.createdAt)) {
      if (seenBids.has(b.bidId)) continue
      seenBids.add(b.bidId)
      opts.print(
        `${elapsed(b.createdAt - task.createdAt)} bid       ${shortPeer(b.prover)} price ${b.price}, estimate ${b.estimatedMs} ms`,
      )
    }
    for (const e of task.events.slice(seenEvents)) {
      opts.print(`${elapsed(e.at - task.createdAt)} ${e.kind.padEnd(9)} ${e.detail}`)
    }
    seenEvents = task.events.length
    if (task.state === 'completed' || task.state === 'failed') return task
    await sleep(POLL_MS)
  }
  return undefined
}

/**
 * Polls a batch's tasks until every one ends, printing each task's events once, prefixed with its place in the
 * batch. Resolves with the tasks in batch order (undefined where one had not ended by the timeout).
 */
export async function followBatch(
  client: ApiClient,
  taskIds: readonly string[],
  opts: FollowOptions,
): Promise<Array<TaskView | undefined>> {
  const deadline = Date.now() + opts.timeoutMs
  const seen = taskIds.map(() => 0)
  const ended: Array<TaskView | undefined> = taskIds.map(() => undefined)
  const width = String(taskIds.length - 1).length
  while (Date.now() < deadline && ended.some((t) => t === undefined)) {
    for (const [i, taskId] of taskIds.entries()) {
      if (ended[i] !== undefined) continue
      const task = await client.json<TaskView>('GET', `/v1/tasks/${taskId}`)
      for (const e of task.events.slice(seen[i])) {
        opts.print(
          `${elapsed(e.at - task.createdAt)} #${String(i).padStart(width)} ${e.kind.padEnd(9)} ${e.detail}`,
        )
      }
      seen[i] = task.events.length
      if (FINAL.has(task.state)) ended[i] = task
    }
    if (ended.some((t) => t === undefined)) await sleep(POLL_MS)
  }
  return ended
}
