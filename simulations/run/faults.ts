import type { ProverJob } from '../../node/task/prover-job.ts'
import { heal, partition } from '../faults/partition.ts'
import type { Rng } from '../random.ts'
import type { Fault } from '../scenario/schema.ts'
import type { Fleet, SimNode } from './fleet.ts'

/** A fault as it was applied: for the report's time line. */
export interface AppliedFault {
  /** ms since the load started. */
  at: number
  kind: Fault['kind'] | 'restart'
  nodes: string[]
  detail: string
}

/**
 * Applies a scenario's faults on its time line (ms after the load starts). Crashes with `on` wait, per chosen
 * node, for the first job of that node to reach the state, then stop it mid-task. Every choice of nodes comes
 * from the seed. stop() clears every timer and listener.
 */
export class FaultScheduler {
  readonly applied: AppliedFault[] = []
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly armed = new Map<number, { fault: Extract<Fault, { kind: 'crash' }>; armedAt: number }>()
  private t0 = 0
  private stopped = false

  constructor(
    private readonly fleet: Fleet,
    private readonly faults: readonly Fault[],
    private readonly rng: Rng,
  ) {
    // A crash armed for a job state listens on every instance of the node (a restart makes a new one).
    fleet.onStart((n, node) => node.events.on('job', (j) => this.onJob(n, j)))
  }

  start(t0: number): void {
    this.t0 = t0
    this.faults.forEach((f, i) => {
      const rng = this.rng.fork(`fault/${i}`)
      this.at(f.at, () => this.apply(f, rng))
    })
  }

  stop(): void {
    this.stopped = true
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    this.armed.clear()
  }

  private at(ms: number, fn: () => Promise<void> | void): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer)
        if (!this.stopped) void Promise.resolve(fn()).catch(() => {})
      },
      Math.max(0, this.t0 + ms - Date.now()),
    )
    this.timers.add(timer)
  }

  private log(kind: AppliedFault['kind'], nodes: SimNode[], detail: string): void {
    this.applied.push({ at: Date.now() - this.t0, kind, nodes: nodes.map((n) => n.name), detail })
  }

  private async apply(f: Fault, rng: Rng): Promise<void> {
    const fleet = this.fleet
    switch (f.kind) {
      case 'crash': {
        const chosen = fleet.select(f.nodes, rng)
        if (f.on === undefined) {
          this.log('crash', chosen, `down for ${f.downMs} ms`)
          await Promise.all(chosen.map((n) => this.crash(n, f.downMs)))
        } else {
          for (const n of chosen) this.armed.set(n.index, { fault: f, armedAt: Date.now() })
          this.log('crash', chosen, `armed: each stops when one of its jobs reaches '${f.on}'`)
        }
        return
      }
      case 'partition': {
        const a = fleet.select(f.sides[0], rng)
        const inA = new Set(a.map((n) => n.index))
        const b =
          f.sides[1] === undefined
            ? fleet.nodes.filter((n) => !inA.has(n.index))
            : fleet.select(f.sides[1], rng)
        for (const x of a)
          for (const y of b) {
            x.filter.blocked.add(y.peerId)
            y.filter.blocked.add(x.peerId)
          }
        const live = (ns: SimNode[]) =>
          ns.flatMap((n) => (n.node?.started ? [{ node: n.node, filter: n.filter }] : []))
        await partition(live(a), live(b))
        this.log('partition', a, `cut from ${b.length} nodes: ${b.map((n) => n.name).join(' ')}`)
        return
      }
      case 'heal': {
        for (const n of fleet.nodes) n.filter.blocked.clear()
        const live = fleet.running()
        await heal(live.map((n) => ({ node: n.node, filter: n.filter })))
        this.log('heal', [], `every link allowed again; ${live.length} running nodes redialled`)
        return
      }
      case 'links': {
        const chosen = f.nodes === undefined ? fleet.nodes : fleet.select(f.nodes, rng)
        for (const n of chosen)
          fleet.links.set(n.name, { loss: f.loss, ...(f.delay ? { delay: f.delay } : {}) })
        this.log(
          'links',
          chosen,
          `gossip into them: loss ${f.loss}, delay ${JSON.stringify(f.delay ?? null)}`,
        )
        return
      }
    }
  }

  private onJob(n: SimNode, j: ProverJob): void {
    const armed = this.armed.get(n.index)
    if (armed === undefined || j.state !== armed.fault.on || this.stopped) return
    this.armed.delete(n.index)
    this.log(
      'crash',
      [n],
      `stopped with job ${j.taskId.slice(0, 8)} ${j.state}; down for ${armed.fault.downMs} ms`,
    )
    // Not inside the node's own event dispatch: stop it from the next turn of the event loop.
    setImmediate(() => void this.crash(n, armed.fault.downMs))
  }

  private async crash(n: SimNode, downMs: number): Promise<void> {
    await this.fleet.crash(n, downMs, (m) => this.log('restart', [m], `started again (start #${m.starts})`))
  }
}
