import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Ask } from '../../protocol/task/messages.ts'
import { circuitDir, TestNetwork, taskEnd } from '../helpers/network.ts'

const enc = new TextEncoder()
/** Four different inputs of the tiny circuit (3 × 11, public nonce n). */
const INPUTS = [1, 2, 3, 4].map((n) => enc.encode(JSON.stringify({ a: '3', b: '11', nonce: String(n) })))

describe('a batch of four inputs over two equal provers', () => {
  let net: TestNetwork
  let batch: { batchId: string; taskIds: string[] }

  beforeAll(async () => {
    net = await TestNetwork.create([
      { roles: ['requester'] }, // 0: requester
      { roles: ['prover'], prover: { price: 50n } },
      { roles: ['prover'], prover: { price: 50n } },
      { roles: ['requester'] }, // 3: an observer that audits every award
    ])
    const req = net.node(0)
    const circuitId = await req.addCircuit(circuitDir('tiny'))
    batch = await req.submitBatch({
      circuitId,
      inputs: INPUTS,
      maxPrice: 100n,
      bidWindowMs: 1500,
      provingDeadlineMs: 60_000,
      closeAfterBids: 2,
    })
  }, 120_000)

  afterAll(async () => {
    await net?.stop()
  })

  it('proves every input, two on each prover, each task carrying its place in the batch', async () => {
    expect(batch.taskIds).toHaveLength(4)
    const req = net.node(0)
    const tasks = await Promise.all(batch.taskIds.map((id) => taskEnd(req, id)))
    expect(tasks.map((t) => t.state)).toEqual(['completed', 'completed', 'completed', 'completed'])
    expect(tasks.map((t) => t.batch)).toEqual(
      [0, 1, 2, 3].map((index) => ({ id: batch.batchId, index, size: 4 })),
    )
    const perProver = new Map<string, number>()
    for (const t of tasks) perProver.set(t.prover!, (perProver.get(t.prover!) ?? 0) + 1)
    expect([...perProver.keys()].sort()).toEqual([net.node(1).peerId, net.node(2).peerId].sort())
    expect([...perProver.values()]).toEqual([2, 2])
    // Each proof is of its own input: the public nonce is the one submitted.
    expect(tasks.map((t) => t.proof!.publicSignals.at(-1))).toEqual(['1', '2', '3', '4'])
  }, 120_000)

  it('is an award every other node can audit: the spread follows the rule', async () => {
    const observer = net.node(3)
    for (const taskId of batch.taskIds) {
      const ask = await observer.repos.asks.get(taskId)
      expect(ask?.body.batch?.size).toBe(4)
      expect(Ask.id(ask!)).toBeDefined()
      const report = await observer.auditor.audit(taskId)
      expect(report.outcome).toBe('ok')
    }
    expect(observer.auditor.violations(net.node(0).peerId)).toBe(0)
  }, 120_000)

  it('refuses a batch with a malformed input before anything is sent, naming the input', async () => {
    const req = net.node(0)
    const before = (await req.tasks(1000)).length
    const circuitId = (await req.task(batch.taskIds[0]!))!.circuitId
    await expect(
      req.submitBatch({
        circuitId,
        inputs: [INPUTS[0]!, enc.encode('[1,2]')],
        maxPrice: 100n,
        bidWindowMs: 1000,
        provingDeadlineMs: 60_000,
        closeAfterBids: 0,
      }),
    ).rejects.toThrow(/inputs\[1\]: must be a JSON object/)
    await expect(
      req.submitBatch({
        circuitId,
        inputs: [INPUTS[0]!],
        maxPrice: 100n,
        bidWindowMs: 1000,
        provingDeadlineMs: 60_000,
        closeAfterBids: 0,
      }),
    ).rejects.toThrow(/inputs: a batch holds 2\.\.256 inputs, got 1/)
    expect(await req.tasks(1000)).toHaveLength(before)
  })
})
