import { beforeAll, describe, expect, it } from 'vitest'
import { LIMITS } from '../../protocol/constants.ts'
import {
  Ask,
  Award,
  Bid,
  Delivery,
  Result,
  type SignedAsk,
  type SignedAward,
  type SignedBid,
  type SignedDelivery,
} from '../../protocol/task/messages.ts'
import {
  ACCEPT,
  type ValidationCode,
  type Verdict,
  validateAsk,
  validateAward,
  validateBid,
  validateDelivery,
  validateResult,
} from '../../protocol/task/validate.ts'
import {
  makeAsk,
  makeAward,
  makeBid,
  makeDelivery,
  makeKey,
  makeResult,
  NETWORK,
  rankedEntry,
  type TestKey,
} from '../helpers/messages.ts'

const clone = <T>(v: T): T => structuredClone(v)
const reject = (code: ValidationCode) => ({ result: 'reject', code })
const ignore = (code: ValidationCode) => ({ result: 'ignore', code })
const expectVerdict = (v: Verdict, expected: Verdict | ReturnType<typeof reject>) => {
  expect(v).toMatchObject(expected)
  if (v.result !== 'accept') expect(v.reason.length).toBeGreaterThan(0)
}

let requester: TestKey
let prover: TestKey
let prover2: TestKey
let mallory: TestKey
let ask: SignedAsk
let bid: SignedBid
let bid2: SignedBid
let award: SignedAward
let delivery: SignedDelivery

beforeAll(async () => {
  ;[requester, prover, prover2, mallory] = await Promise.all([makeKey(), makeKey(), makeKey(), makeKey()])
  ask = await makeAsk(requester)
  bid = await makeBid(prover, ask, { price: 400_000n })
  bid2 = await makeBid(prover2, ask, { price: 450_000n })
  award = await makeAward(requester, ask, [bid, bid2])
  delivery = await makeDelivery(prover, award)
})

const ctx = (now: number, network = NETWORK) => ({ network, now })
const windowEnd = () => ask.body.createdAt + ask.body.bidWindowMs

describe('validateAsk', () => {
  const now = () => ask.body.createdAt + 1_000

  it('accepts an honest ask', async () => {
    expect(await validateAsk(ask, ctx(now()))).toEqual(ACCEPT)
  })

  it('rejects an ask signed by another key than its requester (BAD_SIGNATURE)', async () => {
    const forged = await Ask.sign(clone(ask.body), mallory.key)
    expectVerdict(await validateAsk(forged, ctx(now())), reject('BAD_SIGNATURE'))
  })

  it('rejects an ask tampered with after signing', async () => {
    const tampered = clone(ask)
    tampered.body.maxPrice *= 10n
    expectVerdict(await validateAsk(tampered, ctx(now())), reject('BAD_SIGNATURE'))
  })

  it('rejects an ask for another network (WRONG_NETWORK), even when honestly signed', async () => {
    expectVerdict(await validateAsk(ask, ctx(now(), 'testnet')), reject('WRONG_NETWORK'))
    const other = await makeAsk(requester, { network: 'testnet' })
    expectVerdict(await validateAsk(other, ctx(now())), reject('WRONG_NETWORK'))
  })

  it('rejects an ask from the future beyond clock skew, accepts one within it', async () => {
    const t = ask.body.createdAt
    expect(await validateAsk(ask, ctx(t - LIMITS.clockSkewMs))).toEqual(ACCEPT)
    expectVerdict(await validateAsk(ask, ctx(t - LIMITS.clockSkewMs - 1)), reject('CLOCK'))
  })

  it('ignores an ask whose bid window has closed (LATE)', async () => {
    const end = windowEnd() + LIMITS.clockSkewMs
    expect(await validateAsk(ask, ctx(end))).toEqual(ACCEPT)
    expectVerdict(await validateAsk(ask, ctx(end + 1)), ignore('LATE'))
  })
})

