import '../../node/polyfill.ts'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { defaultLogger } from '@libp2p/logger'
import { ArtifactStore } from '../../node/artifacts/artifact-store.ts'
import { VerifierProcess } from '../../node/ledger/groth16/process.ts'
import { Ledger } from '../../node/ledger/ledger.ts'
import { RecordVerifier } from '../../node/ledger/verifier.ts'
import { ZkpNode } from '../../node/node.ts'
import { createRepositories } from '../../node/store/repositories.ts'
import { Store } from '../../node/store/store.ts'
import { toHex } from '../../protocol/codec/hash.ts'
import { validateRecord } from '../../protocol/reputation/record.ts'
import { Result, type SignedResult } from '../../protocol/task/messages.ts'
import { waitFor } from '../local-network.ts'
import { identities, proofs, record } from './ledger-records.ts'

/**
 * The ledger's costs, with real parts: real tiny-circuit Groth16 proofs, real signatures, LevelDB, and two
 * real nodes over TCP on 127.0.0.1. Usage: npm run bench:ledger -- [--records 10000] [--proofs 40]
 *   1. one record, admitted (validateRecord), applied (LevelDB) and re-verified (Groth16, child process),
 *      each record with a distinct proof, so nothing is served from the verdict cache (goal ≤ 10 ms);
 *   2. a new node syncing --records records from a peer over /zkp/ledger-sync/1.0.0, every record checked
 *      (goal ≤ 5 s); then the time until it has re-verified all of them.
 */
const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '10000' },
    proofs: { type: 'string', default: '40' },
    'circuits-dir': { type: 'string' },
  },
})
const nRecords = Number(values.records)
const nProofs = Number(values.proofs)
for (const [name, v, max] of [
  ['--records', nRecords, 1_000_000],
  ['--proofs', nProofs, 1_000],
] as const) {
  if (!Number.isInteger(v) || v < 1 || v > max) {
    console.error(`error: ${name} must be an integer 1..${max}`)
    process.exit(2)
  }
}
const tiny = join(
  values['circuits-dir'] ?? join(import.meta.dirname, '..', '..', 'circuits', 'build'),
  'tiny',
)
const root = await mkdtemp(join(tmpdir(), 'zkp-bench-ledger-'))
const log = defaultLogger().forComponent('bench:ledger')
const ms = (a: number, b: number) => b - a
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!

