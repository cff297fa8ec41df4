import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { toHex } from '../../../protocol/codec/hash.ts'
import { LIMITS } from '../../../protocol/constants.ts'
import { UsageError } from '../../util/args.ts'
import { readCircuit } from '../../util/circuit.ts'
import { connect } from '../../util/connect.ts'
import { followTask, type TaskView } from './follow.ts'

export interface SubmitOptions {
  circuit: string
  input: string
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
    throw new UsageError(`--input: larger than ${LIMITS.inputBytes} bytes`)
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

/** `zkp-node submit`: 0 when a verified proof is saved, 1 when the task fails or times out. */
export async function submitTask(opts: SubmitOptions): Promise<number> {
  const input = await readInput(opts.input)
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
  const { taskId } = await client.json<{ taskId: string }>('POST', '/v1/tasks', {
    circuitId,
    input,
    maxPrice: opts.maxPrice.toString(),
    bidWindowMs: opts.bidWindow,
    provingDeadlineMs: opts.deadline,
    closeAfterBids: opts.closeAfterBids,
    ...(opts.startPrice !== undefined ? { startPrice: opts.startPrice.toString() } : {}),
    ...(opts.maxAsks !== undefined ? { maxAsks: opts.maxAsks } : {}),
    ...(opts.raise !== undefined ? { raisePercent: opts.raise } : {}),
  })
  out(`task     ${taskId}`)

  const timeoutMs = opts.timeout ?? opts.bidWindow + opts.deadline + 60_000
  const task = await followTask(client, taskId, { timeoutMs, print: out })
  if (task === undefined) {
    out(`timed out after ${timeoutMs} ms; the task goes on at the node: GET /v1/tasks/${taskId}`)
    return 1
  }
  if (task.state !== 'completed' || task.proof === undefined) {
    out(`failed: ${task.reason ?? 'no reason given'}`)
    return 1
  }
  const vkey = circuit.artifacts.find((a) => a.role === 'vkey')!
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