describe('validateBid', () => {
  const now = () => bid.body.createdAt + 100
  const withAsk = (n = now(), a: SignedAsk = ask, network = NETWORK) => ({
    ...ctx(n, network),
    ask: a,
    proverAlreadyBid: false,
    bidsHeld: 0,
  })

  it('accepts an honest bid', async () => {
    expect(await validateBid(bid, withAsk())).toEqual(ACCEPT)
  })

  it('rejects a bid signed by another key than its prover (BAD_SIGNATURE)', async () => {
    const forged = await Bid.sign(clone(bid.body), mallory.key)
    expect(forged.body.prover).toBe(prover.peerId)
    expectVerdict(await validateBid(forged, withAsk()), reject('BAD_SIGNATURE'))
  })

  it('rejects a bid tampered with after signing', async () => {
    const cheaper = clone(bid)
    cheaper.body.price -= 1n
    expectVerdict(await validateBid(cheaper, withAsk()), reject('BAD_SIGNATURE'))
    const faster = clone(bid)
    faster.body.estimatedMs = 1
    expectVerdict(await validateBid(faster, withAsk()), reject('BAD_SIGNATURE'))
  })

  it('rejects a bid for another network', async () => {
    expectVerdict(await validateBid(bid, withAsk(now(), ask, 'testnet')), reject('WRONG_NETWORK'))
    const other = await makeBid(prover, ask, { network: 'testnet' })
    expectVerdict(await validateBid(other, withAsk()), reject('WRONG_NETWORK'))
  })

  it('ignores a bid whose ask is unknown (UNKNOWN_TASK), without penalty', async () => {
    expectVerdict(
      await validateBid(bid, { ...ctx(now()), ask: undefined, proverAlreadyBid: false, bidsHeld: 0 }),
      ignore('UNKNOWN_TASK'),
    )
  })

  it('ignores a second bid by the same prover, and any bid once the task holds the most it may', async () => {
    const bid = await makeBid(prover, ask, { createdAt: now() })
    expectVerdict(await validateBid(bid, { ...withAsk(), proverAlreadyBid: true }), ignore('DUPLICATE'))
    expectVerdict(await validateBid(bid, { ...withAsk(), bidsHeld: LIMITS.bidsPerTask }), ignore('FULL'))
    expect(await validateBid(bid, { ...withAsk(), bidsHeld: LIMITS.bidsPerTask - 1 })).toEqual(ACCEPT)
  })

  it('rejects a requester bidding on its own ask (SELF_BID)', async () => {
    const self = await makeBid(requester, ask)
    expectVerdict(await validateBid(self, withAsk()), reject('SELF_BID'))
  })

  it('rejects a bid over the max price (OVER_PRICE), accepts one at it', async () => {
    const over = await makeBid(prover, ask, { price: ask.body.maxPrice + 1n })
    expectVerdict(await validateBid(over, withAsk()), reject('OVER_PRICE'))
    const at = await makeBid(prover, ask, { price: ask.body.maxPrice })
    expect(await validateBid(at, withAsk())).toEqual(ACCEPT)
  })

  it('ignores a bid dated after the window (LATE), accepts one dated at its end', async () => {
    const late = await makeBid(prover, ask, { createdAt: windowEnd() + 1 })
    expectVerdict(await validateBid(late, withAsk(windowEnd())), ignore('LATE'))
    const last = await makeBid(prover, ask, { createdAt: windowEnd() })
    expect(await validateBid(last, withAsk(windowEnd()))).toEqual(ACCEPT)
  })

  it('ignores a bid arriving well after the window (LATE)', async () => {
    expect(await validateBid(bid, withAsk(windowEnd() + LIMITS.clockSkewMs))).toEqual(ACCEPT)
    expectVerdict(await validateBid(bid, withAsk(windowEnd() + LIMITS.clockSkewMs + 1)), ignore('LATE'))
  })

  it('rejects a bid dated before the ask beyond clock skew (CLOCK)', async () => {
    const early = await makeBid(prover, ask, { createdAt: ask.body.createdAt - LIMITS.clockSkewMs - 1 })
    expectVerdict(await validateBid(early, withAsk()), reject('CLOCK'))
    const skewed = await makeBid(prover, ask, { createdAt: ask.body.createdAt - LIMITS.clockSkewMs })
    expect(await validateBid(skewed, withAsk())).toEqual(ACCEPT)
  })
})

