import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultLogger } from '@libp2p/logger'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Ledger } from '../../node/ledger/ledger.ts'
import { LedgerIndex } from '../../node/ledger/ledger-index.ts'
import { createRepositories } from '../../node/store/repositories.ts'
import { Store } from '../../node/store/store.ts'
import { rankBids } from '../../protocol/auction/auction.ts'
import { snapshotTime } from '../../protocol/auction/terms.ts'
import { toHex } from '../../protocol/codec/hash.ts'
import { REPUTATION } from '../../protocol/reputation/params.ts'
import { reputationView } from '../../protocol/reputation/view.ts'
import type { SignedAsk, SignedBid } from '../../protocol/task/messages.ts'
import { makeAsk, makeBid, makeKeys, type TestKey } from '../helpers/messages.ts'
import { entry } from './entries.ts'
import { makeRecord } from './fixtures.ts'

let keys: TestKey[]
let ask: SignedAsk
let bids: SignedBid[]
let T: number

beforeAll(async () => {
  keys = await makeKeys(6, 1000)
  ask = await makeAsk(keys[0]!, { createdAt: Date.now(), maxPrice: 1000n })
  bids = await Promise.all(
    keys.slice(1).map((k, i) => makeBid(k, ask, { price: BigInt(400 + 10 * (i % 2)) })),
  )
  T = snapshotTime(ask)
})

const ranking = (index: LedgerIndex) => {
  const view = reputationView(index.entriesIn({ lower: new Uint8Array(), upper: undefined }), {
    at: T,
    evaluator: ask.body.requester,
  })
  return rankBids(ask, bids, view.snapshot).map((r) => toHex(r.bidId))
}

describe('same snapshot, same winner (property)', () => {
  it('ranks the same bids the same way on ledgers that differ only after the snapshot time', () => {
    const who = () => fc.constantFrom(...keys.map((k) => k.peerId))
    const rec = fc.record({
      requester: who(),
      prover: who(),
      verdict: fc.constantFrom('valid' as const, 'invalid' as const, 'timeout' as const),
      age: fc.integer({ min: -REPUTATION.snapshotLagMs, max: 30 * 24 * 3600_000 }),
      quality: fc.nat({ max: 1_000_000 }),
    })
    fc.assert(
      fc.property(
        fc.array(rec, { maxLength: 25 }),
        fc.array(rec, { maxLength: 8 }),
        fc.array(rec, { maxLength: 8 }),
        (old, onlyA, onlyB) => {
          // Records up to T are settled everywhere; the rest are still spreading, some here, some there.
          const settled = old.map((r) => entry({ ...r, createdAt: T - Math.max(0, r.age) }))
          const recent = (rs: typeof old) =>
            rs.map((r) => entry({ ...r, createdAt: T + 1 + Math.abs(r.age) }))
          const a = new LedgerIndex()
          const b = new LedgerIndex()
          for (const e of [...settled, ...recent(onlyA)]) a.add(e)
          for (const e of [...recent(onlyB), ...[...settled].reverse()]) b.add({ ...e })
          expect(toHex(a.snapshotRoot(T).root)).toBe(toHex(b.snapshotRoot(T).root))
          expect(ranking(b)).toEqual(ranking(a))
        },
      ),
    )
  })
})

describe('Ledger.auctionSnapshot', () => {
  const dirs: string[] = []
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
  })

  const ledgerWith = async (records: Parameters<Ledger['applyMany']>[0]) => {
    const dir = await mkdtemp(join(tmpdir(), 'zkp-snap-'))
    dirs.push(dir)
    const store = new Store(join(dir, 'db'))
    await store.open()
    const ledger = new Ledger({
      store,
      repos: createRepositories(store),
      log: defaultLogger().forComponent('t'),
    })
    await ledger.applyMany(records)
    return { store, ledger }
  }

  it('names the same root and ranking on two nodes when one already holds newer records', async () => {
    const [r, p, q] = [keys[1]!, keys[2]!, keys[3]!]
    const circuitId = ask.body.circuitId
    // Timeouts need no proof to judge, so both ledgers are final at once.
    const old = await makeRecord({ requester: r, prover: p, circuitId, at: T - 3_600_000 })
    const newer = await makeRecord({ requester: r, prover: q, circuitId, at: T + 1_000 })
    const a = await ledgerWith([old])
    const b = await ledgerWith([newer, old])
    expect(toHex(a.ledger.root())).not.toBe(toHex(b.ledger.root()))
    const sa = await a.ledger.auctionSnapshot(ask)
    const sb = await b.ledger.auctionSnapshot(ask)
    expect(sa.at).toBe(T)
    expect(toHex(sb.root)).toBe(toHex(sa.root))
    expect(sb.count).toBe(1)
    expect(rankBids(ask, bids, sb.reputation).map((x) => toHex(x.bidId))).toEqual(
      rankBids(ask, bids, sa.reputation).map((x) => toHex(x.bidId)),
    )
    await a.store.close()
    await b.store.close()
  })
})
