import { type Capture, makeAssertions, type Outcome, type SimAssertion } from '../assertions/assertions.ts'
import { reputationOf, rootsOf } from '../assertions/ledger.ts'

/** One row of the time series, captured at a tick. */
export interface Sample {
  /** Seconds since the load started. */
  t: number
  submitted: number
  completed: number
  failed: number
  open: number
  runningNodes: number
  distinctRoots: number
  ledgerMin: number
  ledgerMax: number
  /** Gossip messages accepted so far, summed over every node. */
  messages: number
  /** Mean reputation (0..1) of each prover group, on the reference observer. */
  reputation: Record<string, number>
  rssMb: number
}

/**
 * Captures every node's state each tick: feeds the assertions and keeps the time series the report plots.
 * The reference observer for reputation is the first running requester.
 */
export class Collector {
  readonly samples: Sample[] = []
  readonly assertions: SimAssertion[]
  peakRssMb = 0

  constructor(scenario: Capture['scenario']) {
    this.assertions = makeAssertions(scenario)
  }

  tick(c: Capture): Sample {
    for (const a of this.assertions) a.tick?.(c)
    const running = c.fleet.running()
    const sizes = running.map((n) => n.node.ledger.size)
    const observer = running.find((n) => n.group.roles.includes('requester')) ?? running[0]
    const reputation: Record<string, number> = {}
    for (const g of c.scenario.nodes) {
      if (!g.roles.includes('prover') || observer === undefined) continue
      const members = c.fleet.nodes.filter((n) => n.group.group === g.group)
      const sum = members.reduce((s, n) => s + reputationOf(observer.node, n.peerId), 0)
      reputation[g.group] = members.length === 0 ? 0 : sum / members.length
    }
    const counters = c.fleet.counters()
    const rssMb = process.memoryUsage().rss / 2 ** 20
    this.peakRssMb = Math.max(this.peakRssMb, rssMb)
    const failed = [...c.tracker.tasks.values()].filter((t) => t.record?.state === 'failed').length
    const sample: Sample = {
      t: c.t / 1000,
      submitted: c.tracker.submitted,
      completed: c.tracker.completed().length,
      failed,
      open: c.tracker.open().length,
      runningNodes: running.length,
      distinctRoots: rootsOf(c).size,
      ledgerMin: sizes.length > 0 ? Math.min(...sizes) : 0,
      ledgerMax: sizes.length > 0 ? Math.max(...sizes) : 0,
      messages: Object.entries(counters)
        .filter(([k]) => k.endsWith('.accept'))
        .reduce((n, [, v]) => n + v, 0),
      reputation,
      rssMb: Math.round(rssMb),
    }
    this.samples.push(sample)
    return sample
  }

  finish(c: Capture): Outcome[] {
    return this.assertions.map((a) => {
      try {
        return a.finish(c)
      } catch (err) {
        return { name: a.name, ok: false, detail: `could not check: ${(err as Error).message}` }
      }
    })
  }
}
