import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Capture, Outcome } from '../assertions/assertions.ts'
import { rootsOf } from '../assertions/ledger.ts'
import { Rng } from '../random.ts'
import { requesterGroups, type Scenario } from '../scenario/scenario.ts'
import { sleep } from '../sleep.ts'
import { Collector, type Sample } from './collector.ts'
import { type AppliedFault, FaultScheduler } from './faults.ts'
import { Fleet } from './fleet.ts'
import { LoadGenerator } from './load.ts'
import { makePlan, type Plan, type PlanPaths } from './plan.ts'
import { addCircuits, warmUp } from './setup.ts'
import { type RunSummary, summarise } from './summary.ts'
import { TaskTracker } from './tasks.ts'

export interface SimulateOptions extends Omit<PlanPaths, 'root'> {
  /** Progress for humans: called once per phase and at every tick. */
  onProgress?: (p: Progress) => void
  /** Ends the run early (its report says so). */
  signal?: AbortSignal
  /** Every task and job change of every node, as it happens (for debugging a scenario). */
  trace?: (line: TraceLine) => void
}

export interface TraceLine {
  /** ms since the load started (negative during setup). */
  t: number
  node: string
  kind: 'task' | 'job'
  id: string
  state: string
  detail: string
}

export interface Progress {
  phase: 'setup' | 'running' | 'settling' | 'done'
  message: string
  sample?: Sample
}

export interface SimulationResult extends RunSummary {
  scenario: Scenario
  samples: Sample[]
  faults: AppliedFault[]
  outcomes: Outcome[]
  passed: boolean
  /** Why the run ended before its load did, if it did. */
  cut: 'timeout' | 'aborted' | undefined
  /**
   * Promise rejections that node code left unhandled during the run (each would end a real node's process):
   * counted and reported instead of ending the simulation. The first few, by message.
   */
  unhandled: { count: number; first: string[] }
}

/**
 * Runs one scenario: plans it, starts real zkp-nodes on 127.0.0.1 (a LocalNetwork in this process), submits
 * its load, applies its faults on their time line, captures every node each tick for the assertions, waits
 * for the ledgers to settle, checks, and stops everything. Bounded: the load phase by limits.durationMs, the
 * settle phase by limits.settleMs. The data directories are removed at the end.
 */
