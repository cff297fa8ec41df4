import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DEFAULT_WEIGHTS, rankBids } from '../../protocol/auction/auction.ts'
import { decayPpm } from '../../protocol/reputation/decay.ts'
import { NEUTRAL, PPM } from '../../protocol/reputation/figures.ts'
import { REPUTATION, ZERO_FIGURES } from '../../protocol/reputation/params.ts'
import { figuresOfWeighted, reputationView } from '../../protocol/reputation/view.ts'
import { makeAsk, makeBid, makeKeys } from '../helpers/messages.ts'
import { DAY, entry, many, NOW } from './entries.ts'

const H = REPUTATION.halfLifeMs
const view = (entries: Parameters<typeof reputationView>[0], evaluator?: string) =>
  reputationView(entries, { at: NOW, ...(evaluator !== undefined ? { evaluator } : {}) })

describe('decay', () => {
  it('halves every half-life, reaches zero, and never rises with age', () => {
    expect(decayPpm(0)).toBe(PPM)
    expect(decayPpm(H)).toBe(PPM / 2)
    expect(decayPpm(2 * H)).toBe(PPM / 4)
    expect(decayPpm(REPUTATION.maxHalfLives * H)).toBe(0)
    expect(() => decayPpm(-1)).toThrow(/non-negative/)
    fc.assert(
      fc.property(fc.nat({ max: 30 * H }), fc.nat({ max: H }), (age, more) => {
        expect(Number.isInteger(decayPpm(age))).toBe(true)
        expect(decayPpm(age + more)).toBeLessThanOrEqual(decayPpm(age))
      }),
    )
  })

  it('weighs records by their age at the snapshot time, not by the clock', () => {
    const fresh = view(many(3, { requester: 'R', prover: 'P', createdAt: NOW - 1000 }))
    const old = view(many(3, { requester: 'R', prover: 'P', createdAt: NOW - 60 * DAY }))
    expect(fresh.figures('P').success).toBeGreaterThan(old.figures('P').success)
    expect(old.figures('P').success).toBeGreaterThan(NEUTRAL.success)
    // Records dated after the snapshot time are not in it.
    expect(view(many(3, { requester: 'R', prover: 'P', createdAt: NOW + 1 })).snapshot('P')).toBeUndefined()
  })
})

describe('newcomers and failures', () => {
  it('credits a prover with no records exactly the neutral prior', () => {
    const v = view([entry({ requester: 'R', prover: 'P' })])
    expect(v.figures('Q')).toEqual(NEUTRAL)
    expect(v.snapshot('Q')).toBeUndefined()
  })

  it('drops a failing prover fast: two invalid proofs take it to a quarter', () => {
    const v = view([
      entry({ requester: 'R1', prover: 'P', verdict: 'invalid' }),
      entry({ requester: 'R2', prover: 'P', verdict: 'invalid' }),
    ])
    expect(v.figures('P').success).toBe(250_000)
    expect(v.figures('P').quality).toBe(250_000)
  })

  it('lets a new honest prover win work from an established one by asking less', async () => {
    const [requester, veteran, newcomer] = await makeKeys(3, 700)
    const praise = ['A', 'B', 'C', 'D'].flatMap((r) =>
      many(4, { requester: r, prover: veteran!.peerId, quality: PPM, speed: PPM }),
    )
    const ask = await makeAsk(requester!, { maxPrice: 1000n })
    const bids = [
      await makeBid(veteran!, ask, { price: 500n }),
      await makeBid(newcomer!, ask, { price: 300n }),
    ]
    const ranked = rankBids(ask, bids, view(praise).snapshot, DEFAULT_WEIGHTS)
    expect(ranked.map((r) => r.bid.body.prover)).toEqual([newcomer!.peerId, veteran!.peerId])
    // At an equal price the record counts.
    const even = [bids[0]!, await makeBid(newcomer!, ask, { price: 500n })]
    expect(rankBids(ask, even, view(praise).snapshot)[0]!.bid.body.prover).toBe(veteran!.peerId)
  })

  it('counts only the smallest-id record of a task round, and nothing still pending', () => {
    const a = entry({ requester: 'R', prover: 'P', task: 'aa', seed: 'x1' })
    const b = entry({ requester: 'R', prover: 'P', task: 'aa', seed: 'x2', verdict: 'invalid' })
    const first = Buffer.compare(a.id, b.id) < 0 ? a : b
    expect(view([a, b]).tally('P').valid).toBe(first === a ? PPM : 0)
    expect(view([entry({ requester: 'R', prover: 'P', status: undefined })]).figures('P')).toEqual(NEUTRAL)
  })
})

describe('one requester is one voice', () => {
  it('caps what the records of one requester can give a prover', () => {
    const v = view(many(50, { requester: 'R', prover: 'P', quality: PPM, speed: PPM }))
    const cap = REPUTATION.pairCapRecords * PPM
    expect(v.tally('P').valid).toBe(cap)
    expect(v.figures('P')).toEqual(
      figuresOfWeighted({ valid: cap, invalid: 0, timeout: 0, quality: cap, speed: cap }),
    )
  })
})

