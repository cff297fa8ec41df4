import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { type SimulationResult, simulate } from '../../simulations/run/simulator.ts'
import { loadScenario, parseScenario } from '../../simulations/scenario/scenario.ts'
import { circuitDir } from '../helpers/network.ts'

const SCENARIO = join(import.meta.dirname, '..', '..', 'simulations', 'scenarios', 'happy-path.json')

/**
 * The ready happy-path scenario, made small for CI: the same nodes, fewer tasks, checked by its own
 * assertions (task completion, no task stuck, ledger convergence), run by the simulator on real nodes.
 */
describe('simulator: happy-path, small', () => {
  let result: SimulationResult
  const phases: string[] = []

  beforeAll(async () => {
    const full = await loadScenario(SCENARIO)
    const small = parseScenario({
      ...full,
      load: { ...full.load, tasks: 12 },
      limits: { durationMs: 60_000, settleMs: 20_000 },
    })
    result = await simulate(small, {
      buildDir: join(circuitDir('tiny'), '..'),
      inputsDir: join(import.meta.dirname, '..', '..', 'circuits', 'inputs'),
      onProgress: (p) => phases.push(p.phase),
    })
  })

  it('passes its assertions', () => {
    expect(result.cut).toBeUndefined()
    for (const o of result.outcomes) expect(o, o.detail).toMatchObject({ ok: true })
    expect(result.outcomes.map((o) => o.name.split(' ')[0])).toEqual([
      'tasks-complete',
      'no-stuck-task',
      'ledger-converges',
    ])
    expect(result.passed).toBe(true)
  })

  it('reports what happened: every task, its latency, messages, and the prover mode', () => {
    expect(result.mode).toBe('simulated')
    expect(result.modeNote).toMatch(/simulated provers/)
    expect(result.tasks).toHaveLength(12)
    expect(result.tasks.every((t) => t.state === 'completed' && t.latencyMs !== undefined)).toBe(true)
    expect(result.latency.count).toBe(12)
    // Every task drew an ask, bids, an award and a result, each delivered to many nodes.
    for (const type of ['ask', 'bid', 'award', 'result'])
      expect(result.messages.byType[type]).toBeGreaterThan(12)
    expect(result.nodes).toHaveLength(10)
    expect(result.samples.length).toBeGreaterThan(0)
    expect(result.samples.at(-1)!.completed).toBe(12)
    expect(result.unhandled.count).toBe(0)
    expect(phases).toContain('running')
    expect(phases.at(-1)).toBe('done')
  })
})
