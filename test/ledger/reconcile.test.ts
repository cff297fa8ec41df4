import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Ledger } from '../../node/ledger/ledger.ts'
import { reconcile } from '../../node/ledger/reconcile.ts'
import type { SyncSession } from '../../node/ledger/sync-session.ts'
import { createRepositories } from '../../node/store/repositories.ts'
import { Store } from '../../node/store/store.ts'
import { decode, encode as encodeCbor } from '../../protocol/codec/cbor.ts'
import { toHex } from '../../protocol/codec/hash.ts'
import { parseWith } from '../../protocol/codec/schema.ts'
import { LEDGER_SYNC } from '../../protocol/ledger-sync/constants.ts'
import { FULL_RANGE, type KeyRange, recordKey } from '../../protocol/ledger-sync/keys.ts'
import { listKeys, partRanges, rest, summarize } from '../../protocol/ledger-sync/ranges.ts'
import { SyncRequest } from '../../protocol/ledger-sync/schema.ts'
import { Result, type SignedResult } from '../../protocol/task/messages.ts'
import { CIRCUIT_ID, makeKeys, NETWORK } from '../helpers/messages.ts'
import { makeRecord } from './fixtures.ts'

const keysOf = (n: number, t0 = 1000) =>
  Array.from({ length: n }, (_, i) =>
    recordKey(t0 + Math.floor(i / 3), new Uint8Array(32).fill(i % 251)),
  ).sort(Buffer.compare)

describe('range summaries', () => {
  it('tile the range they summarise, with counts that add up (property)', () => {
    fc.assert(
      fc.property(fc.nat({ max: 300 }), fc.integer({ min: 1, max: LEDGER_SYNC.maxParts }), (n, parts) => {
        const keys = keysOf(n)
        const summary = summarize(keys, FULL_RANGE, parts)
        expect(summary.length).toBeLessThanOrEqual(parts)
        expect(summary.reduce((s, p) => s + p.count, 0)).toBe(n)
        expect(summary.at(-1)!.upper).toBeNull()
        const ranges = partRanges(FULL_RANGE, summary)
        for (const [i, r] of ranges.entries()) expect(summarize(keys, r, 1)[0]!.count).toBe(summary[i]!.count)
      }),
    )
  })

  it('list keys in pages that resume where the last one ended', () => {
    const keys = keysOf(25)
    const seen: Uint8Array[] = []
    let r: KeyRange = FULL_RANGE
    for (;;) {
      const page = listKeys(keys, r, 10)
      seen.push(...page.keys)
      if (!page.more) break
      r = rest(r, page.keys.at(-1)!)
    }
    expect(seen.map(toHex)).toEqual(keys.map(toHex))
  })
})

describe('ledger sync messages have limits, and errors name them', () => {
  const parse = (v: unknown) => () =>
    parseWith(SyncRequest, decode(new Uint8Array(encodeCbor(v)), 65536), 'request')
  it.each([
    [{ type: 'summary', lower: new Uint8Array(), upper: null, parts: 17 }, /request\.parts: .*16/],
    [{ type: 'keys', lower: new Uint8Array(), upper: null, limit: 1025 }, /request\.limit: .*1024/],
    [{ type: 'keys', lower: new Uint8Array(42), upper: null, limit: 1 }, /request\.lower: .*41 bytes/],
    [{ type: 'records', ids: Array.from({ length: 257 }, () => new Uint8Array(32)) }, /request\.ids: .*256/],
    [{ type: 'records', ids: [new Uint8Array(31)] }, /request\.ids\.0: .*32 bytes/],
    [{ type: 'everything' }, /request\.type/],
  ])('%#: rejects an out-of-bounds request', (req, message) => {
    expect(parse(req)).toThrow(message)
  })
})

/** A stand-in for the network: answers a SyncSession's calls from another ledger, as the handler would. */
function sessionOver(remote: Ledger, stored: Map<string, Uint8Array>, calls: { n: number }): SyncSession {
  const fake = {
    peer: peerIdFromString('12D3KooWK99VoVxNE7XzyBwXEzW7xhK7Gpv85r9F3V3fyKSUKPH5'),
    get requestsLeft() {
      return 10_000 - calls.n
    },
    async summary(range: KeyRange, parts: number) {
      calls.n++
      return remote.keys.summarize(range, parts)
    },
    async keys(range: KeyRange, limit: number) {
      calls.n++
      return remote.keys.listKeys(range, limit)
    },
    async records(ids: Uint8Array[]) {
      calls.n++
      return ids.map((id) => stored.get(toHex(id))!).filter(Boolean)
    },
  }
  return fake as unknown as SyncSession
}

