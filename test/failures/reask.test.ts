import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkStore } from '../../node/store/check.ts'
import { circuitDir, TestNetwork, waitFor } from '../helpers/network.ts'

const input = new TextEncoder().encode('{"a":"3","b":"11","nonce":"42"}')

/** Asks that draw no acceptable bid are asked again at a higher price, up to the ceiling, then end clearly. */
describe('an ask with no acceptable bid', () => {
  let net: TestNetwork
  let circuitId: string

  beforeAll(async () => {
    net = await TestNetwork.create([
      { roles: ['requester'] },
      { roles: ['prover'], prover: { price: 150n } },
      { roles: ['prover'], prover: { price: 180n } },
    ])
    circuitId = await net.node(0).addCircuit(circuitDir('tiny'))
  })

  afterAll(async () => {
    await net?.stop()
  })

  const runTask = async (maxPrice: bigint) => {
    const req = net.node(0)
    const taskId = await req.submit({
      circuitId,
      input,
      startPrice: 100n,
      maxPrice,
      raisePercent: 50,
      maxAsks: 3,
      bidWindowMs: 600,
      provingDeadlineMs: 30_000,
      closeAfterBids: 0,
    })
    await waitFor(
      async () => ['completed', 'failed'].includes((await req.task(taskId))?.state ?? ''),
      'task end',
      60_000,
    )
    return (await req.task(taskId))!
  }

  it('is asked again at a higher price and completes with the prover that bid then', async () => {
    const task = await runTask(200n)
    expect(task.state).toBe('completed')
    expect(task.attempt).toBe(1)
    expect(task.prover).toBe(net.node(1).peerId)
    const asked = task.events.filter((e) => e.kind === 'asked').map((e) => e.detail)
    expect(asked[1]).toMatch(/asked again at price 150 \(ask 2 of 3\): no eligible bid at price 100/)
    // The first ask is over for everyone who looks: the requester says it was re-asked.
    expect((await net.node(0).repos.asks.get(task.taskId))?.body.maxPrice).toBe(100n)
    expect((await net.node(0).repos.asks.get(task.auction))?.body.maxPrice).toBe(150n)
    // The dearer prover never bid: both asks were below its price.
    expect(await net.node(2).repos.jobs.has(task.taskId)).toBe(false)
    expect(await net.node(2).repos.jobs.has(task.auction)).toBe(false)
    // The cheaper one did not bid at 100 either, only at 150, and delivered.
    expect(await net.node(1).repos.jobs.has(task.taskId)).toBe(false)
    await waitFor(
      async () => (await net.node(1).repos.jobs.get(task.auction))?.state === 'delivered',
      'winner settled',
    )
  })

  it('ends failed with a reason a person understands when the ceiling is below every price', async () => {
    const task = await runTask(120n)
    expect(task.state).toBe('failed')
    expect(task.attempt).toBe(2)
    expect(task.reason).toBe('no eligible bid at price 120 (0 bids); gave up after 3 ask(s), ceiling 120')
    const prices = task.events.filter((e) => e.kind === 'asked').map((e) => /price (\d+)/.exec(e.detail)?.[1])
    expect(prices).toEqual(['100', '120', '120'])
  })

  it('leaves every store consistent', async () => {
    for (const n of net.nodes) expect(await checkStore(n.repos)).toEqual([])
  })
})
