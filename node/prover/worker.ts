/**
 * Child process that runs snarkjs. It is a separate process (not a worker thread) because snarkjs in a
 * worker_threads Worker fails with default options, and a process lets snarkjs use its own thread pool while
 * the node's event loop stays free. One request at a time; the parent queues.
 */
import { readFile } from 'node:fs/promises'
import os from 'node:os'
import { type WitnessCalculator, WitnessCalculatorBuilder } from 'circom_runtime'
import { buildBn128 } from 'ffjavascript'
import * as snarkjs from 'snarkjs'
import type { WorkerReply, WorkerRequest } from './messages.ts'

const send = (reply: WorkerReply): void => {
  process.send?.(reply)
}

/**
 * Compiled witness generators by wasm path. snarkjs's fullProve compiles the circuit's WebAssembly on every
 * call (100-400 ms for a 2^14 circuit); a prover that keeps it compiled pays that once. Artifacts are
 * content-addressed, so a path always names the same bytes.
 */
const calculators = new Map<string, Promise<WitnessCalculator>>()
const MAX_CALCULATORS = 8

function calculator(wasmPath: string): Promise<WitnessCalculator> {
  let wc = calculators.get(wasmPath)
  if (wc === undefined) {
    wc = readFile(wasmPath).then((wasm) => WitnessCalculatorBuilder(wasm))
    wc.catch(() => calculators.delete(wasmPath))
    calculators.set(wasmPath, wc)
    if (calculators.size > MAX_CALCULATORS) calculators.delete(calculators.keys().next().value!)
  }
  return wc
}

async function handle(req: WorkerRequest): Promise<WorkerReply> {
  const started = performance.now()
  const ms = () => Math.round(performance.now() - started)
  switch (req.op) {
    case 'prove': {
      // What groth16.fullProve does (witness, then prove), with the witness generator kept compiled.
      const wtns = await (await calculator(req.wasmPath)).calculateWTNSBin(req.input, true)
      const { proof, publicSignals } = await snarkjs.groth16.prove(req.zkeyPath, { type: 'mem', data: wtns })
      return { id: req.id, ok: true, op: 'prove', proof, publicSignals, ms: ms() }
    }
    case 'witness': {
      // The public signals are witness[1 .. nPublic]: outputs, then public inputs (witness[0] is the constant 1).
      const witness = await (await calculator(req.wasmPath)).calculateWitness(req.input, true)
      const publicSignals = witness.slice(1, 1 + req.nPublic).map((v) => v.toString())
      return { id: req.id, ok: true, op: 'witness', publicSignals, ms: ms() }
    }
    case 'verify': {
      const valid = await snarkjs.groth16.verify(req.vkey, req.publicSignals, req.proof)
      return { id: req.id, ok: true, op: 'verify', valid, ms: ms() }
    }
  }
}

process.on('message', (req: WorkerRequest) => {
  handle(req).then(send, (err: unknown) => {
    send({ id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) })
  })
})

process.on('disconnect', () => {
  process.exit(0)
})

/**
 * Builds the curve snarkjs will use, with at most `threads` threads (from the parent's `--threads=<n>`;
 * absent: every core), and returns how many it runs on. ffjavascript sizes its worker-thread pool from
 * os.cpus() when it builds the curve, so this process reports no more CPUs than the cap. One thread means the
 * single-threaded curve (no worker threads at all), cached where snarkjs's buildBn128() finds it.
 */
async function buildCurve(): Promise<number> {
  const arg = process.argv.find((a) => a.startsWith('--threads='))
  const threads = arg === undefined ? undefined : Number(arg.slice('--threads='.length))
  if (threads === 1) {
    const curve = await buildBn128(true)
    globalThis.curve_bn128 = curve
    return curve.tm.concurrency
  }
  if (threads !== undefined) {
    const cpus = os.cpus
    os.cpus = () => cpus().slice(0, threads)
  }
  return (await buildBn128()).tm.concurrency
}

// Build the curve (and its thread pool) now, so the first proof does not pay for it.
send({ id: 0, ok: true, op: 'ready', threads: await buildCurve() })
