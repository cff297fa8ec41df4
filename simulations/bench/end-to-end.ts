import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { WitnessCalculatorBuilder } from 'circom_runtime'
import * as snarkjs from 'snarkjs'
import type { ZkpNode } from '../../node/node.ts'
import type { TaskRecord } from '../../node/task/task-record.ts'
import { LocalNetwork } from '../local-network.ts'

export interface EndToEndOptions {
  /** Circuit build directory (circuits/build/<name>) and its input file. */
  circuitDir: string
  inputFile: string
  runs: number
  bidWindowMs: number
  provers: number
}

export interface EndToEndReport {
  circuit: string
  runs: number
  rawMs: number[]
  /** The same proof path the prover runs: witness generator kept compiled, then groth16.prove, then verify. */
  rawCachedMs: number[]
  windowedMs: number[]
  earlyCloseMs: number[]
  bidWindowMs: number
  /** Per-task phase times of the early-close runs: ask→award, award→delivered, delivered→completed. */
  phases: Array<{ awardMs: number; proveAndDeliverMs: number; verifyMs: number; provingMs: number }>
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/** Runs one task and resolves with its record when it ends. */
function runTask(
  requester: ZkpNode,
  submit: () => Promise<string>,
): Promise<{ ms: number; task: TaskRecord }> {
  return new Promise((resolve, reject) => {
    let id: string | undefined
    const seen = new Map<string, TaskRecord>()
    const started = performance.now()
    const onTask = (t: TaskRecord) => {
      if (id === undefined) {
        seen.set(t.taskId, t)
        return
      }
      if (t.taskId !== id || (t.state !== 'completed' && t.state !== 'failed')) return
      requester.events.off('task', onTask)
      if (t.state === 'failed') reject(new Error(`task failed: ${t.reason}`))
      else resolve({ ms: performance.now() - started, task: t })
    }
    requester.events.on('task', onTask)
    submit().then((taskId) => {
      id = taskId
      const early = seen.get(taskId)
      if (early !== undefined) onTask(early)
    }, reject)
  })
}

/**
 * End-to-end time, submit to verified proof, against raw snarkjs fullProve + verify of the same circuit in the
 * same process. Runs alternate (raw, windowed task, early-close task) so drift in the machine hits all alike.
 * Real proofs throughout: no simulated prover.
 */
export async function benchEndToEnd(o: EndToEndOptions): Promise<EndToEndReport> {
  const info = JSON.parse(await readFile(join(o.circuitDir, 'info.json'), 'utf8')) as {
    name: string
    files: { wasm: string; zkey: string; vkey: string }
  }
  const input = JSON.parse(await readFile(o.inputFile, 'utf8')) as Record<string, string>
  const wasm = join(o.circuitDir, info.files.wasm)
  const zkey = join(o.circuitDir, info.files.zkey)
  const vkey = JSON.parse(await readFile(join(o.circuitDir, info.files.vkey), 'utf8'))
  const raw = async (): Promise<number> => {
    const t = performance.now()
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(input, wasm, zkey)
    if (!(await snarkjs.groth16.verify(vkey, publicSignals, proof)))
      throw new Error('raw proof did not verify')
    return performance.now() - t
  }
  const wc = await WitnessCalculatorBuilder(await readFile(wasm))
  const rawCached = async (): Promise<number> => {
    const t = performance.now()
    const wtns = await wc.calculateWTNSBin(input, true)
    const { proof, publicSignals } = await snarkjs.groth16.prove(zkey, { type: 'mem', data: wtns })
    if (!(await snarkjs.groth16.verify(vkey, publicSignals, proof)))
      throw new Error('raw proof did not verify')
    return performance.now() - t
  }

  const specs = [{ roles: ['requester' as const] }]
  for (let i = 0; i < o.provers; i++)
    specs.push({ roles: ['prover'] as never, prover: { price: BigInt(50 + 10 * i) } } as never)
  const net = await LocalNetwork.create(specs)
  try {
    const requester = net.node(0)
    const circuitId = await requester.addCircuit(o.circuitDir)
    const inputBytes = new TextEncoder().encode(JSON.stringify(input))
    const submit = (bidWindowMs: number, closeAfterBids: number) => () =>
      requester.submit({
        circuitId,
        input: inputBytes,
        maxPrice: 1000n,
        bidWindowMs,
        provingDeadlineMs: 120_000,
        closeAfterBids,
      })

    // Warm-up: provers fetch and cache the circuit, workers load it, estimates are learned; snarkjs builds its curve.
    await raw()
    for (let i = 0; i < o.provers; i++) await runTask(requester, submit(o.bidWindowMs, 0))

    const report: EndToEndReport = {
      circuit: info.name,
      runs: o.runs,
      rawMs: [],
      rawCachedMs: [],
      windowedMs: [],
      earlyCloseMs: [],
      bidWindowMs: o.bidWindowMs,
      phases: [],
    }
    for (let i = 0; i < o.runs; i++) {
      report.rawMs.push(await raw())
      report.rawCachedMs.push(await rawCached())
      report.windowedMs.push((await runTask(requester, submit(o.bidWindowMs, 0))).ms)
      // The same task, but the window closes as soon as every prover has bid.
      const early = await runTask(requester, submit(60_000, o.provers))
      report.earlyCloseMs.push(early.ms)
      const at = (kind: string) => early.task.events.find((e) => e.kind === kind)?.at ?? Number.NaN
      report.phases.push({
        awardMs: at('awarded') - at('asked'),
        proveAndDeliverMs: at('delivered') - at('awarded'),
        verifyMs: at('completed') - at('delivered'),
        provingMs: early.task.proof?.provingMs ?? Number.NaN,
      })
    }
    return report
  } finally {
    await net.stop()
  }
}