describe('reconcile', () => {
  const dirs: string[] = []
  let pool: SignedResult[]

  beforeAll(async () => {
    const [r, p, q] = await makeKeys(3, 1200)
    const at = Date.now() - 3_600_000
    pool = []
    for (let i = 0; i < 40; i++) {
      pool.push(
        await makeRecord({
          requester: r!,
          prover: i % 2 ? p! : q!,
          circuitId: CIRCUIT_ID,
          at: at + i * 7_000,
        }),
      )
    }
  })

  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
  })

  const ledger = async (records: SignedResult[]) => {
    const dir = await mkdtemp(join(tmpdir(), 'zkp-rec-'))
    dirs.push(dir)
    const store = new Store(join(dir, 'db'))
    await store.open()
    const l = new Ledger({ store, repos: createRepositories(store), log: defaultLogger().forComponent('t') })
    await l.applyMany(records)
    return { store, ledger: l }
  }

  it('pulls exactly what the other side has and this side lacks (property)', async () => {
    const subset = fc.subarray(pool.map((_, i) => i))
    await fc.assert(
      fc.asyncProperty(subset, subset, async (mine, theirs) => {
        const a = await ledger(mine.map((i) => pool[i]!))
        const b = await ledger(theirs.map((i) => pool[i]!))
        const stored = new Map(theirs.map((i) => [toHex(Result.id(pool[i]!)), Result.encode(pool[i]!)]))
        const calls = { n: 0 }
        const report = await reconcile(sessionOver(b.ledger, stored, calls), {
          ledger: a.ledger,
          network: NETWORK,
          now: Date.now,
        })
        const union = new Set([...mine, ...theirs])
        expect(a.ledger.size).toBe(union.size)
        expect(report.added).toBe(union.size - mine.length)
        expect(report.alreadyInSync).toBe(new Set(mine).size === union.size && theirs.length === mine.length)
        await a.store.close()
        await b.store.close()
      }),
      { numRuns: 12 },
    )
  })

  it('splits ranges when both sides hold many records, and fetches only the difference', async () => {
    const [r, p] = await makeKeys(2, 1300)
    const at = Date.now() - 7_200_000
    const many: SignedResult[] = []
    for (let i = 0; i < 600; i++)
      many.push(await makeRecord({ requester: r!, prover: p!, circuitId: CIRCUIT_ID, at: at + i }))
    const a = await ledger(many.filter((_, i) => i % 7 !== 0))
    const b = await ledger(many.filter((_, i) => i % 5 !== 0))
    const stored = new Map(many.map((x) => [toHex(Result.id(x)), Result.encode(x)]))
    const calls = { n: 0 }
    const report = await reconcile(sessionOver(b.ledger, stored, calls), {
      ledger: a.ledger,
      network: NETWORK,
      now: Date.now,
    })
    const expected = many.filter((_, i) => i % 7 !== 0 || i % 5 !== 0).length
    expect(a.ledger.size).toBe(expected)
    expect(report.fetched).toBe(many.filter((_, i) => i % 7 === 0 && i % 5 !== 0).length)
    // Far fewer requests than one per record: ranges were compared, split and listed.
    expect(calls.n).toBeLessThan(40)
    await a.store.close()
    await b.store.close()
  })

  it('ends the session on a forged record and keeps none of that batch', async () => {
    const a = await ledger([])
    const b = await ledger(pool.slice(0, 3))
    const stored = new Map(pool.slice(0, 3).map((r) => [toHex(Result.id(r)), Result.encode(r)]))
    // The remote answers the id of record 1 with a copy whose signature is not the requester's (same id).
    stored.set(toHex(Result.id(pool[1]!)), Result.encode({ ...pool[1]!, sig: new Uint8Array(64) }))
    await expect(
      reconcile(sessionOver(b.ledger, stored, { n: 0 }), {
        ledger: a.ledger,
        network: NETWORK,
        now: Date.now,
      }),
    ).rejects.toMatchObject({ code: 'MISBEHAVIOUR', message: expect.stringMatching(/BAD_SIGNATURE/) })
    expect(a.ledger.size).toBe(0)
    await a.store.close()
    await b.store.close()
  })

  it('refuses a record it did not ask for', async () => {
    const a = await ledger([])
    const b = await ledger(pool.slice(0, 2))
    const stored = new Map(pool.slice(0, 2).map((r, i) => [toHex(Result.id(r)), Result.encode(pool[5 + i]!)]))
    await expect(
      reconcile(sessionOver(b.ledger, stored, { n: 0 }), {
        ledger: a.ledger,
        network: NETWORK,
        now: Date.now,
      }),
    ).rejects.toMatchObject({ code: 'MISBEHAVIOUR', message: expect.stringMatching(/not requested/) })
    await a.store.close()
    await b.store.close()
  })
})
