import type { Fleet } from '../run/fleet.ts'
import type { TaskTracker } from '../run/tasks.ts'
import type { Scenario } from '../scenario/scenario.ts'
import { LedgerConverges, ReputationOrder } from './ledger.ts'
import { NoStuckTask, SpamRejected, TasksComplete } from './tasks.ts'

/** What an assertion sees: every node (through the fleet) and every task, at one moment of the run. */
export interface Capture {
  /** ms since the load started. */
  t: number
  now: number
  fleet: Fleet
  tracker: TaskTracker
  scenario: Scenario
}

export interface Outcome {
  name: string
  ok: boolean
  detail: string
}

/**
 * A property of a run, in lodestar crucible's manner: tick() captures state from every node during the run
 * (and may record violations then), finish() checks what it captured and the final state.
 */
export interface SimAssertion {
  readonly name: string
  tick?(c: Capture): void
  finish(c: Capture): Outcome
}

export function makeAssertions(s: Scenario): SimAssertion[] {
  return s.assertions.map((a): SimAssertion => {
    switch (a.kind) {
      case 'tasks-complete':
        return new TasksComplete(a.min)
      case 'no-stuck-task':
        return new NoStuckTask(a.graceMs)
      case 'ledger-converges':
        return new LedgerConverges()
      case 'reputation-order':
        return new ReputationOrder(a.below, a.above)
      default:
        return new SpamRejected(a.min)
    }
  })
}
