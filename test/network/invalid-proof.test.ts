import type { Logger } from '@libp2p/interface'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ProofEngine, type ProveRequest, SnarkjsEngine } from '../../node/prover/engine.ts'
import { toHex } from '../../protocol/codec/hash.ts'
import { submitTiny, TestNetwork, taskEnd, waitFor } from '../helpers/network.ts'

/** A prover that proves something else: a real, valid proof, but of an input of its own choosing. */
function replayingEngine(roles: { prove: boolean; verify: boolean }, log: Logger): ProofEngine {
  const real = new SnarkjsEngine(roles, log)
  return Object.assign(Object.create(real) as ProofEngine, {
    start: () => real.start(),
    stop: () => real.stop(),
    prove: (req: ProveRequest, signal?: AbortSignal) =>
      real.prove({ ...req, input: { a: '5', b: '7', nonce: '1' } }, signal),
  })
}

/** A prover whose proof carries the right public signals but is not a valid proof. */
function forgingEngine(roles: { prove: boolean; verify: boolean }, log: Logger): ProofEngine {
  const real = new SnarkjsEngine(roles, log)
  return Object.assign(Object.create(real) as ProofEngine, {
    start: () => real.start(),
    stop: () => real.stop(),
    prove: async (req: ProveRequest, signal?: AbortSignal) => {
      const r = await real.prove(req, signal)
      return { ...r, proof: { ...r.proof, pi_a: [r.proof.pi_c[0]!, r.proof.pi_c[1]!, '1'] } }
    },
  })
}

describe.each([
  {
    name: 'a valid proof of another input',
    engine: replayingEngine,
    reason: 'public signals do not match the task input',
  },
  { name: 'a proof that does not verify', engine: forgingEngine, reason: 'proof failed verification' },
])('a prover that delivers $name', ({ engine, reason }) => {
  let net: TestNetwork
  let taskId: string

  beforeAll(async () => {
    net = await TestNetwork.create([
      { roles: ['requester'] },
      { roles: ['prover'], prover: { price: 10n }, options: { engine } }, // cheapest: wins round 0, then cheats
      { roles: ['prover'], prover: { price: 50n } }, // honest fallback
      { roles: ['requester'] }, // observer
    ])
    taskId = await submitTiny(net.node(0), { bidWindowMs: 1500, provingDeadlineMs: 60_000 })
    await taskEnd(net.node(0), taskId)
  })

  afterAll(async () => {
    await net?.stop()
  })

  it('is judged invalid, and the fallback completes the task', async () => {
    const task = (await net.node(0).task(taskId))!
    expect(task.state).toBe('completed')
    expect(task.round).toBe(1)
    expect(task.prover).toBe(net.node(2).peerId)
    const rejected = task.events.find((e) => e.kind === 'rejected')
    expect(rejected?.detail).toContain(reason)
    expect((await net.node(1).repos.jobs.get(taskId))?.reason).toMatch(/^rejected/)
  })

  it('shows in every node’s ledger: one invalid for the cheat, one valid for the fallback', async () => {
    await waitFor(() => net.nodes.every((n) => n.ledger.size === 2), 'both results everywhere')
    expect(new Set(net.nodes.map((n) => toHex(n.ledger.root()))).size).toBe(1)
    const observer = net.node(3).ledger
    expect(observer.tally(net.node(1).peerId)).toMatchObject({ valid: 0, invalid: 1 })
    expect(observer.tally(net.node(2).peerId)).toMatchObject({ valid: 1, invalid: 0 })
    expect(observer.figures(net.node(1).peerId).success).toBeLessThan(
      observer.figures(net.node(2).peerId).success,
    )
  })
})
