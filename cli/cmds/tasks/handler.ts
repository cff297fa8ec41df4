import type { ProverJob } from '../../../node/task/prover-job.ts'
import type { TaskRecord } from '../../../node/task/task-record.ts'
import { isZkpError } from '../../../protocol/errors.ts'
import { connect, type NodeOptions } from '../../util/connect.ts'
import { shortPeer, table } from '../../util/print.ts'

export interface TasksOptions extends NodeOptions {
  json?: boolean
}

type Job = Omit<ProverJob, 'delivery'> & { proofHeld: boolean }

const out = (line = '') => console.log(line)
const short = (id: string | undefined) => (id === undefined ? '-' : shortPeer(id))
const age = (at: number) => {
  const s = Math.max(0, Math.round((Date.now() - at) / 1000))
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`
}
const time = (at: number) => new Date(at).toISOString().slice(11, 23)

/** `zkp-node tasks [task]`: 0 when shown, 1 when the task is unknown to the node. */
export async function showTasks(taskId: string | undefined, opts: TasksOptions): Promise<number> {
  const client = await connect(opts)
  if (taskId !== undefined) return showOne(taskId, opts, client)
  const { tasks } = await client.json<{ tasks: TaskRecord[] }>('GET', '/v1/tasks')
  const { jobs } = await client.json<{ jobs: Job[] }>('GET', '/v1/jobs')
  if (opts.json) {
    out(JSON.stringify({ tasks, jobs }, null, 2))
    return 0
  }
  out(`Tasks this node requested (${tasks.length})`)
  if (tasks.length > 0) {
    const rows = tasks.map((t) => [
      t.taskId.slice(0, 12),
      t.state,
      `${t.attempt + 1}/${t.policy.maxAsks}`,
      String(t.round),
      short(t.prover),
      age(t.createdAt),
      t.reason ?? t.events.at(-1)?.detail ?? '',
    ])
    out(table(['task', 'state', 'ask', 'round', 'prover', 'age', 'why / latest'], rows))
  }
  out()
  out(`Jobs this node took on as a prover (${jobs.length})`)
  if (jobs.length > 0) {
    const rows = jobs.map((j) => [
      j.taskId.slice(0, 12),
      j.state,
      String(j.round),
      short(j.requester),
      j.provingMs === undefined ? '-' : `${j.provingMs} ms`,
      age(j.bidAt),
      j.reason ?? '',
    ])
    out(table(['task', 'state', 'round', 'requester', 'proving', 'age', 'why'], rows))
  }
  return 0
}

async function showOne(
  taskId: string,
  opts: TasksOptions,
  client: Awaited<ReturnType<typeof connect>>,
): Promise<number> {
  const task = await client.json<TaskRecord>('GET', `/v1/tasks/${taskId}`).catch(notFound)
  const job = await client.json<Job>('GET', `/v1/jobs/${taskId}`).catch(notFound)
  if (task === undefined && job === undefined) {
    console.error(`error: task ${taskId} is not known to this node`)
    return 1
  }
  const bids =
    task === undefined
      ? []
      : (await client.json<{ bids: Array<Record<string, unknown>> }>('GET', `/v1/tasks/${taskId}/bids`)).bids
  if (opts.json) {
    out(JSON.stringify({ task, bids, job }, null, 2))
    return 0
  }
  if (task !== undefined) {
    out(`task     ${task.taskId}`)
    out(`state    ${task.state}${task.reason === undefined ? '' : ` — ${task.reason}`}`)
    out(`circuit  ${task.circuitId}`)
    out(
      `asks     ${task.attempt + 1} of at most ${task.policy.maxAsks}, prices ${task.policy.startPrice}…${task.policy.ceiling}`,
    )
    out()
    for (const e of task.events) out(`  ${time(e.at)}  ${e.kind.padEnd(9)} ${e.detail}`)
    out()
    out(`bids (${bids.length})`)
    for (const b of bids)
      out(
        `  ${short(String(b.prover))}  price ${b.price}  estimate ${b.estimatedMs} ms  ask ${String(b.ask).slice(0, 12)}`,
      )
  }
  if (job !== undefined) {
    if (task !== undefined) out()
    out(`job      ${job.taskId} (as a prover)`)
    out(`state    ${job.state}${job.reason === undefined ? '' : ` — ${job.reason}`}`)
    out(
      `round    ${job.round}, requester ${job.requester}${job.provingMs === undefined ? '' : `, proving ${job.provingMs} ms`}`,
    )
  }
  return 0
}

function notFound(err: unknown): undefined {
  if (isZkpError(err, 'NOT_FOUND')) return undefined
  throw err
}