describe('validateAward', () => {
  const now = () => award.body.createdAt + 100
  const withAsk = (n = now(), a: SignedAsk = ask, network = NETWORK) => ({ ...ctx(n, network), ask: a })

  it('accepts an honest award', async () => {
    expect(await validateAward(award, withAsk())).toEqual(ACCEPT)
  })

  it('rejects an award by someone other than the requester (NOT_REQUESTER)', async () => {
    const stranger = await makeAward(mallory, ask, [bid, bid2])
    expectVerdict(await validateAward(stranger, withAsk()), reject('NOT_REQUESTER'))
  })

  it('rejects an award naming the requester but signed by another key (BAD_SIGNATURE)', async () => {
    const forged = await Award.sign(clone(award.body), mallory.key)
    expectVerdict(await validateAward(forged, withAsk()), reject('BAD_SIGNATURE'))
  })

  it('rejects an award tampered with after signing', async () => {
    const swapped = clone(award)
    swapped.body.winner = 1
    expectVerdict(await validateAward(swapped, withAsk()), reject('BAD_SIGNATURE'))
  })

  it('rejects an award for another network; ignores one whose ask is unknown', async () => {
    expectVerdict(await validateAward(award, withAsk(now(), ask, 'testnet')), reject('WRONG_NETWORK'))
    expectVerdict(await validateAward(award, { ...ctx(now()), ask: undefined }), ignore('UNKNOWN_TASK'))
  })

  it('rejects a winner index outside the ranking (INCONSISTENT)', async () => {
    const a = await makeAward(requester, ask, [bid, bid2], { winner: 2 })
    expectVerdict(await validateAward(a, withAsk()), reject('INCONSISTENT'))
  })

  it('rejects a ranking that lists a prover twice (INCONSISTENT)', async () => {
    const again = await makeBid(prover, ask, { price: 390_000n })
    const a = await makeAward(requester, ask, [bid, bid2, again])
    expectVerdict(await validateAward(a, withAsk()), reject('INCONSISTENT'))
  })

  it('rejects an award for another task (INCONSISTENT)', async () => {
    const otherAsk = await makeAsk(requester)
    const a = await makeAward(requester, otherAsk, [bid, bid2])
    expectVerdict(await validateAward(a, withAsk()), reject('INCONSISTENT'))
  })

  it('rejects a ranking with a bid over the max price or by the requester (INCONSISTENT)', async () => {
    const over = await makeAward(requester, ask, [], {
      ranked: [{ ...rankedEntry(bid), price: ask.body.maxPrice + 1n }],
    })
    expectVerdict(await validateAward(over, withAsk()), reject('INCONSISTENT'))
    const self = await makeBid(requester, ask)
    const selfRanked = await makeAward(requester, ask, [self, bid])
    expectVerdict(await validateAward(selfRanked, withAsk()), reject('INCONSISTENT'))
  })

  it('rejects a proving deadline not after the award or beyond what the ask allows (INCONSISTENT)', async () => {
    const t = award.body.createdAt
    const none = await makeAward(requester, ask, [bid], { provingDeadline: t })
    expectVerdict(await validateAward(none, withAsk()), reject('INCONSISTENT'))
    const maxDeadline = t + ask.body.provingDeadlineMs + LIMITS.clockSkewMs
    const longest = await makeAward(requester, ask, [bid], { provingDeadline: maxDeadline })
    expect(await validateAward(longest, withAsk())).toEqual(ACCEPT)
    const tooLong = await makeAward(requester, ask, [bid], { provingDeadline: maxDeadline + 1 })
    expectVerdict(await validateAward(tooLong, withAsk()), reject('INCONSISTENT'))
  })

  it('rejects an award from the future beyond clock skew (CLOCK)', async () => {
    const t = award.body.createdAt
    expect(await validateAward(award, withAsk(t - LIMITS.clockSkewMs))).toEqual(ACCEPT)
    expectVerdict(await validateAward(award, withAsk(t - LIMITS.clockSkewMs - 1)), reject('CLOCK'))
  })
})

