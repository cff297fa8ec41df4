import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  addTally,
  EMPTY_TALLY,
  figuresOf,
  NEUTRAL,
  PPM,
  PRIOR_RECORDS,
  type Tally,
  tallyOf,
} from '../../protocol/reputation/figures.ts'
import {
  Result,
  type SignedAsk,
  type SignedAward,
  type SignedDelivery,
  type SignedResult,
} from '../../protocol/task/messages.ts'
import {
  makeAsk,
  makeAward,
  makeBid,
  makeDelivery,
  makeKeys,
  makeResult,
  type TestKey,
} from '../helpers/messages.ts'

let requester: TestKey
let prover: TestKey
let ask: SignedAsk
let award: SignedAward
let delivery: SignedDelivery
let valid: SignedResult
let invalid: SignedResult
let timeout: SignedResult

beforeAll(async () => {
  ;[requester, prover] = (await makeKeys(2, 2000)) as [TestKey, TestKey]
  ask = await makeAsk(requester)
  const bid = await makeBid(prover, ask, { estimatedMs: 5_000 })
  award = await makeAward(requester, ask, [bid])
  delivery = await makeDelivery(prover, award, { provingMs: 4_000 })
  valid = await makeResult(requester, { ask, award, delivery })
  invalid = await makeResult(requester, { ask, award, delivery }, { verdict: 'invalid', reason: 'bad proof' })
  timeout = await makeResult(requester, { ask, award, delivery: null })
})

const sum = (ts: readonly Tally[]) => ts.reduce(addTally, EMPTY_TALLY)
const times = (t: Tally, n: number) => sum(Array.from({ length: n }, () => t))

const tallyArb = fc.record({
  valid: fc.nat({ max: 1000 }),
  invalid: fc.nat({ max: 1000 }),
  timeout: fc.nat({ max: 1000 }),
  qualitySum: fc.nat({ max: 1000 * PPM }),
  speedSum: fc.nat({ max: 1000 * PPM }),
})

describe('figuresOf', () => {
  it('gives a newcomer exactly the neutral figures', () => {
    expect(figuresOf(EMPTY_TALLY)).toEqual(NEUTRAL)
    expect(NEUTRAL).toEqual({ success: PPM / 2, quality: PPM / 2, speed: PPM / 2 })
  })

  it('keeps every figure an integer within 0..PPM (property)', () => {
    fc.assert(
      fc.property(tallyArb, (t) => {
        // A well-formed tally has at most PPM per delivered record.
        const delivered = t.valid + t.invalid
        const tally = {
          ...t,
          qualitySum: Math.min(t.qualitySum, delivered * PPM),
          speedSum: Math.min(t.speedSum, delivered * PPM),
        }
        for (const v of Object.values(figuresOf(tally))) {
          expect(Number.isInteger(v)).toBe(true)
          expect(v).toBeGreaterThanOrEqual(0)
          expect(v).toBeLessThanOrEqual(PPM)
        }
      }),
    )
  })

  it('moves from the prior toward the record as records accumulate', () => {
    const one = figuresOf(tallyOf(valid))
    const ten = figuresOf(times(tallyOf(valid), 10))
    const hundred = figuresOf(times(tallyOf(valid), 100))
    expect(one.success).toBeGreaterThan(NEUTRAL.success)
    expect(ten.success).toBeGreaterThan(one.success)
    expect(hundred.success).toBeGreaterThan(ten.success)
    expect(hundred.success).toBeLessThan(PPM)
    // The prior is worth PRIOR_RECORDS records.
    expect(one.success).toBe(Math.floor((PPM + NEUTRAL.success * PRIOR_RECORDS) / (1 + PRIOR_RECORDS)))
  })
})

