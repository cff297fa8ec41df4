/**
 * Child process that runs snarkjs. It is a separate process (not a worker thread) because snarkjs in a
 * worker_threads Worker fails with default options, and a process lets snarkjs use its own thread pool while
 * the node's event loop stays free. One request at a time; the parent queues.
 */
import { buildBn128 } from 'ffjavascript'
import * as snarkjs from 'snarkjs'
import type { WorkerReply, WorkerRequest } from './messages.ts'

const send = (reply: WorkerReply): void => {
  process.send?.(reply)
}

async function handle(req: WorkerRequest): Promise<WorkerReply> {
  const started = performance.now()
  if (req.op === 'prove') {
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(req.input, req.wasmPath, req.zkeyPath)
    return {
      id: req.id,
      ok: true,
      op: 'prove',
      proof,
      publicSignals,
      ms: Math.round(performance.now() - started),
    }
  }
  if (req.op === 'witness') {
    // The public signals are witness[1 .. nPublic]: outputs, then public inputs (witness[0] is the constant 1).
    const wtns = { type: 'mem' as const }
    await snarkjs.wtns.calculate(req.input, req.wasmPath, wtns)
    const witness = await snarkjs.wtns.exportJson(wtns)
    const publicSignals = witness.slice(1, 1 + req.nPublic).map((v) => v.toString())
    return { id: req.id, ok: true, op: 'witness', publicSignals, ms: Math.round(performance.now() - started) }
  }
  const valid = await snarkjs.groth16.verify(req.vkey, req.publicSignals, req.proof)
  return { id: req.id, ok: true, op: 'verify', valid, ms: Math.round(performance.now() - started) }
}

process.on('message', (req: WorkerRequest) => {
  handle(req).then(send, (err: unknown) => {
    send({ id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) })
  })
})

process.on('disconnect', () => {
  process.exit(0)
})

// Build the curve (and its thread pool) now, so the first proof does not pay for it.
await buildBn128()
send({ id: 0, ok: true, op: 'ready' })