describe('validateDelivery', () => {
  it('accepts the awarded prover delivering for itself', async () => {
    expect(await validateDelivery(delivery, award, prover.peerId)).toEqual(ACCEPT)
  })

  it('rejects a delivery sent by anyone but the awarded prover', async () => {
    expectVerdict(await validateDelivery(delivery, award, prover2.peerId), reject('NOT_AWARDED'))
  })

  it('rejects a delivery from a prover other than the winner, even sent by itself', async () => {
    const d = await makeDelivery(prover2, award)
    expectVerdict(await validateDelivery(d, award, prover2.peerId), reject('NOT_AWARDED'))
  })

  it('rejects a delivery naming the winner but signed by another key (BAD_SIGNATURE)', async () => {
    const forged = await Delivery.sign(clone(delivery.body), mallory.key)
    expectVerdict(await validateDelivery(forged, award, prover.peerId), reject('BAD_SIGNATURE'))
  })

  it('rejects a delivery tampered with after signing', async () => {
    const tampered = clone(delivery)
    tampered.body.publicSignals[0] = '34'
    expectVerdict(await validateDelivery(tampered, award, prover.peerId), reject('BAD_SIGNATURE'))
  })

  it('ignores a delivery for another round or task (INCONSISTENT)', async () => {
    const wrongRound = await makeDelivery(prover, award, { round: 1 })
    expectVerdict(await validateDelivery(wrongRound, award, prover.peerId), ignore('INCONSISTENT'))
    const wrongTask = await makeDelivery(prover, award, { taskId: new Uint8Array(32) })
    expectVerdict(await validateDelivery(wrongTask, award, prover.peerId), ignore('INCONSISTENT'))
  })

  it('follows the winner index: after reassignment only the fallback may deliver', async () => {
    const round1 = await makeAward(requester, ask, [bid, bid2], { round: 1, winner: 1 })
    const d2 = await makeDelivery(prover2, round1)
    expect(await validateDelivery(d2, round1, prover2.peerId)).toEqual(ACCEPT)
    const d1 = await makeDelivery(prover, round1)
    expectVerdict(await validateDelivery(d1, round1, prover.peerId), reject('NOT_AWARDED'))
  })
})