try {
  console.log(`generating ${nProofs} real proofs of ${tiny} ...`)
  const pool = await proofs(tiny, nProofs)
  const artifacts = new ArtifactStore(join(root, 'artifacts'))
  await artifacts.init()
  const { circuitId } = await artifacts.importCircuit(tiny)
  const [requester, prover, ...others] = await identities(6)
  const t0 = Date.now() - 24 * 3600_000

  // --- 1. one record: admit, apply, re-verify --------------------------------------------------------------
  const store = new Store(join(root, 'single'))
  await store.open()
  const checker = new VerifierProcess(log)
  const ledger = new Ledger({
    store,
    repos: createRepositories(store),
    log,
    verifier: new RecordVerifier({ artifacts, checker, log }),
  })
  await ledger.load()
  ledger.start()
  const single = await Promise.all(
    pool.map((p, i) => record(requester!, prover!, circuitId, p, t0 + i * 10_000)),
  )
  // Warm up: the verifier's child process, its curve and the key (once per node and circuit).
  const warmup = await record(requester!, prover!, circuitId, pool[0]!, t0 - 10_000)
  await ledger.apply(warmup)
  await ledger.settled([toHex(Result.id(warmup))], 60_000)
  const admit: number[] = []
  const total: number[] = []
  for (const r of single) {
    const a = performance.now()
    const verdict = await validateRecord(r, { network: 'devnet', now: Date.now() })
    if (verdict.result !== 'accept') throw new Error(`bench record rejected: ${JSON.stringify(verdict)}`)
    const b = performance.now()
    await ledger.apply(r)
    await ledger.settled([toHex(Result.id(r))], 60_000)
    const c = performance.now()
    admit.push(b - a)
    total.push(c - a)
  }
  if (ledger.pending !== 0) throw new Error('records left unverified')
  ledger.stop()
  await checker.stop()
  await store.close()

  // --- 2. a new node syncs nRecords records ----------------------------------------------------------------
  console.log(`signing ${nRecords} records ...`)
  const g0 = Date.now()
  const requesters = [requester!, ...others.slice(0, 2)]
  const provers = [prover!, ...others.slice(2)]
  const records: SignedResult[] = []
  for (let i = 0; i < nRecords; i++) {
    records.push(
      await record(requesters[i % 3]!, provers[i % 3]!, circuitId, pool[i % pool.length]!, t0 + i * 5),
    )
  }
  const genMs = Date.now() - g0
  const a = new ZkpNode(
    { roles: ['requester'], localNetwork: true, dataDir: join(root, 'a') },
    { ledgerSync: { intervalMs: 0 } },
  )
  await a.start()
  await a.addCircuit(tiny)
  for (let i = 0; i < records.length; i += 1000) await a.ledger.applyMany(records.slice(i, i + 1000))
  const v0 = Date.now()
  await waitFor(() => a.ledger.pending === 0, 'the source node re-verified its records', 600_000)
  const sourceVerifyMs = Date.now() - v0
  const b = new ZkpNode(
    {
      roles: ['requester'],
      localNetwork: true,
      dataDir: join(root, 'b'),
      bootstrap: [a.multiaddrs[0]!.toString()],
    },
    { ledgerSync: { intervalMs: 0 } },
  )
  const s0 = Date.now()
  const cpu0 = process.cpuUsage()
  await b.start()
  const started = Date.now()
  await waitFor(() => toHex(b.ledger.root()) === toHex(a.ledger.root()), 'the new node synced', 600_000)
  const synced = Date.now()
  const cpu = process.cpuUsage(cpu0)
  const cpuMs = (cpu.user + cpu.system) / 1000
  await waitFor(() => b.ledger.pending === 0, 'the new node re-verified', 600_000)
  const verified = Date.now()
  const session = b.ledgerSync.reports.find((r) => r.added > 0)
  await b.stop()
  await a.stop()

  const rows: Array<[string, number]> = [
    [`one record: admit + apply + re-verify, median of ${single.length}`, pct(total, 0.5)],
    ['one record: same, p95', pct(total, 0.95)],
    ['one record: admission checks alone (result + delivery signatures), median', pct(admit, 0.5)],
    [`sync ${nRecords} records: node start → same root`, ms(s0, synced)],
    [`sync ${nRecords} records: the sync session itself`, session?.ms ?? Number.NaN],
    [`sync ${nRecords} records: node start → all re-verified`, ms(s0, verified)],
    [`sync: CPU time of both nodes (all threads) until the same root`, cpuMs],
    ['sync: CPU time per record', cpuMs / nRecords],
  ]
  const w = Math.max(...rows.map(([k]) => k.length))
  console.log('\nLedger benchmark (tiny circuit, real proofs and signatures, LevelDB, TCP on 127.0.0.1)\n')
  console.log(`| ${'measure'.padEnd(w)} |        value |`)
  console.log(`|${'-'.repeat(w + 2)}|--------------|`)
  for (const [k, v] of rows) console.log(`| ${k.padEnd(w)} | ${v.toFixed(2).padStart(9)} ms |`)
  console.log(
    `\nsync session: ${session?.requests} requests, ${session?.fetched} records fetched and checked; node start took` +
      ` ${ms(s0, started)} ms. The ${nRecords} records carry ${pool.length} distinct proofs, so re-verification` +
      `\nafter the sync is mostly the verdict cache; with distinct proofs it costs about the per-record figure` +
      `\nabove, per record. Source node: ${genMs} ms to sign the records, ${sourceVerifyMs} ms to re-verify them.` +
      `\ngoals: one record ≤ 10 ms; sync of 10 000 records ≤ 5 s`,
  )
} finally {
  await rm(root, { recursive: true, force: true })
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate()
}
