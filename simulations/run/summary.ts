import { GOSSIP_TYPES } from '../../protocol/topics/topic.ts'
import type { Scenario } from '../scenario/scenario.ts'
import type { Collector } from './collector.ts'
import type { Fleet } from './fleet.ts'
import type { Plan } from './plan.ts'
import { eventAt, type TaskTracker } from './tasks.ts'

export interface Percentiles {
  count: number
  p50: number
  p90: number
  p99: number
  max: number
  mean: number
}

export interface TaskSummary {
  taskId: string
  requester: string
  state: string
  /** ms since the load started. */
  submittedAt: number
  latencyMs?: number
  /** Ask to award known by the winner, minus the bid window (first auction only). */
  settleMs?: number
  rounds: number
  asks: number
  prover?: string
  reason?: string
}

export interface RunSummary {
  mode: Scenario['mode']
  /** What the prover mode means, in words: every report says which one it used. */
  modeNote: string
  startedAt: string
  nodes: Array<{
    name: string
    group: string
    roles: string[]
    peerId: string
    starts: number
    links: number
  }>
  tasks: TaskSummary[]
  latency: Percentiles
  settle: Percentiles
  messages: {
    /** Gossip messages accepted, summed over every node, by type. */
    byType: Record<string, number>
    total: number
    perTask: number
    rejects: number
    dropped: number
    delayed: number
  }
  resources: { nodes: number; peakRssMb: number; cpuMs: number; startupMs: number; loadMs: number }
}

export function percentiles(xs: readonly number[]): Percentiles {
  const s = [...xs].sort((a, b) => a - b)
  const at = (p: number) => (s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!)
  const mean = s.length === 0 ? 0 : s.reduce((a, b) => a + b, 0) / s.length
  return { count: s.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1), mean: Math.round(mean) }
}

export const MODE_NOTES = {
  simulated:
    'simulated provers: each node proves with SimulatedEngine (simulations/prover), which waits a proving time ' +
    'drawn from its group’s distribution and returns a real Groth16 proof of the task’s input made once at setup ' +
    'with snarkjs; requesters check a delivery against that stored proof. Everything else (libp2p, gossip, ' +
    'auctions, streams, LevelDB, ledgers and their re-verification) is the real node code. Every node’s ledger ' +
    're-verifies records through one shared Groth16 verifier that checks each distinct proof once.',
  real:
    'real proofs: every node runs snarkjs in child processes (SnarkjsEngine), as a deployed node does. Every ' +
    'node’s ledger re-verifies records through one shared Groth16 verifier that checks each distinct proof once.',
} as const

export function summarise(
  s: Scenario,
  plan: Plan,
  fleet: Fleet,
  tracker: TaskTracker,
  collector: Collector,
  run: { startedAt: number; startupMs: number; loadMs: number; cpu: NodeJS.CpuUsage },
): RunSummary {
  const t0 = run.startedAt + run.startupMs
  const names = new Map(fleet.nodes.map((n) => [n.peerId, n.name]))
  const tasks = [...tracker.tasks.values()].map((t): TaskSummary => {
    const r = t.record
    const done = eventAt(r, 'completed')
    const asked = eventAt(r, 'asked', 'first')
    return {
      taskId: t.taskId,
      requester: t.requester,
      state: r?.state ?? 'unknown',
      submittedAt: t.submittedAt - t0,
      ...(done !== undefined ? { latencyMs: done - t.submittedAt } : {}),
      ...(t.awardKnownAt !== undefined && asked !== undefined
        ? { settleMs: t.awardKnownAt - asked - s.load.bidWindowMs }
        : {}),
      rounds: (r?.events ?? []).filter((e) => e.kind === 'awarded').length,
      asks: (r?.attempt ?? 0) + 1,
      ...(r?.prover !== undefined ? { prover: names.get(r.prover) ?? r.prover } : {}),
      ...(r?.reason !== undefined ? { reason: r.reason } : {}),
    }
  })
  const counters = fleet.counters()
  const byType = Object.fromEntries(GOSSIP_TYPES.map((k) => [k, counters[`${k}.accept`] ?? 0]))
  const total = Object.values(byType).reduce((a, b) => a + b, 0)
  const rejects = Object.entries(counters)
    .filter(([k]) => k.includes('.reject.'))
    .reduce((n, [, v]) => n + v, 0)
  return {
    mode: s.mode,
    modeNote: MODE_NOTES[s.mode],
    startedAt: new Date(run.startedAt).toISOString(),
    nodes: fleet.nodes.map((n) => ({
      name: n.name,
      group: n.group.group,
      roles: n.group.roles,
      peerId: n.peerId,
      starts: n.starts,
      links: plan.topology.degree(n.index),
    })),
    tasks,
    latency: percentiles(tasks.flatMap((t) => (t.latencyMs === undefined ? [] : [t.latencyMs]))),
    settle: percentiles(tasks.flatMap((t) => (t.settleMs === undefined ? [] : [t.settleMs]))),
    messages: {
      byType,
      total,
      perTask: tracker.submitted === 0 ? 0 : total / tracker.submitted,
      rejects,
      dropped: fleet.links.dropped,
      delayed: fleet.links.delayed,
    },
    resources: {
      nodes: fleet.nodes.length,
      peakRssMb: Math.round(collector.peakRssMb),
      cpuMs: Math.round((run.cpu.user + run.cpu.system) / 1000),
      startupMs: run.startupMs,
      loadMs: run.loadMs,
    },
  }
}
