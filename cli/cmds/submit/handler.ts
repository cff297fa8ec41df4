import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { toHex } from '../../../protocol/codec/hash.ts'
import { LIMITS } from '../../../protocol/constants.ts'
import { UsageError } from '../../util/args.ts'
import { readCircuit } from '../../util/circuit.ts'
import { connect } from '../../util/connect.ts'
import { followBatch, followTask, type TaskView } from './follow.ts'

export interface SubmitOptions {
  circuit: string
  /** One input file, or several for a batch. */
  input: string[]
  maxPrice: bigint
  bidWindow: number
  deadline: number
  closeAfterBids: number
  startPrice?: bigint
  maxAsks?: number
  raise?: number
  node?: string
  token?: string
  dataDir?: string
  out: string
  timeout?: number
}

const out = (line: string) => process.stdout.write(`${line}\n`)

async function readInput(path: string): Promise<Record<string, unknown>> {
  if ((await stat(path)).size > LIMITS.inputBytes)
    throw new UsageError(`--input: ${path} is larger than ${LIMITS.inputBytes} bytes`)
  let parsed: unknown
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'))
  } catch {
    throw new UsageError(`--input: ${path} is not valid JSON`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`--input: ${path} must hold a JSON object`)
  }
  return parsed as Record<string, unknown>
}

/** `zkp-node submit`: 0 when every verified proof is saved, 1 when a task fails or times out. */
export async function submitTask(opts: SubmitOptions): Promise<number> {
  if (opts.input.length > LIMITS.batchSize) {
    throw new UsageError(`--input: at most ${LIMITS.batchSize} inputs in one batch, got ${opts.input.length}`)
  }
  const inputs = await Promise.all(opts.input.map(readInput))
  const client = await connect(opts)
  const circuit = await readCircuit(opts.circuit)
  const started = Date.now()

  // Upload only what the node lacks: a zkey can be hundreds of MiB.
  for (const a of circuit.artifacts) {
    const path = `/v1/artifacts/${a.cid}`
    if ((await client.head(path)) === 200) {
      out(`artifact ${a.role} ${a.cid} already held`)
      continue
    }
    await client.putFile(path, a.path, a.size)
    out(`artifact ${a.role} ${a.cid} uploaded (${a.size} bytes)`)
  }
  const { circuitId } = await client.json<{ circuitId: string }>('POST', '/v1/circuits', {
    manifest: toHex(circuit.manifestBytes),
  })
  out(`circuit  ${circuit.manifest.name} ${circuitId}`)
  const vkey = circuit.artifacts.find((a) => a.role === 'vkey')!
  const terms = {
    circuitId,
    maxPrice: opts.maxPrice.toString(),
    bidWindowMs: opts.bidWindow,
    provingDeadlineMs: opts.deadline,
    closeAfterBids: opts.closeAfterBids,
    ...(opts.startPrice !== undefined ? { startPrice: opts.startPrice.toString() } : {}),
    ...(opts.maxAsks !== undefined ? { maxAsks: opts.maxAsks } : {}),
    ...(opts.raise !== undefined ? { raisePercent: opts.raise } : {}),
  }
  const timeoutMs = opts.timeout ?? opts.bidWindow + opts.deadline + 60_000
  if (inputs.length > 1) {
    const { batchId, taskIds } = await client.json<{ batchId: string; taskIds: string[] }>(
      'POST',
      '/v1/batches',
      { ...terms, inputs },
    )
    out(`batch    ${batchId} (${taskIds.length} tasks)`)
    const tasks = await followBatch(client, taskIds, { timeoutMs, print: out })
    let saved = 0
    for (const [i, task] of tasks.entries()) {
      if (task?.state !== 'completed' || task.proof === undefined) continue
      await writeProof(join(opts.out, String(i)), task, vkey.path)
      saved++
    }
    const secs = ((Date.now() - started) / 1000).toFixed(2)
    out(`${saved} of ${taskIds.length} verified proofs in ${secs} s; written to ${opts.out}/<n>/`)
    return saved === taskIds.length ? 0 : 1
  }
  const { taskId } = await client.json<{ taskId: string }>('POST', '/v1/tasks', {
    ...terms,
    input: inputs[0],
  })
  out(`task     ${taskId}`)
  const task = await followTask(client, taskId, { timeoutMs, print: out })
  if (task === undefined) {
    out(`timed out after ${timeoutMs} ms; the task goes on at the node: GET /v1/tasks/${taskId}`)
    return 1
  }
  if (task.state !== 'completed' || task.proof === undefined) {
    out(`failed: ${task.reason ?? 'no reason given'}`)
    return 1
  }
  await writeProof(opts.out, task, vkey.path)
  out(
    `verified proof by ${task.prover} in ${((Date.now() - started) / 1000).toFixed(2)} s; written to ${opts.out}/`,
  )
  return 0
}

/** The three files `snarkjs groth16 verify` reads, in its formats. */
async function writeProof(dir: string, task: TaskView, vkeyPath: string): Promise<void> {
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'proof.json'), `${JSON.stringify(task.proof!.proof, null, 1)}\n`)
  await writeFile(join(dir, 'public.json'), `${JSON.stringify(task.proof!.publicSignals, null, 1)}\n`)
  await copyFile(vkeyPath, join(dir, 'verification_key.json'))
}