describe('tallyOf', () => {
  it('counts one record per result, by verdict', () => {
    expect(tallyOf(valid)).toMatchObject({ valid: 1, invalid: 0, timeout: 0 })
    expect(tallyOf(invalid)).toEqual({ ...EMPTY_TALLY, invalid: 1 })
    expect(tallyOf(timeout)).toEqual({ ...EMPTY_TALLY, timeout: 1 })
  })

  it('valid records raise success above neutral', () => {
    expect(figuresOf(tallyOf(valid)).success).toBeGreaterThan(NEUTRAL.success)
  })

  it('invalid records and timeouts lower success below neutral', () => {
    expect(figuresOf(tallyOf(invalid)).success).toBeLessThan(NEUTRAL.success)
    expect(figuresOf(tallyOf(timeout)).success).toBeLessThan(NEUTRAL.success)
    // An invalid proof was delivered, and delivered badly: quality and speed drop too.
    expect(figuresOf(tallyOf(invalid)).quality).toBeLessThan(NEUTRAL.quality)
    expect(figuresOf(tallyOf(invalid)).speed).toBeLessThan(NEUTRAL.speed)
    // A timeout delivered nothing, so it says nothing about quality or speed.
    expect(figuresOf(tallyOf(timeout)).quality).toBe(NEUTRAL.quality)
    expect(figuresOf(tallyOf(timeout)).speed).toBe(NEUTRAL.speed)
  })

  it('a record of mixed results sits between all-valid and all-failed', () => {
    const mixed = figuresOf(sum([tallyOf(valid), tallyOf(invalid), tallyOf(timeout), tallyOf(valid)]))
    expect(mixed.success).toBeLessThan(figuresOf(times(tallyOf(valid), 4)).success)
    expect(mixed.success).toBeGreaterThan(figuresOf(times(tallyOf(timeout), 4)).success)
  })

  it('gives full quality when the estimate is kept, proportionally less when it is not (requester clock)', async () => {
    const estimate = award.body.ranked[award.body.winner]!.estimatedMs
    const at = async (elapsed: number, provingMs = 1) => {
      const d = await makeDelivery(prover, award, { provingMs })
      return tallyOf(
        await makeResult(
          requester,
          { ask, award, delivery: d },
          { createdAt: award.body.createdAt + elapsed },
        ),
      )
    }
    expect((await at(estimate)).qualitySum).toBe(PPM)
    expect((await at(estimate * 2)).qualitySum).toBe(PPM / 2)
    // The prover's own provingMs does not count: claiming to be fast changes nothing.
    expect((await at(estimate * 2, 1)).qualitySum).toBe((await at(estimate * 2, 1_000_000)).qualitySum)
    // Kept estimates give better quality figures over time.
    const kept = figuresOf(times(await at(estimate), 50))
    const missed = figuresOf(times(await at(estimate * 2), 50))
    expect(kept.quality).toBeGreaterThan(missed.quality)
  })

  it('scores speed by the share of the deadline left when the result was signed', async () => {
    const { createdAt, provingDeadline } = award.body
    const at = async (t: number) =>
      tallyOf(await makeResult(requester, { ask, award, delivery }, { createdAt: t })).speedSum
    expect(await at(createdAt)).toBe(PPM)
    expect(await at(createdAt + (provingDeadline - createdAt) / 2)).toBe(PPM / 2)
    expect(await at(provingDeadline)).toBe(0)
    expect(await at(provingDeadline + 1_000)).toBe(0)
    // A result dated before its award (a requester's skewed clock) gets no more than full marks.
    expect(await at(createdAt - 1_000)).toBe(PPM)
  })

  it('is the same for a result and its decoded copy', () => {
    expect(tallyOf(Result.decode(Result.encode(valid)))).toEqual(tallyOf(valid))
  })
})

describe('addTally', () => {
  it('sums tallies in any order to the same total (property)', () => {
    fc.assert(
      fc.property(
        fc
          .array(tallyArb, { maxLength: 20 })
          .chain((ts) =>
            fc.tuple(
              fc.constant(ts),
              fc.shuffledSubarray(ts, { minLength: ts.length, maxLength: ts.length }),
            ),
          ),
        ([ts, shuffled]) => {
          expect(sum(shuffled)).toEqual(sum(ts))
          expect(figuresOf(sum(shuffled))).toEqual(figuresOf(sum(ts)))
        },
      ),
    )
  })

  it('is commutative and associative, with the empty tally as identity (property)', () => {
    fc.assert(
      fc.property(tallyArb, tallyArb, tallyArb, (a, b, c) => {
        expect(addTally(a, b)).toEqual(addTally(b, a))
        expect(addTally(a, addTally(b, c))).toEqual(addTally(addTally(a, b), c))
        expect(addTally(a, EMPTY_TALLY)).toEqual(a)
      }),
    )
  })

  it('figures from real results do not depend on the order they arrived in (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('valid', 'invalid', 'timeout'), { maxLength: 15 }),
        fc.nat(),
        (kinds, seed) => {
          const results = kinds.map((k) => (k === 'valid' ? valid : k === 'invalid' ? invalid : timeout))
          // Rotate and reverse: two other arrival orders.
          const r = seed % (results.length || 1)
          const rotated = [...results.slice(r), ...results.slice(0, r)]
          const a = figuresOf(sum(results.map(tallyOf)))
          expect(figuresOf(sum(rotated.map(tallyOf)))).toEqual(a)
          expect(figuresOf(sum([...results].reverse().map(tallyOf)))).toEqual(a)
        },
      ),
    )
  })

  it('does not mutate its arguments', () => {
    const a = { ...EMPTY_TALLY, valid: 1 }
    const b = { ...EMPTY_TALLY, timeout: 2 }
    addTally(a, b)
    expect(a).toEqual({ ...EMPTY_TALLY, valid: 1 })
    expect(b).toEqual({ ...EMPTY_TALLY, timeout: 2 })
    expect(EMPTY_TALLY).toEqual({ valid: 0, invalid: 0, timeout: 0, qualitySum: 0, speedSum: 0 })
  })
})
