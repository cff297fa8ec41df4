import { type Distribution, draw, type Rng } from '../random.ts'
import type { Scenario } from '../scenario/scenario.ts'
import type { Fleet } from './fleet.ts'
import type { Plan } from './plan.ts'
import type { TaskTracker } from './tasks.ts'

/**
 * Submits the scenario's tasks: arrival times, requesters and circuit variants all drawn from the load's own
 * random stream, so a seed gives the same schedule every run. A chosen requester that is down at that moment
 * hands the task to the next running requester. stop() ends submitting; done resolves when the last
 * submission has returned.
 */
export class LoadGenerator {
  private timer: NodeJS.Timeout | undefined
  private readonly pending = new Set<Promise<void>>()
  private stopped = false
  private sent = 0
  private resolveDone!: () => void
  readonly done = new Promise<void>((r) => {
    this.resolveDone = r
  })

  constructor(
    private readonly s: Scenario,
    private readonly plan: Plan,
    private readonly fleet: Fleet,
    private readonly tracker: TaskTracker,
    private readonly rng: Rng,
    private readonly requesterGroups: readonly string[],
  ) {}

  start(): void {
    this.next(this.s.load.arrival)
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.timer)
    this.finish()
  }

  private next(arrival: Distribution): void {
    if (this.stopped) return
    if (this.sent >= this.s.load.tasks) {
      this.finish()
      return
    }
    const fire = () => {
      // A full window of open tasks holds the next submission back (its arrival draw is already made).
      const cap = this.s.load.maxInFlight
      const inFlight = this.tracker.open().length + this.pending.size
      if (cap !== undefined && inFlight >= cap) {
        this.timer = setTimeout(fire, 20)
        return
      }
      this.sent++
      this.submitOne()
      this.next(arrival)
    }
    this.timer = setTimeout(fire, this.sent === 0 ? 0 : draw(this.rng, arrival))
  }

  private submitOne(): void {
    const requesters = this.fleet.nodes.filter((n) => this.requesterGroups.includes(n.group.group))
    const start = this.rng.int(requesters.length)
    const circuit = this.rng.int(this.plan.circuits.length)
    let chosen: (typeof requesters)[number] | undefined
    for (let k = 0; k < requesters.length && chosen === undefined; k++) {
      const r = requesters[(start + k) % requesters.length]!
      if (r.node?.started === true) chosen = r
    }
    if (chosen?.node === undefined) {
      this.tracker.submitErrors.push({ at: Date.now(), requester: '-', error: 'no requester running' })
      return
    }
    const l = this.s.load
    const p = this.tracker.submit(
      chosen as typeof chosen & { node: NonNullable<typeof chosen.node> },
      circuit,
      {
        circuitId: this.plan.circuits[circuit]!.id,
        input: this.plan.input,
        maxPrice: BigInt(l.maxPrice),
        bidWindowMs: l.bidWindowMs,
        provingDeadlineMs: l.provingDeadlineMs,
        closeAfterBids: l.closeAfterBids,
        maxAsks: l.maxAsks,
      },
    )
    this.pending.add(p)
    void p.finally(() => this.pending.delete(p))
  }

  private finish(): void {
    void Promise.allSettled(this.pending).then(() => this.resolveDone())
  }
}
