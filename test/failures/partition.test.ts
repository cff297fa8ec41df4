import type { Logger } from '@libp2p/interface'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ProofEngine, type ProveRequest, SnarkjsEngine } from '../../node/prover/engine.ts'
import { checkStore } from '../../node/store/check.ts'
import { heal, LinkFilter, partition } from '../../simulations/faults/partition.ts'
import { submitTiny, TestNetwork, taskEnd, waitFor } from '../helpers/network.ts'

/** Real proofs, started a little late, so there is time to cut the prover off while it works. */
function slowEngine(roles: { prove: boolean; verify: boolean }, log: Logger): ProofEngine {
  const real = new SnarkjsEngine(roles, log)
  return Object.assign(Object.create(real) as ProofEngine, {
    start: () => real.start(),
    stop: () => real.stop(),
    prove: async (req: ProveRequest, signal?: AbortSignal) => {
      await new Promise((r) => setTimeout(r, 1500))
      return real.prove(req, signal)
    },
  })
}

describe('a partition that cuts off the awarded prover, then heals', () => {
  let net: TestNetwork
  let taskId: string
  const filters = [new LinkFilter(), new LinkFilter(), new LinkFilter()]
  const member = (i: number) => ({ node: net.node(i), filter: filters[i]! })

  beforeAll(async () => {
    net = await TestNetwork.create([
      { roles: ['requester'], options: { connectionGater: filters[0]!.gater } },
      {
        roles: ['prover'],
        prover: { price: 10n },
        options: { connectionGater: filters[1]!.gater, engine: slowEngine },
      },
      { roles: ['prover'], prover: { price: 50n }, options: { connectionGater: filters[2]!.gater } },
    ])
    const cut = new Promise<void>((resolve) => {
      net.node(1).events.on('job', (job) => {
        if (job.state === 'proving') void partition([member(1)], [member(0), member(2)]).then(resolve)
      })
    })
    taskId = await submitTiny(net.node(0), { provingDeadlineMs: 4000 })
    await cut
    await taskEnd(net.node(0), taskId)
    await heal([member(0), member(1), member(2)])
  })

  afterAll(async () => {
    await net?.stop()
  })

  it('completes through the fallback while the winner is cut off', async () => {
    const task = (await net.node(0).task(taskId))!
    expect(task.state).toBe('completed')
    expect(task.prover).toBe(net.node(2).peerId)
    expect(task.events.find((e) => e.kind === 'timeout')?.detail).toContain(net.node(1).peerId)
  })

  it('ends in one final state on every node that tracks the task, once healed', async () => {
    // The cut-off prover heard none of it; it asks the requester and settles.
    await waitFor(
      async () => (await net.node(1).repos.jobs.get(taskId))?.state === 'lost',
      'cut-off prover settled',
      30_000,
    )
    const cutOff = (await net.node(1).repos.jobs.get(taskId))!
    expect(cutOff.reason).toBe(`completed by ${net.node(2).peerId}`)
    expect((await net.node(2).repos.jobs.get(taskId))?.state).toBe('delivered')
    for (const n of net.nodes) expect(await checkStore(n.repos)).toEqual([])
  })
})
