import { eventAt } from '../run/tasks.ts'
import type { Capture, Outcome, SimAssertion } from './assertions.ts'

const pct = (x: number) => `${(100 * x).toFixed(2)}%`

/** At the end: at least `min` of the submitted tasks completed, and none is lost (still open, or never asked). */
export class TasksComplete implements SimAssertion {
  readonly name: string

  constructor(private readonly min: number) {
    this.name = `tasks-complete (≥ ${pct(min)})`
  }

  finish({ tracker }: Capture): Outcome {
    const submitted = tracker.submitted
    const completed = tracker.completed().length
    const open = tracker.open()
    const failed = [...tracker.tasks.values()].filter((t) => t.record?.state === 'failed')
    const share = submitted === 0 ? 0 : completed / submitted
    const parts = [`${completed}/${submitted} completed (${pct(share)})`, `${failed.length} failed`]
    parts.push(`${open.length} still open`, `${tracker.submitErrors.length} refused at submit`)
    const why = failed[0]?.record?.reason ?? tracker.submitErrors[0]?.error
    if (why !== undefined) parts.push(`first failure: ${why}`)
    const ok = submitted > 0 && share >= this.min && open.length === 0
    return { name: this.name, ok, detail: parts.join('; ') }
  }
}

/**
 * At every tick: no task is still bidding `graceMs` past its bid window, or awarded `graceMs` past its proving
 * deadline. Tasks of a requester that is down are left out (its timers run again when it restarts).
 */
export class NoStuckTask implements SimAssertion {
  readonly name: string
  private readonly stuck = new Map<string, string>()

  constructor(private readonly graceMs: number) {
    this.name = `no-stuck-task (grace ${graceMs} ms)`
  }

  tick({ tracker, fleet, scenario, now, t }: Capture): void {
    const up = new Set(fleet.running().map((n) => n.name))
    for (const task of tracker.open()) {
      const r = task.record
      if (r === undefined || !up.has(task.requester) || this.stuck.has(task.taskId)) continue
      const due =
        r.state === 'bidding'
          ? (eventAt(r, 'asked') ?? r.createdAt) + scenario.load.bidWindowMs
          : (eventAt(r, 'awarded') ?? r.updatedAt) + scenario.load.provingDeadlineMs
      if (now > due + this.graceMs) {
        this.stuck.set(
          task.taskId,
          `task ${task.taskId.slice(0, 8)} still ${r.state} ${now - due} ms past its ${r.state === 'bidding' ? 'window' : 'deadline'} (t=${(t / 1000).toFixed(1)} s)`,
        )
      }
    }
  }

  finish(): Outcome {
    const first = [...this.stuck.values()].slice(0, 3)
    return {
      name: this.name,
      ok: this.stuck.size === 0,
      detail:
        this.stuck.size === 0
          ? 'no task overran its window or deadline'
          : `${this.stuck.size} stuck: ${first.join('; ')}`,
    }
  }
}

/** At the end: the network REJECTed at least `min` gossip messages (the spam was seen and refused). */
export class SpamRejected implements SimAssertion {
  readonly name: string

  constructor(private readonly min: number) {
    this.name = `spam-rejected (≥ ${min})`
  }

  finish({ fleet }: Capture): Outcome {
    const counters = fleet.counters()
    const rejects = Object.entries(counters).filter(([k]) => k.includes('.reject.'))
    const total = rejects.reduce((n, [, v]) => n + v, 0)
    const sent = fleet.nodes.reduce((n, x) => n + (x.spammer?.sent ?? 0), 0)
    const by = rejects.map(([k, v]) => `${k} ${v}`).join(', ')
    return {
      name: this.name,
      ok: total >= this.min,
      detail: `${sent} junk messages sent; ${total} REJECTs across the network${by ? ` (${by})` : ''}`,
    }
  }
}