describe('validateResult', () => {
  const at = (r: { body: { createdAt: number } }) => ctx(r.body.createdAt + 100)

  it('accepts honest valid, invalid and timeout results', async () => {
    const valid = await makeResult(requester, { ask, award, delivery })
    expect(await validateResult(valid, at(valid))).toEqual(ACCEPT)
    const invalid = await makeResult(
      requester,
      { ask, award, delivery },
      { verdict: 'invalid', reason: 'bad proof' },
    )
    expect(await validateResult(invalid, at(invalid))).toEqual(ACCEPT)
    const timeout = await makeResult(requester, { ask, award, delivery: null })
    expect(timeout.body.verdict).toBe('timeout')
    expect(await validateResult(timeout, at(timeout))).toEqual(ACCEPT)
  })

  it('rejects a result naming the requester but signed by another key (BAD_SIGNATURE)', async () => {
    const honest = await makeResult(requester, { ask, award, delivery })
    const forged = await Result.sign(clone(honest.body), mallory.key)
    expectVerdict(await validateResult(forged, at(forged)), reject('BAD_SIGNATURE'))
  })

  it('rejects a result tampered with after signing', async () => {
    const honest = await makeResult(requester, { ask, award, delivery })
    const tampered = clone(honest)
    tampered.body.verdict = 'invalid'
    expectVerdict(await validateResult(tampered, at(tampered)), reject('BAD_SIGNATURE'))
  })

  it('rejects a result, signed by the requester, that embeds a delivery the prover never signed', async () => {
    const fake = clone(delivery)
    fake.body.publicSignals = ['0']
    const framed = await makeResult(requester, { ask, award, delivery: fake }, { verdict: 'invalid' })
    expectVerdict(await validateResult(framed, at(framed)), reject('BAD_SIGNATURE'))
  })

  it('lets the result’s own signature vouch for the ask and award it embeds, and rejects them changed after', async () => {
    // The requester signs the result over the embedded ask and award, which must be its own: its signature
    // vouches for them, so their own signatures are not checked again (half the cost of admitting a record).
    const forgedAsk = await Ask.sign(clone(ask.body), mallory.key)
    const r1 = await makeResult(requester, { ask: forgedAsk, award, delivery })
    expect(await validateResult(r1, at(r1))).toEqual(ACCEPT)
    // Anything changed in an embedded award after the requester signed the result breaks the result.
    const r2 = clone(await makeResult(requester, { ask, award, delivery }))
    r2.body.award.body.ledgerRoot = new Uint8Array(32).fill(7)
    expectVerdict(await validateResult(r2, at(r2)), reject('BAD_SIGNATURE'))
    // And an ask signed by someone else cannot be embedded under another requester's result.
    const r3 = await makeResult(mallory, { ask, award, delivery })
    expectVerdict(await validateResult(r3, at(r3)), reject('NOT_REQUESTER'))
  })

  it('rejects a result embedding an ask altered after signing', async () => {
    const alteredAsk = clone(ask)
    alteredAsk.body.params = new Uint8Array([1])
    // The altered ask has another id, so it no longer matches the award's task.
    const r = await makeResult(
      requester,
      { ask: alteredAsk, award, delivery },
      { taskId: Ask.id(alteredAsk) },
    )
    expectVerdict(await validateResult(r, at(r)), reject('INCONSISTENT'))
  })

  it('rejects a result for another network', async () => {
    const r = await makeResult(requester, { ask, award, delivery })
    expectVerdict(await validateResult(r, { ...at(r), network: 'testnet' }), reject('WRONG_NETWORK'))
  })

  it('rejects a result whose embedded award is by someone else', async () => {
    const strangerAward = await makeAward(mallory, ask, [bid, bid2])
    const d = await makeDelivery(prover, strangerAward)
    const r = await makeResult(requester, { ask, award: strangerAward, delivery: d })
    expectVerdict(await validateResult(r, at(r)), reject('NOT_REQUESTER'))
    // ... and the stranger cannot issue the result itself either: it did not make the ask.
    const r2 = await makeResult(mallory, { ask, award: strangerAward, delivery: d })
    expectVerdict(await validateResult(r2, at(r2)), reject('NOT_REQUESTER'))
  })

  it('rejects a result whose delivery is from a different prover than the awarded one', async () => {
    const other = await makeDelivery(prover2, award)
    const r = await makeResult(requester, { ask, award, delivery: other }, { verdict: 'invalid' })
    expectVerdict(await validateResult(r, at(r)), reject('INCONSISTENT'))
  })

  it('rejects a result about a prover that was not awarded', async () => {
    const r = await makeResult(requester, { ask, award, delivery: null }, { prover: prover2.peerId })
    expectVerdict(await validateResult(r, at(r)), reject('INCONSISTENT'))
  })

  it('rejects a timeout verdict that carries a delivery, and a valid verdict without one', async () => {
    const r1 = await makeResult(requester, { ask, award, delivery }, { verdict: 'timeout' })
    expectVerdict(await validateResult(r1, at(r1)), reject('INCONSISTENT'))
    const r2 = await makeResult(requester, { ask, award, delivery: null }, { verdict: 'valid' })
    expectVerdict(await validateResult(r2, at(r2)), reject('INCONSISTENT'))
    const r3 = await makeResult(requester, { ask, award, delivery: null }, { verdict: 'invalid' })
    expectVerdict(await validateResult(r3, at(r3)), reject('INCONSISTENT'))
  })

  it('rejects a result whose task or round does not match its award', async () => {
    const r1 = await makeResult(requester, { ask, award, delivery }, { taskId: new Uint8Array(32) })
    expectVerdict(await validateResult(r1, at(r1)), reject('INCONSISTENT'))
    const r2 = await makeResult(requester, { ask, award, delivery }, { round: 1 })
    expectVerdict(await validateResult(r2, at(r2)), reject('INCONSISTENT'))
    const staleDelivery = await makeDelivery(prover, award, { round: 3 })
    const r3 = await makeResult(requester, { ask, award, delivery: staleDelivery })
    expectVerdict(await validateResult(r3, at(r3)), reject('INCONSISTENT'))
  })

  it('rejects a result embedding an award that does not fit its ask', async () => {
    const bad = await makeAward(requester, ask, [bid, bid2], { winner: 5 })
    const r = await makeResult(requester, { ask, award: bad, delivery: null }, { prover: prover.peerId })
    expectVerdict(await validateResult(r, at(r)), reject('INCONSISTENT'))
  })

  it('rejects a result from the future beyond clock skew (CLOCK)', async () => {
    const r = await makeResult(requester, { ask, award, delivery })
    expect(await validateResult(r, ctx(r.body.createdAt - LIMITS.clockSkewMs))).toEqual(ACCEPT)
    expectVerdict(await validateResult(r, ctx(r.body.createdAt - LIMITS.clockSkewMs - 1)), reject('CLOCK'))
  })
})
