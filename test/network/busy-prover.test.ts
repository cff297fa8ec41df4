import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { circuitDir, TestNetwork, taskEnd, waitFor } from '../helpers/network.ts'

/**
 * A prover with one slot that is busy when an ask arrives does not bid then; it bids as soon as the slot frees,
 * if the ask's window is still open. (A requester that submits its next task the moment the last is verified
 * would otherwise never hear from the prover that just proved it.)
 */
describe('an ask that arrives while the only slot is busy', () => {
  let net: TestNetwork

  beforeAll(async () => {
    net = await TestNetwork.create([
      { roles: ['requester'] },
      { roles: ['prover'], prover: { price: 50n, maxConcurrent: 1 } },
    ])
  }, 120_000)

  afterAll(async () => {
    await net?.stop()
  })

  it('gets a bid once the slot frees, within its window, and completes', async () => {
    const req = net.node(0)
    const prover = net.node(1)
    const circuitId = await req.addCircuit(circuitDir('poseidon-chain'))
    const input = new Uint8Array(
      await readFile(join(import.meta.dirname, '..', '..', 'circuits', 'inputs', 'poseidon-chain.json')),
    )
    const terms = { circuitId, input, maxPrice: 100n, provingDeadlineMs: 60_000, closeAfterBids: 1 }
    const first = await req.submit({ ...terms, bidWindowMs: 800 })
    // The second ask goes out while the prover is proving the first (a proof of this circuit takes seconds).
    await waitFor(
      async () => (await prover.jobs()).some((j) => j.taskId === first && j.state === 'proving'),
      'first task proving',
      60_000,
    )
    const second = await req.submit({ ...terms, bidWindowMs: 20_000 })
    const [a, b] = [await taskEnd(req, first), await taskEnd(req, second, 120_000)]
    expect(a.state).toBe('completed')
    expect(b.state).toBe('completed')
    expect(b.prover).toBe(prover.peerId)
    const delivered = a.events.find((e) => e.kind === 'delivered')!.at
    const bid = b.events.find((e) => e.kind === 'bid')!.at
    expect(bid).toBeGreaterThanOrEqual(delivered)
    // Within the second ask's own window: it was not re-asked for want of bids.
    expect(b.events.filter((e) => e.kind === 'asked')).toHaveLength(1)
  }, 180_000)
})
