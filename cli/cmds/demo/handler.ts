import { existsSync } from 'node:fs'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ProverJob } from '../../../node/task/prover-job.ts'
import type { TaskRecord } from '../../../node/task/task-record.ts'
import { ZkpError } from '../../../protocol/errors.ts'
import { UsageError } from '../../util/args.ts'
import { elapsed, shortPeer } from '../../util/print.ts'
import { type DemoNetwork, meshSize, startDemoNetwork } from './network.ts'
import { explainAuction, timings } from './report.ts'

export interface DemoOptions {
  provers: number
  circuit: string
  bidWindow: number
  deadline: number
  buildDir: string
  inputsDir: string
}

const out = (line = '') => process.stdout.write(`${line}\n`)
const MAX_PRICE = 1000n

/** Replaces peer ids in a line with their demo names, so lines read "to prover-1" rather than a hash. */
function named(text: string, labels: Map<string, string>): string {
  let s = text
  for (const [peer, label] of labels) s = s.replaceAll(peer, label)
  return s
}

/** `zkp-node demo`: 0 when the proof came back verified, 1 otherwise. */
export async function runDemo(opts: DemoOptions): Promise<number> {
  const circuitDir = join(opts.buildDir, opts.circuit)
  if (!existsSync(join(circuitDir, 'info.json'))) {
    throw new UsageError(`--circuit: ${circuitDir} is not built; run \`npm run circuits\` first`)
  }
  const inputPath = join(opts.inputsDir, `${opts.circuit}.json`)
  if (!existsSync(inputPath)) throw new UsageError(`--circuit: no sample input at ${inputPath}`)
  const input = await readFile(inputPath)

  const t0 = Date.now()
  // LocalNetwork removes this directory when it stops (and on a failed start).
  const demo: DemoNetwork = await startDemoNetwork(await mkdtemp(join(tmpdir(), 'zkp-demo-')), opts.provers)
  try {
    const { requester, provers, labels } = demo
    out(
      `zkp-node demo: 1 requester + ${provers.length} provers on 127.0.0.1, network ${requester.config.network}`,
    )
    out(`  requester  ${shortPeer(requester.peerId)}  ${requester.multiaddrs[0]?.toString() ?? ''}`)
    for (const p of provers) out(`  ${p.label.padEnd(9)}  ${shortPeer(p.node.peerId)}  price ${p.price}`)
    out(`network ready in ${Date.now() - t0} ms (requester's ask mesh: ${meshSize(requester)} peers)`)

    const circuitId = await requester.addCircuit(circuitDir)
    out(`circuit ${opts.circuit} ${circuitId}`)
    // Reputation as the auction will see it: this network is new, so nothing changes it before the award.
    const reputation = requester.ledger.snapshot()
    const ledgerSize = requester.ledger.size

    // One time line for every node: milliseconds since the ask was created.
    let origin = Date.now()
    const onJob = (label: string) => (j: ProverJob) =>
      out(
        `${elapsed(Date.now() - origin)} ${label.padEnd(9)} ${j.state}${j.reason === undefined ? '' : `: ${named(j.reason, labels)}`}`,
      )
    const jobListeners = provers.map((p) => [p, onJob(p.label)] as const)
    for (const [p, fn] of jobListeners) p.node.events.on('job', fn)
    let onTask: ((t: TaskRecord) => void) | undefined
    const final = new Promise<TaskRecord>((resolve) => {
      onTask = (t) => {
        origin = t.createdAt
        const e = t.events.at(-1)
        if (e !== undefined)
          out(`${elapsed(e.at - t.createdAt)} ${'requester'.padEnd(9)} ${e.kind}: ${named(e.detail, labels)}`)
        if (t.state === 'completed' || t.state === 'failed') resolve(t)
      }
      requester.events.on('task', onTask)
    })
    out()
    const taskId = await requester.submit({
      circuitId,
      input: new Uint8Array(input),
      maxPrice: MAX_PRICE,
      bidWindowMs: opts.bidWindow,
      provingDeadlineMs: opts.deadline,
      closeAfterBids: 0,
    })
    const limitMs = opts.bidWindow + opts.deadline * provers.length + 30_000
    const task = await Promise.race([
      final,
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new ZkpError('TIMEOUT', `task did not end within ${limitMs} ms`)),
          limitMs,
        ).unref(),
      ),
    ])
    for (const [p, fn] of jobListeners) p.node.events.off('job', fn)
    if (onTask !== undefined) requester.events.off('task', onTask)

    out()
    out(await explainAuction(requester, taskId, reputation, ledgerSize, labels))
    out()
    out(timings(task, opts.bidWindow))
    out()
    const verified = task.state === 'completed'
    out(
      verified
        ? `Result: proof by ${labels.get(task.prover ?? '') ?? task.prover} verified ✓`
        : `Result: failed: ${named(task.reason ?? '', labels)}`,
    )
    return verified ? 0 : 1
  } finally {
    await demo.net.stop()
  }
}
