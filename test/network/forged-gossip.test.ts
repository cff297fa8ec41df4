import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bidKey } from '../../node/store/repositories.ts'
import { encode } from '../../protocol/codec/cbor.ts'
import { fromHex, toHex } from '../../protocol/codec/hash.ts'
import { Ask, Award, Bid, Result } from '../../protocol/task/messages.ts'
import { makeAsk, makeAward, makeBid, makeKey, makeScenario, type TestKey } from '../helpers/messages.ts'
import { circuitDir, TestNetwork, waitFor } from '../helpers/network.ts'

/**
 * A rogue peer (node 1) publishes forged and tampered messages straight onto the topics. Every honest node
 * must reject them, store none of them, and score the rogue down.
 */
describe('forged and tampered gossip', () => {
  let net: TestNetwork
  let taskId: string
  let forger: TestKey

  beforeAll(async () => {
    net = await TestNetwork.create([
      { roles: ['requester'] }, // 0: honest requester
      { roles: ['requester'] }, // 1: rogue (publishes raw bytes)
      { roles: ['prover'], prover: { price: 50n } }, // 2: honest prover
    ])
    forger = await makeKey()
    const circuitId = await net.node(0).addCircuit(circuitDir('tiny'))
    // A long window keeps the ask open while the rogue sends its bids and awards.
    taskId = await net.node(0).submit({
      circuitId,
      input: new TextEncoder().encode('{"a":"3","b":"11","nonce":"1"}'),
      maxPrice: 100n,
      bidWindowMs: 60_000,
      provingDeadlineMs: 60_000,
      closeAfterBids: 0,
    })
    await waitFor(
      async () => (await net.node(2).repos.asks.has(taskId)) && (await net.node(1).repos.asks.has(taskId)),
      'ask spread',
    )
  })

  afterAll(async () => {
    await net?.stop()
  })

  const publish = (type: 'ask' | 'bid' | 'award' | 'result', bytes: Uint8Array) =>
    net.node(1).host.services.pubsub.publish(net.node(1).gossip.topics[type], bytes)
  const rejects = (i: number, type: string) =>
    Object.entries(net.node(i).gossip.counters)
      .filter(([k]) => k.startsWith(`${type}.reject`))
      .reduce((n, [, v]) => n + v, 0)

  it('rejects an ask tampered after signing', async () => {
    const ask = await makeAsk(forger, { createdAt: Date.now() })
    const tampered = { ...ask, body: { ...ask.body, maxPrice: 10n ** 9n } }
    await publish('ask', Ask.encode(tampered))
    await waitFor(() => rejects(0, 'ask') >= 1, 'ask rejected')
    // Rejected messages are not relayed: no node stores it.
    for (const i of [0, 2]) expect(await net.node(i).repos.asks.has(toHex(Ask.id(tampered)))).toBe(false)
    expect(net.node(0).gossip.counters['ask.reject.BAD_SIGNATURE']).toBeGreaterThanOrEqual(1)
  })

  it('rejects a bid forged in an honest prover’s name', async () => {
    const ask = (await net.node(0).repos.asks.get(taskId))!
    // A prover identity that has not bid on this task, so the forgery is judged on its signature.
    const victim = (await makeKey()).peerId
    const bid = await makeBid(forger, ask, { prover: victim, price: 1n, createdAt: Date.now() })
    await publish('bid', Bid.encode(bid))
    await waitFor(() => (net.node(0).gossip.counters['bid.reject.BAD_SIGNATURE'] ?? 0) >= 1, 'bid rejected')
    expect(await net.node(0).repos.bids.has(bidKey(taskId, victim))).toBe(false)
  })

  it('rejects awards by anyone but the requester, and forged in its name', async () => {
    const ask = (await net.node(0).repos.asks.get(taskId))!
    const bid = await makeBid(forger, ask, { createdAt: Date.now() })
    const own = await makeAward(forger, ask, [bid], { createdAt: Date.now() })
    const forged = await makeAward(forger, ask, [bid], {
      createdAt: Date.now(),
      requester: ask.body.requester,
    })
    await publish('award', Award.encode(own))
    await publish('award', Award.encode(forged))
    await waitFor(
      () =>
        (net.node(0).gossip.counters['award.reject.NOT_REQUESTER'] ?? 0) >= 1 &&
        (net.node(0).gossip.counters['award.reject.BAD_SIGNATURE'] ?? 0) >= 1,
      'awards rejected',
    )
    expect(await net.node(2).repos.awards.has(`${taskId}/00`)).toBe(false)
    expect((await net.node(2).repos.jobs.get(taskId))?.state).toBe('bid')
  })

  it('rejects a tampered verification result and keeps it out of the ledger', async () => {
    const s = await makeScenario({ verdict: 'invalid' })
    const flipped = { ...s.result, body: { ...s.result.body, verdict: 'valid' as const } }
    await publish('result', Result.encode(flipped))
    await waitFor(() => rejects(0, 'result') >= 1, 'result rejected')
    for (const i of [0, 2]) expect(net.node(i).ledger.has(toHex(Result.id(flipped)))).toBe(false)
  })

  it('rejects undecodable bytes on every topic', async () => {
    const before = rejects(0, 'bid')
    await publish('bid', encode({ body: { hello: 'world' }, sig: fromHex('00') }))
    await waitFor(() => rejects(0, 'bid') > before, 'garbage rejected')
  })

  it('lowers the rogue’s gossipsub score at the honest peer it sent them to', async () => {
    const rogue = net.node(1).peerId
    // gossipsub refreshes cached scores on its decay interval, so wait for the refresh.
    await waitFor(() => net.node(0).host.services.pubsub.getScore(rogue) < 0, 'rogue score below zero')
    expect(net.node(0).host.services.pubsub.getScore(rogue)).toBeLessThan(0)
    // The honest prover is not penalised.
    expect(net.node(0).host.services.pubsub.getScore(net.node(2).peerId)).toBeGreaterThanOrEqual(0)
  })
})
