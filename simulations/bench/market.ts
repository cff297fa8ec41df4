import { readFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { LocalNetwork, waitFor } from '../local-network.ts'
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
    // One event loop carries about 26 tasks a minute: allow 4 s a task (at most the scenario limit, 1 h).
    limits: { ...s.limits, durationMs: Math.min(3_600_000, Math.max(s.limits.durationMs, tasks * 4000)) },
  }
  return simulate(parseScenario(raw), { ...p, ...quiet })
}

export interface BatchReport {
  circuit: string
  n: number
  k: number
  /** CPU threads each prover proves on (its cap): the machine's cores shared out among the k provers. */
  threadsPerProver: number
  /** Median submit → verified time of one task alone on the same network (ms). */
  singleMs: number
  singles: number[]
  /** Submission of the batch to its last verified proof (ms). */
  makespanMs: number
  /** (n / k × singleMs) / makespanMs: 1 means k provers work as k independent single proofs would. */
  efficiency: number
  /** Tasks per prover in the batch, as the auctions awarded them. */
  perProver: Record<string, number>
  completed: number
}

/**
 * A batch of `n` inputs submitted at once as one batch (Requester.submitBatch), real proofs, on `k` provers,
 * against n/k times the end-to-end time of one task alone, on the same network (1 requester, k provers,
 * windows closing once all k provers have bid). The machine's cores are shared out: each prover proves on
 * cores/k threads (its `prover.threads` cap), so k provers stand for k machines and a single proof gets the
 * same resources in both runs.
 */
export async function benchBatch(
  p: BenchPaths,
  circuit: string,
  n: number,
  k: number,
  singles = 3,
): Promise<BatchReport> {
  const threadsPerProver = Math.max(1, Math.floor(availableParallelism() / k))
  const net = await LocalNetwork.create([
    { roles: ['requester'] },
    ...Array.from({ length: k }, () => ({
      roles: ['prover' as const],
      prover: { price: 50n, threads: threadsPerProver },
    })),
  ])
  try {
    const req = net.node(0)
    const circuitId = await req.addCircuit(join(p.buildDir, circuit))
    const input = new Uint8Array(await readFile(join(p.inputsDir, `${circuit}.json`)))
    const terms = {
      circuitId,
      maxPrice: 100n,
      bidWindowMs: 10_000,
      closeAfterBids: k,
      provingDeadlineMs: 600_000,
    }
    const until = async (taskId: string) => {
      const ended = async () => ['completed', 'failed'].includes((await req.task(taskId))?.state ?? '')
      await waitFor(ended, `task ${taskId}`, 600_000)
      const task = (await req.task(taskId))!
      if (task.state !== 'completed') throw new Error(`task ${taskId} failed: ${task.reason}`)
      return task
    }
    // Warm-up: every prover fetches the circuit and compiles its witness generator before anything is timed.
    const warm = await req.submitBatch({ ...terms, inputs: Array.from({ length: k }, () => input) })
    await Promise.all(warm.taskIds.map(until))
    const single: number[] = []
    for (let i = 0; i < singles; i++) {
      const t0 = Date.now()
      await until(await req.submit({ ...terms, input }))
      single.push(Date.now() - t0)
    }
    single.sort((a, b) => a - b)
    const singleMs = single[Math.floor(single.length / 2)]!
    const t0 = Date.now()
    const { taskIds } = await req.submitBatch({ ...terms, inputs: Array.from({ length: n }, () => input) })
    const tasks = await Promise.all(taskIds.map(until))
    const makespanMs = Date.now() - t0
    const perProver: Record<string, number> = {}
    for (const t of tasks) if (t.prover !== undefined) perProver[t.prover] = (perProver[t.prover] ?? 0) + 1
    return {
      circuit,
      n,
      k,
      threadsPerProver,
      singleMs,
      singles: single,
      makespanMs,
      efficiency: ((n / k) * singleMs) / makespanMs,
      perProver,
      completed: tasks.length,
    }
  } finally {
    await net.stop()
  }
}