export async function simulate(s: Scenario, o: SimulateOptions): Promise<SimulationResult> {
  const progress = (p: Progress) => o.onProgress?.(p)
  const root = await mkdtemp(join(tmpdir(), `zkp-sim-${s.name}-`))
  const rng = new Rng(s.seed)
  const startedAt = Date.now()
  const cpu0 = process.cpuUsage()
  let plan: Plan | undefined
  let fleet: Fleet | undefined
  let faults: FaultScheduler | undefined
  let load: LoadGenerator | undefined
  let ticker: NodeJS.Timeout | undefined
  const unhandled = { count: 0, first: [] as string[] }
  const onUnhandled = (reason: unknown) => {
    unhandled.count++
    if (unhandled.first.length < 5)
      unhandled.first.push(
        reason instanceof Error
          ? (reason.stack ?? reason.message).split('\n').slice(0, 3).join(' | ')
          : String(reason),
      )
  }
  process.on('unhandledRejection', onUnhandled)
  try {
    progress({
      phase: 'setup',
      message: `planning ${s.nodes.reduce((n, g) => n + g.count, 0)} nodes (${s.mode} proofs)`,
    })
    plan = await makePlan(s, { ...o, root }, rng)
    progress({ phase: 'setup', message: 'starting nodes on 127.0.0.1' })
    fleet = await Fleet.start(plan, root, rng, 30_000 + 500 * plan.members.length)
    const tracker = new TaskTracker()
    fleet.onStart((n, node) => tracker.watch(n, node))
    let t0 = Date.now()
    const trace = o.trace
    if (trace !== undefined) {
      fleet.onStart((n, node) => {
        const at = () => Date.now() - t0
        node.events.on('task', (x) => {
          const e = x.events.at(-1)
          trace({
            t: at(),
            node: n.name,
            kind: 'task',
            id: x.taskId,
            state: x.state,
            detail: `${e?.kind}: ${e?.detail}`,
          })
        })
        node.events.on('job', (j) =>
          trace({ t: at(), node: n.name, kind: 'job', id: j.taskId, state: j.state, detail: j.reason ?? '' }),
        )
      })
    }
    await addCircuits(s, plan, fleet)
    if (s.warmup) {
      progress({ phase: 'setup', message: 'warm-up: one task per requester' })
      await warmUp(s, plan, fleet, Date.now() + s.limits.durationMs, o.signal)
    }
    const startupMs = Date.now() - startedAt
    progress({ phase: 'setup', message: `${plan.members.length} nodes up in ${startupMs} ms` })

    const collector = new Collector(s)
    t0 = Date.now()
    fleet.arm(t0)
    const capture = (): Capture => ({
      t: Date.now() - t0,
      now: Date.now(),
      fleet: fleet!,
      tracker,
      scenario: s,
    })
    faults = new FaultScheduler(fleet, s.faults, rng.fork('faults'))
    faults.start(t0)
    load = new LoadGenerator(s, plan, fleet, tracker, rng.fork('load'), requesterGroups(s))
    load.start()
    ticker = setInterval(() => {
      const sample = collector.tick(capture())
      progress({ phase: 'running', message: line(sample, s.load.tasks), sample })
    }, s.tickMs)

    // The load phase: until every task has ended, bounded by the scenario's duration.
    const until = t0 + s.limits.durationMs
    let cut: SimulationResult['cut']
    for (;;) {
      if (o.signal?.aborted) cut = 'aborted'
      else if (Date.now() > until) cut = 'timeout'
      const allIn = tracker.submitted >= s.load.tasks
      if (cut !== undefined || (allIn && tracker.ended >= tracker.tasks.size)) break
      await sleep(100)
    }
    load.stop()
    await load.done

    // Settle: crashed nodes come back, ledgers sync; stop as soon as every node is up with one root.
    progress({ phase: 'settling', message: 'waiting for every node to run with one ledger root' })
    const settleUntil = Date.now() + (cut === 'aborted' ? 0 : s.limits.settleMs)
    while (Date.now() < settleUntil && !o.signal?.aborted) {
      if (fleet.running().length === fleet.nodes.length && rootsOf(capture()).size === 1) break
      await sleep(250)
    }
    faults.stop()
    clearInterval(ticker)
    const final = capture()
    collector.tick(final)
    const outcomes = collector.finish(final)
    const summary = summarise(s, plan, fleet, tracker, collector, {
      startedAt,
      startupMs,
      loadMs: Date.now() - t0,
      cpu: process.cpuUsage(cpu0),
    })
    const passed = cut === undefined && outcomes.every((x) => x.ok)
    progress({ phase: 'done', message: passed ? 'passed' : 'FAILED' })
    return {
      ...summary,
      scenario: s,
      samples: collector.samples,
      faults: faults.applied,
      outcomes,
      passed,
      cut,
      unhandled,
    }
  } finally {
    clearInterval(ticker)
    load?.stop()
    faults?.stop()
    await fleet?.stop()
    await plan?.checker.stop()
    await rm(root, { recursive: true, force: true })
    process.off('unhandledRejection', onUnhandled)
  }
}

function line(x: Sample, tasks: number): string {
  return (
    `t=${x.t.toFixed(0).padStart(4)}s  submitted ${x.submitted}/${tasks}  completed ${x.completed}  ` +
    `failed ${x.failed}  open ${x.open}  nodes ${x.runningNodes}  roots ${x.distinctRoots}  ${x.rssMb} MB`
  )
}
