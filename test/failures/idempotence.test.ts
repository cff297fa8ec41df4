import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ZkpNode } from '../../node/node.ts'
import { framed } from '../../protocol/codec/frames.ts'
import { toHex } from '../../protocol/codec/hash.ts'
import { PROOF_FRAME_BYTES, PROOF_PROTOCOL, ProofReceipt } from '../../protocol/proof/index.ts'
import { Ask, Award, Bid, Result } from '../../protocol/task/messages.ts'
import { submitTiny, TestNetwork, taskEnd, waitFor } from '../helpers/network.ts'

/** What a replay must not change on a node: its tasks, jobs, bids, awards and ledger. */
async function state(n: ZkpNode): Promise<string> {
  const dump: Record<string, unknown[]> = { tasks: [], jobs: [], bids: [], awards: [] }
  for await (const [k, t] of n.repos.tasks.values())
    dump.tasks!.push([k, t.state, t.round, t.attempt, t.events.length, t.updatedAt])
  for await (const [k, j] of n.repos.jobs.values()) dump.jobs!.push([k, j.state, j.round, j.updatedAt])
  for await (const [k] of n.repos.bids.values()) dump.bids!.push(k)
  for await (const [k] of n.repos.awards.values()) dump.awards!.push(k)
  return JSON.stringify({ ...dump, ledger: [n.ledger.size, toHex(n.ledger.root())] })
}

describe('duplicated messages change nothing', () => {
  let net: TestNetwork
  let taskId: string

  beforeAll(async () => {
    net = await TestNetwork.create([
      { roles: ['requester'] },
      { roles: ['prover'], prover: { price: 50n } },
      { roles: ['prover'], prover: { price: 80n } },
    ])
    taskId = await submitTiny(net.node(0))
    expect((await taskEnd(net.node(0), taskId)).state).toBe('completed')
    await waitFor(async () => (await net.node(2).repos.jobs.get(taskId))?.state === 'lost', 'loser settled')
    await waitFor(() => net.nodes.every((n) => n.ledger.size === 1), 'result everywhere')
  })

  afterAll(async () => {
    await net?.stop()
  })

  it('replayed asks, bids, awards and results leave every node as it was', async () => {
    const before = await Promise.all(net.nodes.map(state))
    const r = net.node(0).repos
    const ask = (await r.asks.get(taskId))!
    const award = (await r.awards.get(`${taskId}/00`))!
    const bids = []
    for await (const [, b] of r.bids.values(`${taskId}/`)) bids.push(b)
    const [, result] = (await r.results.values().next()).value!
    expect(bids).toHaveLength(2)
    for (const n of net.nodes) {
      await n.gossip.receive('ask', Ask.encode(ask))
      for (const b of bids) await n.gossip.receive('bid', Bid.encode(b))
      await n.gossip.receive('award', Award.encode(award))
      await n.gossip.receive('result', Result.encode(result))
    }
    expect(await Promise.all(net.nodes.map(state))).toEqual(before)
  })

  it('a delivery sent again is refused and changes nothing', async () => {
    const before = await Promise.all(net.nodes.map(state))
    const job = (await net.node(1).repos.jobs.get(taskId))!
    expect(job.delivery).toBeDefined()
    const stream = await net.node(1).host.dialProtocol(net.node(0).host.peerId, PROOF_PROTOCOL)
    const f = framed(stream, PROOF_FRAME_BYTES)
    await f.writeBytes(job.delivery!)
    const receipt = await f.read(ProofReceipt, 'receipt')
    await f.close()
    expect(receipt.status).toBe('refused')
    expect(await Promise.all(net.nodes.map(state))).toEqual(before)
  })
})
