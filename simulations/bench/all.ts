import '../../node/polyfill.ts'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { toJson } from '../report/write.ts'
import { benchEndToEnd, median } from './end-to-end.ts'
import { benchBatch, benchScale, benchSettle } from './market.ts'

/**
 * Every benchmark, one table: measured value beside its goal, met or not, and how each was measured.
 *   npm run bench:all -- [--only e2e,settle,scale,batch] [--tasks 1000] [--json out.json]
 * Proving figures are ratios against raw snarkjs measured in the same run; the scale run uses simulated
 * provers (and says so); the batch run uses real proofs.
 */
const { values } = parseArgs({
  options: {
    only: { type: 'string', default: 'e2e,settle,scale,batch' },
    tasks: { type: 'string', default: '1000' },
    'batch-n': { type: 'string', default: '8' },
    'batch-k': { type: 'string', default: '2' },
    'batch-circuit': { type: 'string', default: 'poseidon-chain' },
    'e2e-runs': { type: 'string', default: '3' },
    json: { type: 'string' },
  },
})
const root = join(import.meta.dirname, '..', '..')
const paths = {
  buildDir: join(root, 'circuits', 'build'),
  inputsDir: join(root, 'circuits', 'inputs'),
  scenariosDir: join(root, 'simulations', 'scenarios'),
}
const only = new Set(values.only.split(','))
const int = (name: string, v: string) => {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1 || n > 100_000) {
    console.error(`error: --${name} must be an integer 1..100000`)
    process.exit(2)
  }
  return n
}
const tasks = int('tasks', values.tasks)
const n = int('batch-n', values['batch-n'])
const k = int('batch-k', values['batch-k'])

type Row = { bench: string; measured: string; goal: string; met: string; how: string }
const rows: Row[] = []
const raw: Record<string, unknown> = {}
const yes = (ok: boolean) => (ok ? 'yes' : 'NO')
const log = (s: string) => console.error(`[bench] ${s}`)

if (only.has('e2e')) {
  log('end to end vs raw snarkjs (real proofs)')
  const runs = int('e2e-runs', values['e2e-runs'])
  const r = await benchEndToEnd({
    circuitDir: join(paths.buildDir, 'poseidon-chain'),
    inputFile: join(paths.inputsDir, 'poseidon-chain.json'),
    runs,
    bidWindowMs: 1000,
    provers: 2,
  })
  const rawMs = median(r.rawMs)
  const minusWindow = median(r.windowedMs) - r.bidWindowMs
  const early = median(r.earlyCloseMs)
  raw.e2e = r
  rows.push({
    bench: 'end to end ÷ raw snarkjs (poseidon-chain, window excluded)',
    measured: `${(minusWindow / rawMs).toFixed(3)} (early close ${(early / rawMs).toFixed(3)})`,
    goal: '≤ 1.05',
    met: yes(minusWindow / rawMs <= 1.05),
    how: `median of ${runs}: submit→verified minus the 1000 ms window, ÷ snarkjs fullProve+verify in-process (${rawMs.toFixed(0)} ms)`,
  })
}
if (only.has('settle')) {
  log('auction settle time at 20 nodes (simulated provers)')
  const r = await benchSettle(paths)
  raw.settle = { settle: r.settle, latency: r.latency, outcomes: r.outcomes, mode: r.mode }
  rows.push({
    bench: 'auction settle, 20 nodes (ask → award known by winner, minus window)',
    measured: `p50 ${r.settle.p50} ms, p90 ${r.settle.p90} ms (${r.settle.count} tasks)`,
    goal: 'p50 ≤ 100 ms',
    met: yes(r.settle.p50 <= 100),
    how: 'simulated provers; 1000 ms window; winner’s job turns awarded (journaled) minus ask createdAt minus window',
  })
}
if (only.has('scale')) {
  log(`100 nodes, ${tasks} tasks (simulated provers) — several minutes`)
  const r = await benchScale(paths, tasks)
  const done = r.tasks.filter((t) => t.state === 'completed').length
  const share = done / Math.max(1, r.tasks.length)
  raw.scale = {
    latency: r.latency,
    settle: r.settle,
    messages: r.messages,
    resources: r.resources,
    outcomes: r.outcomes,
    cut: r.cut,
    mode: r.mode,
    unhandled: r.unhandled,
  }
  rows.push({
    bench: `100 nodes, ${tasks} tasks, simulated provers: completion`,
    measured: `${(100 * share).toFixed(2)}% (${done}/${r.tasks.length})`,
    goal: '≥ 99.9%',
    met: yes(share >= 0.999),
    how: `scale-100 scenario; peak RSS ${r.resources.peakRssMb} MB, CPU ${(r.resources.cpuMs / 1000).toFixed(0)} s, load phase ${(r.resources.loadMs / 1000).toFixed(0)} s`,
  })
  rows.push({
    bench: '100 nodes: latency submit → verified',
    measured: `p50 ${r.latency.p50} / p90 ${r.latency.p90} / p99 ${r.latency.p99} / max ${r.latency.max} ms`,
    goal: '(reported)',
    met: '-',
    how: `${r.messages.perTask.toFixed(0)} gossip deliveries per task; proving lognormal median 500 ms, bid window 4000 ms, a task every 2.5 s on average`,
  })
}
if (only.has('batch')) {
  log(`batch: ${n} tasks at once on ${k} provers, real proofs`)
  const r = await benchBatch(paths, values['batch-circuit'], n, k)
  raw.batch = r
  rows.push({
    bench: `batch of ${n} on ${k} provers vs ${n}/${k} single proofs (${r.circuit}, real)`,
    measured: `efficiency ${r.efficiency.toFixed(3)}`,
    goal: '≥ 0.8',
    met: yes(r.efficiency >= 0.8),
    how: `(${n}/${k} × single ${r.singleMs} ms) ÷ makespan ${r.makespanMs} ms; awards per prover ${Object.values(r.perProver).join('/')}; ${r.threadsPerProver} thread(s) per prover`,
  })
}

console.log('\n| benchmark | measured | goal | met | how |\n|---|---|---|---|---|')
for (const r of rows) console.log(`| ${r.bench} | ${r.measured} | ${r.goal} | ${r.met} | ${r.how} |`)
if (values.json !== undefined) await writeFile(values.json, toJson(raw))
await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate()
