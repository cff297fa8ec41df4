import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { BATCH_BAND_PPM, type RankedBid, rankBids } from '../../protocol/auction/auction.ts'
import { compareBytes, sha256, toHex } from '../../protocol/codec/hash.ts'
import { ZkpError } from '../../protocol/errors.ts'
import { Ask, type AskBatch, type SignedBid } from '../../protocol/task/messages.ts'
import { MAX_PRICE, makeAsk, makeBid, makeKeys, type TestKey } from '../helpers/messages.ts'

let requester: TestKey
let provers: TestKey[]

beforeAll(async () => {
  ;[requester, ...provers] = await makeKeys(1 + 8, 4000)
})

const batchId = new Uint8Array(32).fill(7)
const batch = (index: number, size: number): AskBatch => ({ id: batchId, index, size })
const winners = (ranked: readonly RankedBid[]) => ranked.map((r) => r.bid.body.prover)
const noHistory = () => undefined

/** Ask `index` of a batch of `size`, with one bid per prover at the given prices. */
async function batchAuction(index: number, size: number, prices: readonly bigint[]) {
  const ask = await makeAsk(requester, {
    nonce: new Uint8Array(16).fill(index + 1),
    batch: batch(index, size),
  })
  const bids: SignedBid[] = await Promise.all(prices.map((price, i) => makeBid(provers[i]!, ask, { price })))
  return { ask, bids, ranked: rankBids(ask, bids, noHistory) }
}

describe('a batch ask', () => {
  it('round-trips its batch field and refuses an index outside the batch, naming the field', async () => {
    const ask = await makeAsk(requester, { batch: batch(3, 4) })
    expect(Ask.decode(Ask.encode(ask)).body.batch).toEqual(batch(3, 4))
    await expect(makeAsk(requester, { batch: batch(4, 4) })).rejects.toThrow(
      /batch: index must be below size/,
    )
    await expect(makeAsk(requester, { batch: batch(0, 1) })).rejects.toThrow(ZkpError)
    await expect(makeAsk(requester, { batch: batch(0, 257) })).rejects.toThrow(/batch\.size/)
  })
})

describe('the auction of a batch', () => {
  it('gives ask i of a batch to the (i mod m)-th of m equal bids, so the batch is spread evenly', async () => {
    const size = 8
    const counts = new Map<string, number>()
    for (let i = 0; i < size; i++) {
      const { ranked } = await batchAuction(i, size, [500n, 500n])
      const w = ranked[0]!.bid.body.prover
      counts.set(w, (counts.get(w) ?? 0) + 1)
      // The loser stays ranked, as the fallback.
      expect(ranked).toHaveLength(2)
    }
    expect([...counts.values()]).toEqual([4, 4])
  })

  it('never hands a batch ask to a bid outside the band (more than 5% below the best score)', async () => {
    for (let i = 0; i < 4; i++) {
      // Score 0.7·priceScore + 0.3·0.5: at half the ceiling 500 000, at 70% of it 360 000, far outside the band.
      const { ranked } = await batchAuction(i, 4, [MAX_PRICE / 2n, (MAX_PRICE * 7n) / 10n])
      expect(ranked[0]!.bid.body.prover).toBe(provers[0]!.peerId)
    }
  })

  it('is the plain ranking with the band reordered the same way for the whole batch and rotated (property)', async () => {
    const prices = fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 6 })
    await fc.assert(
      fc.asyncProperty(prices, fc.integer({ min: 0, max: 255 }), async (ps, index) => {
        const big = ps.map((p) => (BigInt(p) * MAX_PRICE) / 1000n)
        const { ask, bids, ranked } = await batchAuction(index, 256, big)
        // The plain order (SPEC §9.4): score, price, reputation, hash.
        const plain = [...ranked].sort(
          (x, y) =>
            y.score - x.score ||
            Number(x.bid.body.price - y.bid.body.price) ||
            y.reputation - x.reputation ||
            compareBytes(x.tieBreak, y.tieBreak),
        )
        const top = plain[0]!.score
        const m = plain.filter((r) => r.score * 1_000_000 >= top * (1_000_000 - BATCH_BAND_PPM)).length
        // Outside the band nothing moves; inside it, the batch-wide order rotated by the index.
        expect(winners(ranked).slice(m)).toEqual(winners(plain).slice(m))
        const shared = [...plain.slice(0, m)].sort((x, y) =>
          compareBytes(
            sha256(batchId, new TextEncoder().encode(x.bid.body.prover)),
            sha256(batchId, new TextEncoder().encode(y.bid.body.prover)),
          ),
        )
        expect(ranked[0]!.bid.body.prover).toBe(shared[index % m]!.bid.body.prover)
        expect(new Set(winners(ranked.slice(0, m)))).toEqual(new Set(winners(shared)))
        // Deterministic whatever order the bids came in.
        expect(rankBids(ask, [...bids].reverse(), noHistory).map((r) => toHex(r.bidId))).toEqual(
          ranked.map((r) => toHex(r.bidId)),
        )
      }),
      { numRuns: 40 },
    )
  })
})
