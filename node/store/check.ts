import { FINAL_JOB_STATES, type JobState } from '../task/prover-job.ts'
import { TASK_STATES } from '../task/task-record.ts'
import { type Repositories, roundKey } from './repositories.ts'

const JOB_STATES: readonly JobState[] = [
  'bid',
  'awarded',
  'proving',
  'proved',
  'delivered',
  'missed',
  'lost',
  'failed',
]

/**
 * Checks that what the store holds is consistent: every task and job in a legal state with what that state
 * needs present (its ask, its award, its input, its proof). Returns the problems found; none means intact.
 * Run after a crash, it shows that no journaled step was half-written.
 */
export async function checkStore(repos: Repositories): Promise<string[]> {
  const problems: string[] = []
  for await (const [id, task] of repos.tasks.values()) {
    const where = `task ${id.slice(0, 12)}`
    if (!TASK_STATES.includes(task.state)) problems.push(`${where}: unknown state ${String(task.state)}`)
    if (!(await repos.asks.has(task.auction)))
      problems.push(`${where}: its ask ${task.auction.slice(0, 12)} is missing`)
    if (task.auctions.at(-1) !== task.auction)
      problems.push(`${where}: its current ask is not the last of its asks`)
    if ((await repos.auctions.get(task.auction)) !== id)
      problems.push(`${where}: its ask does not map back to it`)
    if (!(await repos.inputs.has(id))) problems.push(`${where}: its input is missing`)
    if (task.state === 'awarded' && !(await repos.awards.has(roundKey(task.auction, task.round)))) {
      problems.push(`${where}: awarded in round ${task.round} but that award is missing`)
    }
    if (task.state === 'completed' && task.proof === undefined)
      problems.push(`${where}: completed without a proof`)
    if ((task.state === 'completed' || task.state === 'failed') && !task.reason) {
      problems.push(`${where}: ${task.state} without a reason`)
    }
  }
  for await (const [id, job] of repos.jobs.values()) {
    const where = `job ${id.slice(0, 12)}`
    if (!JOB_STATES.includes(job.state)) problems.push(`${where}: unknown state ${String(job.state)}`)
    if (!(await repos.asks.has(id))) problems.push(`${where}: its ask is missing`)
    if (job.state === 'proved' && job.delivery === undefined)
      problems.push(`${where}: proved without its delivery`)
    if (['awarded', 'proving', 'proved'].includes(job.state) && job.provingDeadline === undefined) {
      problems.push(`${where}: ${job.state} without a deadline`)
    }
    if (FINAL_JOB_STATES.has(job.state) && !job.reason)
      problems.push(`${where}: ${job.state} without a reason`)
  }
  return problems
}
