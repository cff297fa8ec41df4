import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultLogger } from '@libp2p/logger'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VerifierProcess } from '../../node/ledger/groth16/process.ts'
import { Ledger } from '../../node/ledger/ledger.ts'
import { LedgerIndex } from '../../node/ledger/ledger-index.ts'
import { RecordVerifier } from '../../node/ledger/verifier.ts'
import { createRepositories } from '../../node/store/repositories.ts'
import { Store } from '../../node/store/store.ts'
import { toHex } from '../../protocol/codec/hash.ts'
import { reputationView } from '../../protocol/reputation/view.ts'
import { Result, type SignedResult } from '../../protocol/task/messages.ts'
import { makeKeys, type TestKey } from '../helpers/messages.ts'
import { entry, NOW } from './entries.ts'
import { broken, makeRecord, realProofs, tinyCircuit } from './fixtures.ts'

const log = defaultLogger().forComponent('test:ledger')

describe('the ledger index is a grow-only set (property)', () => {
  const pool = Array.from({ length: 12 }, (_, i) =>
    entry({
      requester: `R${i % 3}`,
      prover: `P${i % 4}`,
      verdict: (['valid', 'invalid', 'timeout'] as const)[i % 3],
      createdAt: NOW - (i % 5) * 1000,
      task: `t${i % 7}`,
      round: i % 2,
    }),
  )
  const picks = fc.array(fc.nat({ max: pool.length - 1 }), { maxLength: 30 })

  it('reaches the same root and figures whatever the order, and adding again changes nothing', () => {
    fc.assert(
      fc.property(picks, fc.infiniteStream(fc.nat()), (ids, noise) => {
        const a = new LedgerIndex()
        for (const i of ids) a.add({ ...pool[i]! })
        const shuffled = [...ids, ...ids]
          .map((i) => [noise.next().value, i] as const)
          .sort((x, y) => x[0] - y[0])
        const b = new LedgerIndex()
        for (const [, i] of shuffled) b.add({ ...pool[i]! })
        expect(b.size).toBe(new Set(ids).size)
        expect(toHex(b.root())).toBe(toHex(a.root()))
        expect(b.entriesIn().map((e) => e.idHex)).toEqual(a.entriesIn().map((e) => e.idHex))
        const va = reputationView(a.all(), { at: NOW })
        const vb = reputationView(b.all(), { at: NOW, evaluator: undefined })
        for (const p of ['P0', 'P1', 'P2', 'P3']) expect(vb.figures(p)).toEqual(va.figures(p))
      }),
    )
  })
})

describe('the ledger on LevelDB', () => {
  let dirs: string[] = []
  let records: SignedResult[]
  let checker: VerifierProcess
  let verifier: RecordVerifier

  const open = async (dir: string) => {
    const store = new Store(join(dir, 'db'))
    await store.open()
    const ledger = new Ledger({ store, repos: createRepositories(store), verifier, log })
    await ledger.load()
    ledger.start()
    return { store, ledger }
  }
  const fresh = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zkp-ledger-'))
    dirs.push(dir)
    return dir
  }
  const settle = async (ledger: Ledger) => {
    await ledger.settled(
      [...ledger.keys.all()].map((e) => e.idHex),
      30_000,
    )
    expect(ledger.pending).toBe(0)
  }
  const state = (ledger: Ledger) => ({
    root: toHex(ledger.root()),
    size: ledger.size,
    statuses: [...ledger.keys.all()].map((e) => `${e.idHex}:${e.status}`).sort(),
    figures: ['A', 'B', 'C'].map((k) => ledger.view({ at: Date.now() }).figures(k)),
  })

  beforeAll(async () => {
    const [r1, r2, p1, p2] = (await makeKeys(4, 900)) as TestKey[]
    const proofs = await realProofs(2)
    const tiny = await tinyCircuit()
    checker = new VerifierProcess(log)
    verifier = new RecordVerifier({ artifacts: tiny.artifacts, checker, log })
    const c = tiny.circuitId
    records = [
      await makeRecord({ requester: r1!, prover: p1!, circuitId: c, proof: proofs[0]! }),
      await makeRecord({
        requester: r1!,
        prover: p2!,
        circuitId: c,
        proof: broken(proofs[1]!),
        verdict: 'invalid',
      }),
      await makeRecord({ requester: r2!, prover: p1!, circuitId: c }),
      await makeRecord({ requester: r2!, prover: p2!, circuitId: c, proof: proofs[1]! }),
      // r2 lies: a proof that does not verify, judged valid.
      await makeRecord({ requester: r2!, prover: p1!, circuitId: c, proof: broken(proofs[0]!) }),
      await makeRecord({
        requester: r1!,
        prover: p2!,
        circuitId: c,
        proof: proofs[0]!,
        verdict: 'invalid',
        commit: null,
      }),
    ]
  })

  afterAll(async () => {
    await checker?.stop()
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
    dirs = []
  })

  it('ends in the same state whatever order and batching records arrive in (property)', async () => {
    const ref = await open(await fresh())
    await ref.ledger.applyMany(records)
    await settle(ref.ledger)
    const expected = state(ref.ledger)
    ref.ledger.stop()
    await ref.store.close()
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(records, { minLength: records.length }),
        fc.array(fc.nat({ max: records.length - 1 }), { maxLength: 6 }),
        fc.nat({ max: 3 }),
        async (order, replays, batch) => {
          const { store, ledger } = await open(await fresh())
          const all = [...order, ...replays.map((i) => records[i]!)]
          for (let i = 0; i < all.length; i += batch + 1) await ledger.applyMany(all.slice(i, i + batch + 1))
          await settle(ledger)
          expect(state(ledger)).toEqual(expected)
          ledger.stop()
          await store.close()
        },
      ),
      { numRuns: 8 },
    )
  })

  it('re-verifies each record and keeps what it found', async () => {
    const { store, ledger } = await open(await fresh())
    await ledger.applyMany(records)
    await settle(ledger)
    const statuses = records.map((r) => ledger.entry(toHex(Result.id(r)))!.entry.status)
    expect(statuses).toEqual(['confirmed', 'confirmed', 'unproven', 'confirmed', 'contradicted', 'unproven'])
    expect(ledger.view().liars).toEqual(new Set([records[4]!.body.requester]))
    ledger.stop()
    await store.close()
  })

  it('survives a restart: same root, statuses kept, nothing to re-verify', async () => {
    const dir = await fresh()
    const first = await open(dir)
    await first.ledger.applyMany(records)
    await settle(first.ledger)
    const before = state(first.ledger)
    first.ledger.stop()
    await first.store.close()
    const again = await open(dir)
    expect(again.ledger.pending).toBe(0)
    expect(state(again.ledger)).toEqual(before)
    expect(await again.ledger.apply(records[0]!)).toBe(false)
    again.ledger.stop()
    await again.store.close()
  })
})