describe('Sybil rule: praise counts only from the evaluator’s witnesses', () => {
  // A cluster: requesters S1, S2 praise provers X1, X2 (their own identities); nobody else trades with them.
  const cluster = ['S1', 'S2'].flatMap((s) =>
    ['X1', 'X2'].flatMap((x) => many(4, { requester: s, prover: x })),
  )

  it('gives a cluster that only trades with itself nothing in an outsider’s auction', () => {
    expect(view(cluster).figures('X1').success).toBeGreaterThan(NEUTRAL.success)
    expect(view(cluster, 'E').figures('X1')).toEqual(NEUTRAL)
  })

  it('counts praise from a requester that paid a prover the evaluator paid, or paid the evaluator', () => {
    const shared = [entry({ requester: 'E', prover: 'H' }), entry({ requester: 'S1', prover: 'H' })]
    expect(view([...cluster, ...shared], 'E').figures('X1').success).toBeGreaterThan(NEUTRAL.success)
    const paidE = [entry({ requester: 'S2', prover: 'E' })]
    expect(view([...cluster, ...paidE], 'E').figures('X2').success).toBeGreaterThan(NEUTRAL.success)
  })

  it('still counts every provable failure, whoever reports it', () => {
    const v = view([entry({ requester: 'S1', prover: 'P', verdict: 'invalid' })], 'E')
    expect(v.figures('P').success).toBeLessThan(NEUTRAL.success)
  })
})

describe('timeout rule: an unprovable verdict weighs what its signer’s word is worth', () => {
  const crier = ['V1', 'V2', 'V3', 'V4', 'V5'].map((v) =>
    entry({ requester: 'C', prover: v, verdict: 'timeout' }),
  )
  const honest = [
    ...['Y1', 'Y2', 'Y3', 'Y4', 'Y5', 'Y6', 'Y7', 'Y8', 'Y9'].map((y) =>
      entry({ requester: 'H', prover: y }),
    ),
    entry({ requester: 'H', prover: 'V1', verdict: 'timeout' }),
  ]

  it('discounts a requester that only ever reports timeouts', () => {
    const v = view([...crier, ...honest])
    expect(v.credibility('C')).toBe(Math.floor(PPM / 6))
    expect(v.credibility('H')).toBe(Math.floor((10 * PPM) / 11))
    // All the crier's timeouts together weigh less than one record.
    const total = ['V1', 'V2', 'V3', 'V4', 'V5'].reduce((n, p) => n + view(crier).tally(p).timeout, 0)
    expect(total).toBeLessThan(PPM)
    expect(view(crier).figures('V2').success).toBeGreaterThan(450_000)
  })

  it('takes the evaluator’s own timeouts at full weight', () => {
    const own = [entry({ requester: 'E', prover: 'V', verdict: 'timeout' })]
    expect(view(own, 'E').tally('V').timeout).toBe(PPM)
    expect(view(own).tally('V').timeout).toBe(PPM / 2)
  })
})

describe('contradicted records', () => {
  it('void every record of their signer and zero its own figures', () => {
    const v = view([
      entry({ requester: 'L', prover: 'P' }),
      entry({ requester: 'L', prover: 'V', verdict: 'timeout' }),
      entry({ requester: 'L', prover: 'W', verdict: 'valid', status: 'contradicted' }),
      entry({ requester: 'R', prover: 'L' }),
    ])
    expect(v.liars).toEqual(new Set(['L']))
    expect(v.figures('P')).toEqual(NEUTRAL)
    expect(v.figures('V')).toEqual(NEUTRAL)
    expect(v.figures('L')).toEqual(ZERO_FIGURES)
    expect(v.snapshot('L')).toEqual(ZERO_FIGURES)
  })
})

describe('figures', () => {
  it('are integers in 0..PPM for any set of records (property)', () => {
    const e = fc.record({
      requester: fc.constantFrom('A', 'B', 'C', 'E'),
      prover: fc.constantFrom('P', 'Q', 'A'),
      verdict: fc.constantFrom('valid' as const, 'invalid' as const, 'timeout' as const),
      status: fc.constantFrom('confirmed' as const, 'contradicted' as const, 'unproven' as const, undefined),
      age: fc.nat({ max: 200 * DAY }),
      quality: fc.nat({ max: PPM }),
    })
    fc.assert(
      fc.property(
        fc.array(e, { maxLength: 40 }),
        fc.option(fc.constant('E'), { nil: undefined }),
        (es, ev) => {
          const v = view(
            es.map((x) => entry({ ...x, createdAt: NOW - x.age })),
            ev,
          )
          for (const p of ['P', 'Q', 'A']) {
            for (const f of Object.values(v.figures(p))) {
              expect(Number.isInteger(f)).toBe(true)
              expect(f).toBeGreaterThanOrEqual(0)
              expect(f).toBeLessThanOrEqual(PPM)
            }
          }
        },
      ),
    )
  })
})
