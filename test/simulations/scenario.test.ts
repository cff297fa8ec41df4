import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { SimulationError } from '../../simulations/errors.ts'
import { Topology } from '../../simulations/faults/topology.ts'
import { draw, Rng } from '../../simulations/random.ts'
import { loadScenario, parseScenario } from '../../simulations/scenario/scenario.ts'

const SCENARIOS = join(import.meta.dirname, '..', '..', 'simulations', 'scenarios')

const minimal = () => ({
  name: 'x',
  seed: 1,
  nodes: [
    { group: 'req', count: 1, roles: ['requester'] },
    { group: 'prov', count: 2, roles: ['prover'] },
  ],
  load: { tasks: 3, arrival: { dist: 'constant', ms: 10 } },
})

function fieldOf(value: unknown): string | undefined {
  try {
    parseScenario(value)
  } catch (err) {
    expect(err).toBeInstanceOf(SimulationError)
    expect((err as SimulationError).code).toBe('BAD_SCENARIO')
    return (err as SimulationError).field
  }
  return undefined
}

describe('scenario files', () => {
  it('every ready scenario parses', async () => {
    const files = (await readdir(SCENARIOS)).filter((f) => f.endsWith('.json'))
    expect(files.sort()).toEqual([
      'byzantine-20.json',
      'crash-30.json',
      'happy-path.json',
      'partition-heal.json',
      'scale-100.json',
    ])
    for (const f of files) expect((await loadScenario(join(SCENARIOS, f))).name).toBe(f.replace('.json', ''))
  })

  it('fills defaults', () => {
    const s = parseScenario(minimal())
    expect(s.mode).toBe('simulated')
    expect(s.seed).toBe('1')
    expect(s.circuit).toEqual({ name: 'tiny', variants: 1, preload: true })
    expect(s.nodes[1]!.behaviour).toBe('honest')
  })

  it('names the field that is wrong', () => {
    expect(fieldOf({ ...minimal(), extra: 1 })).toBe('scenario')
    expect(fieldOf({ ...minimal(), name: 'Bad Name' })).toBe('scenario.name')
    expect(fieldOf({ ...minimal(), load: { tasks: 0, arrival: { dist: 'constant', ms: 1 } } })).toBe(
      'scenario.load.tasks',
    )
    expect(fieldOf({ ...minimal(), load: { tasks: 1, arrival: { dist: 'gamma', k: 2 } } })).toBe(
      'scenario.load.arrival.dist',
    )
    const badGroup = { ...minimal(), faults: [{ kind: 'crash', nodes: { group: 'nope' }, downMs: 1 }] }
    expect(fieldOf(badGroup)).toBe('scenario.faults.0.nodes.group.0')
    const order = {
      ...minimal(),
      assertions: [{ kind: 'reputation-order', below: ['req'], above: ['prov'] }],
    }
    expect(fieldOf(order)).toBe('scenario.assertions.0.below.0')
    const dup = { ...minimal(), nodes: [...minimal().nodes, { group: 'prov', count: 1, roles: ['prover'] }] }
    expect(fieldOf(dup)).toBe('scenario.nodes.2.group')
    const real = {
      ...minimal(),
      mode: 'real',
      nodes: [{ group: 'p', count: 17, roles: ['prover', 'requester'] }],
    }
    expect(fieldOf(real)).toBe('scenario.mode')
  })

  it('reports an unreadable or non-JSON file by path', async () => {
    await expect(loadScenario('/nonexistent/s.json')).rejects.toThrow(/cannot read/)
    await expect(loadScenario(import.meta.filename)).rejects.toThrow(/not JSON/)
  })
})

describe('seeded randomness', () => {
  it('repeats a seed exactly, and forks independent streams', () => {
    const a = new Rng('s')
    const b = new Rng('s')
    const xs = Array.from({ length: 50 }, () => a.next())
    expect(Array.from({ length: 50 }, () => b.next())).toEqual(xs)
    expect(new Rng('t').next()).not.toBe(xs[0])
    // A fork's draws do not depend on how much its parent drew.
    const c = new Rng('s')
    c.next()
    expect(c.fork('load').next()).toBe(new Rng('s').fork('load').next())
  })

  it('draws non-negative whole milliseconds around the distribution', () => {
    const rng = new Rng('d')
    const xs = Array.from({ length: 2000 }, () => draw(rng, { dist: 'exponential', mean: 100 }))
    expect(xs.every((x) => Number.isInteger(x) && x >= 0)).toBe(true)
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length
    expect(mean).toBeGreaterThan(85)
    expect(mean).toBeLessThan(115)
    expect(draw(rng, { dist: 'normal', mean: 0, sd: 50 })).toBeGreaterThanOrEqual(0)
  })
})

describe('topology', () => {
  it('links hubs to everyone, bounds the others and stays connected', () => {
    const t = new Topology(60, new Set([0, 1, 2]), 6, new Rng('topo'))
    for (let i = 3; i < 60; i++) {
      expect(t.allows(i, 0) && t.allows(i, 1) && t.allows(i, 2)).toBe(true)
      expect(t.degree(i) - 3).toBeLessThanOrEqual(6)
    }
    // Connected without the hubs: a search over plain nodes reaches every one.
    const seen = new Set([3])
    const queue = [3]
    while (queue.length > 0) {
      const a = queue.pop()!
      for (let b = 3; b < 60; b++) if (!seen.has(b) && t.allows(a, b)) seen.add(b) && queue.push(b)
    }
    expect(seen.size).toBe(57)
    expect(new Topology(5, new Set([0]), undefined, new Rng('x')).allows(3, 4)).toBe(true)
  })
})
