import { type SimulationResult, simulate } from '../run/simulator.ts'
import { loadScenario, parseScenario, type ScenarioInput } from '../scenario/scenario.ts'

export interface BenchPaths {
  buildDir: string
  inputsDir: string
  scenariosDir: string
}

const quiet = { onProgress: () => {} }

/**
 * Auction settle time at 20 nodes: from an ask's creation to the moment its winner's job turns `awarded`
 * (the award, signed and gossiped after the window, has reached the winner and been journaled), minus the
 * configured bid window. 2 requesters, 18 simulated provers, one task at a time.
 */
export async function benchSettle(p: BenchPaths, tasks = 30): Promise<SimulationResult> {
  const s: ScenarioInput = {
    name: 'bench-settle-20',
    seed: 'bench-settle',
    nodes: [
      { group: 'requester', count: 2, roles: ['requester'] },
      {
        group: 'prover',
        count: 18,
        roles: ['prover'],
        proving: { dist: 'lognormal', median: 200, sigma: 0.2 },
      },
    ],
    load: {
      tasks,
      // One task at a time, so the figure is the protocol's latency, not a queue behind other tasks.
      arrival: { dist: 'constant', ms: 300 },
      maxInFlight: 1,
      bidWindowMs: 1000,
      provingDeadlineMs: 10_000,
    },
    assertions: [{ kind: 'tasks-complete', min: 1 }],
    limits: { durationMs: 300_000, settleMs: 10_000 },
  }
  return simulate(parseScenario(s), { ...p, ...quiet })
}

/** The scale scenario (100 nodes, simulated provers) with `tasks` tasks. */
export async function benchScale(p: BenchPaths, tasks = 1000): Promise<SimulationResult> {
  const s = await loadScenario(`${p.scenariosDir}/scale-100.json`)
  const raw = {
    ...s,
    name: 'bench-scale-100',
    load: { ...s.load, tasks },
    limits: { ...s.limits, durationMs: 1_800_000 },
  }
  return simulate(parseScenario(raw), { ...p, ...quiet })
}

export interface BatchReport {
  circuit: string
  n: number
  k: number
  /** Median submit → verified time of one task alone on the same network (ms). */
  singleMs: number
  singles: number[]
  /** First submission to last verified proof of the batch (ms). */
  makespanMs: number
  /** (n / k × singleMs) / makespanMs: 1 means k provers work as k independent single proofs would. */
  efficiency: number
  /** Tasks per prover in the batch, as the auctions awarded them. */
  perProver: Record<string, number>
  completed: number
}

/**
 * A batch of `n` tasks submitted at once, real proofs, on `k` provers, against n/k times the end-to-end time
 * of one task alone. Both use the same shape of network (1 requester, k provers, windows closing once all k
 * provers have bid); the single-task time is the median of `singles` tasks submitted far apart.
 */
export async function benchBatch(
  p: BenchPaths,
  circuit: string,
  n: number,
  k: number,
  singles = 3,
): Promise<BatchReport> {
  const base = (name: string, tasks: number, maxInFlight: number): ScenarioInput => ({
    name,
    seed: 'bench-batch',
    mode: 'real',
    circuit: { name: circuit },
    nodes: [
      { group: 'requester', count: 1, roles: ['requester'] },
      { group: 'prover', count: k, roles: ['prover'] },
    ],
    load: {
      tasks,
      arrival: { dist: 'constant', ms: 0 },
      maxInFlight,
      bidWindowMs: 10_000,
      closeAfterBids: k,
      provingDeadlineMs: 600_000,
    },
    assertions: [{ kind: 'tasks-complete', min: 1 }],
    limits: { durationMs: 1_200_000, settleMs: 5_000 },
  })
  const one = await simulate(parseScenario(base('bench-batch-single', singles, 1)), { ...p, ...quiet })
  const single = one.tasks
    .flatMap((t) => (t.latencyMs === undefined ? [] : [t.latencyMs]))
    .sort((a, b) => a - b)
  const singleMs = single[Math.floor(single.length / 2)] ?? Number.NaN
  const batch = await simulate(parseScenario(base('bench-batch-n', n, n)), { ...p, ...quiet })
  const ends = batch.tasks.flatMap((t) => (t.latencyMs === undefined ? [] : [t.submittedAt + t.latencyMs]))
  const starts = batch.tasks.map((t) => t.submittedAt)
  const makespanMs = Math.max(...ends) - Math.min(...starts)
  const perProver: Record<string, number> = {}
  for (const t of batch.tasks)
    if (t.prover !== undefined) perProver[t.prover] = (perProver[t.prover] ?? 0) + 1
  return {
    circuit,
    n,
    k,
    singleMs,
    singles: single,
    makespanMs,
    efficiency: ((n / k) * singleMs) / makespanMs,
    perProver,
    completed: ends.length,
  }
}
