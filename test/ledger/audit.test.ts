import { beforeAll, describe, expect, it } from 'vitest'
import {
  bidSetDigest,
  DEFAULT_WEIGHTS,
  eligibleBids,
  type ReputationSnapshot,
  rankBids,
} from '../../protocol/auction/auction.ts'
import { auditAward } from '../../protocol/auction/audit.ts'
import { Award, type SignedAsk, type SignedBid } from '../../protocol/task/messages.ts'
import { makeAsk, makeAward, makeBid, makeKeys, rankedEntry, type TestKey } from '../helpers/messages.ts'

let requester: TestKey
let provers: TestKey[]
let ask: SignedAsk
let bids: SignedBid[]
const neutral: ReputationSnapshot = () => undefined

beforeAll(async () => {
  ;[requester, ...provers] = await makeKeys(5, 1100)
  ask = await makeAsk(requester, { maxPrice: 1000n })
  bids = await Promise.all(provers.map((p, i) => makeBid(p, ask, { price: BigInt(200 + 100 * i) })))
})

/** The award the rule gives for these bids, signed by the requester (with `overrides`). */
const honest = async (overrides: Parameters<typeof makeAward>[3] = {}, use = bids, rep = neutral) => {
  const ranked = rankBids(ask, use, rep, DEFAULT_WEIGHTS).map((r) => r.bid)
  return makeAward(requester, ask, ranked, {
    weights: DEFAULT_WEIGHTS,
    bidSetDigest: bidSetDigest(eligibleBids(ask, use).map((e) => e.bidId)),
    ...overrides,
  })
}
const find = (r: ReturnType<typeof auditAward>, check: string) => r.findings.find((f) => f.check === check)

describe('auditAward', () => {
  it('finds nothing wrong with an award that follows the rule', async () => {
    const r = auditAward({ ask, award: await honest(), fallbacks: [], bids, reputation: neutral })
    expect(r.outcome).toBe('ok')
    expect(find(r, 'ranking')?.detail).toMatch(/the rule's/)
  })

  it('flags an award that ranks a dearer bid first', async () => {
    const award = await makeAward(requester, ask, [bids[1]!, bids[0]!, bids[2]!, bids[3]!], {
      weights: DEFAULT_WEIGHTS,
    })
    const r = auditAward({ ask, award, fallbacks: [], bids, reputation: neutral })
    expect(r.outcome).toBe('violation')
    expect(find(r, 'ranking')).toMatchObject({
      outcome: 'violation',
      detail: expect.stringMatching(/^rank 1:/),
    })
  })

  it('flags an award that leaves out the best bid, once the bid set is known', async () => {
    const award = await honest(
      { bidSetDigest: bidSetDigest(eligibleBids(ask, bids).map((e) => e.bidId)) },
      bids.slice(1),
    )
    const r = auditAward({ ask, award, fallbacks: [], bids, reputation: neutral })
    expect(find(r, 'ranking')?.outcome).toBe('violation')
  })

  it('ranks with the weights the award records', async () => {
    // All weight on reputation: the best-reputed prover wins whatever its price.
    const weights = { price: 0, reputation: 1_000_000, success: 1_000_000, quality: 0, speed: 0 }
    const rep: ReputationSnapshot = (p) =>
      p === provers[3]!.peerId ? { success: 900_000, quality: 0, speed: 0 } : undefined
    const ranked = rankBids(ask, bids, rep, weights).map((x) => x.bid)
    expect(ranked[0]!.body.prover).toBe(provers[3]!.peerId)
    const award = await makeAward(requester, ask, ranked, { weights })
    expect(auditAward({ ask, award, fallbacks: [], bids, reputation: rep }).outcome).toBe('ok')
    // The same ranking claimed under the default weights is against the rule.
    const claimed = await makeAward(requester, ask, ranked, {})
    expect(auditAward({ ask, award: claimed, fallbacks: [], bids, reputation: rep }).outcome).toBe(
      'violation',
    )
  })

  it('without the bid set, still flags a ranked list out of order, and is otherwise inconclusive', async () => {
    const r = auditAward({ ask, award: await honest(), fallbacks: [], bids: undefined, reputation: neutral })
    expect(r.outcome).toBe('inconclusive')
    const swapped = await makeAward(requester, ask, [bids[1]!, bids[0]!], { weights: DEFAULT_WEIGHTS })
    const s = auditAward({ ask, award: swapped, fallbacks: [], bids: [bids[2]!], reputation: neutral })
    expect(find(s, 'ranking')).toMatchObject({
      outcome: 'violation',
      detail: expect.stringMatching(/out of the rule's order/),
    })
  })

  it('is inconclusive, not a violation, when the snapshot cannot be rebuilt', async () => {
    const r = auditAward({ ask, award: await honest(), fallbacks: [], bids, reputation: undefined })
    expect(r.outcome).toBe('inconclusive')
    expect(find(r, 'ranking')?.detail).toMatch(/snapshot/)
  })

  it('flags a fallback round that skips the next prover in line or changes the ranking', async () => {
    const award = await honest()
    const next = await Award.sign({ ...award.body, round: 1, winner: 1 }, requester.key)
    expect(auditAward({ ask, award, fallbacks: [next], bids, reputation: neutral }).outcome).toBe('ok')
    const skip = await Award.sign({ ...award.body, round: 1, winner: 2 }, requester.key)
    expect(
      find(auditAward({ ask, award, fallbacks: [skip], bids, reputation: neutral }), 'rounds')?.detail,
    ).toMatch(/skips/)
    const changed = await Award.sign(
      { ...award.body, round: 1, winner: 1, ranked: [rankedEntry(bids[0]!), rankedEntry(bids[3]!)] },
      requester.key,
    )
    expect(auditAward({ ask, award, fallbacks: [changed], bids, reputation: neutral }).outcome).toBe(
      'violation',
    )
  })
})
