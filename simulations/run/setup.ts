import type { Scenario } from '../scenario/scenario.ts'
import { sleep } from '../sleep.ts'
import type { Fleet } from './fleet.ts'
import type { Plan } from './plan.ts'

/**
 * One task per requester, outside the measured load, then a wait until every node holds every warm-up record
 * re-verified: the first record a node checks starts its verifier process, a one-time cost.
 */
export async function warmUp(
  s: Scenario,
  plan: Plan,
  fleet: Fleet,
  until: number,
  signal?: AbortSignal,
): Promise<void> {
  const requesters = fleet.running().filter((n) => n.group.roles.includes('requester'))
  const ids = await Promise.all(
    requesters.map((n) =>
      n.node.submit({
        circuitId: plan.circuits[0]!.id,
        input: plan.input,
        maxPrice: BigInt(s.load.maxPrice),
        bidWindowMs: s.load.bidWindowMs,
        provingDeadlineMs: s.load.provingDeadlineMs,
        closeAfterBids: 0,
      }),
    ),
  )
  const settled = async () => {
    for (const [i, n] of requesters.entries()) {
      const t = await n.node.task(ids[i]!)
      if (t?.state !== 'completed' && t?.state !== 'failed') return false
    }
    const target = requesters[0]!.node.ledger.size
    return fleet.running().every((n) => n.node.ledger.size >= target && n.node.ledger.pending === 0)
  }
  while (Date.now() < until && signal?.aborted !== true && !(await settled())) await sleep(100)
}

/** Requesters add (and announce) every variant; with preload, provers import the ones they serve. */
export async function addCircuits(s: Scenario, plan: Plan, fleet: Fleet): Promise<void> {
  await Promise.all(
    fleet.running().map(async (n) => {
      if (n.group.roles.includes('requester')) {
        for (const c of plan.circuits) await n.node.addCircuit(c.dir)
      } else if (s.circuit.preload) {
        const served = n.spec.prover?.circuits ?? []
        for (const c of plan.circuits)
          if (served.length === 0 || served.includes(c.id)) await n.node.artifacts.importCircuit(c.dir)
      }
    }),
  )
}
