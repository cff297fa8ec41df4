import type { Logger, PeerId, PrivateKey } from '@libp2p/interface'
import type { CircuitInput } from 'snarkjs'
import type { CircuitManifest } from '../../protocol/artifact/manifest.ts'
import { framed } from '../../protocol/codec/frames.ts'
import type { Groth16Proof } from '../../protocol/codec/schema.ts'
import { errorMessage, ZkpError } from '../../protocol/errors.ts'
import {
  INPUT_FRAME_BYTES,
  INPUT_PROTOCOL,
  INPUT_TIMEOUT_MS,
  InputResponse,
} from '../../protocol/input/index.ts'
import {
  PROOF_FRAME_BYTES,
  PROOF_PROTOCOL,
  PROOF_TIMEOUT_MS,
  ProofReceipt,
} from '../../protocol/proof/index.ts'
import { Delivery, type SignedAsk, type SignedAward } from '../../protocol/task/messages.ts'
import type { ArtifactStore } from '../artifacts/artifact-store.ts'
import type { ArtifactFetcher } from '../artifacts/fetcher.ts'
import type { ZkpHost } from '../network/host.ts'
import type { ProofEngine } from '../prover/engine.ts'
import { parseInput } from './proof-check.ts'

export interface WorkComponents {
  privateKey: PrivateKey
  peerId: string
  network: string
  host: ZkpHost
  artifacts: ArtifactStore
  fetcher: ArtifactFetcher
  engine: ProofEngine
  log: Logger
  now: () => number
}

/** First and longest pause between delivery attempts while the requester is unreachable. */
const RETRY_FIRST_MS = 250
const RETRY_MAX_MS = 5_000

export interface Work {
  manifest: CircuitManifest
  input: CircuitInput
}

/** Fetches the circuit's artifacts and the private input for an award. */
export async function fetchWork(
  c: WorkComponents,
  ask: SignedAsk,
  award: SignedAward,
  requester: PeerId,
  signal: AbortSignal,
): Promise<Work> {
  // A link that drops (or a requester that restarts) must not cost the award: retry until the deadline,
  // except when the requester says no.
  // Both fetches stop as soon as either fails for good (the requester refused the input, say).
  const both = new AbortController()
  const s = AbortSignal.any([signal, both.signal])
  try {
    const [manifest, input] = await Promise.all([
      retrying(c, 'circuit fetch', s, () => c.fetcher.fetchCircuit(ask.body.circuitId, [requester], s)),
      retrying(c, 'input fetch', s, () => fetchInput(c, requester, award, s)),
    ])
    return { manifest, input }
  } catch (err) {
    both.abort(err)
    throw err
  }
}

/** Proves and signs the delivery; returns its bytes. */
export async function prove(
  c: WorkComponents,
  ask: SignedAsk,
  award: SignedAward,
  { manifest, input }: Work,
  signal: AbortSignal,
): Promise<{ delivery: Uint8Array; provingMs: number }> {
  const reply = await c.engine.prove(
    {
      circuitId: ask.body.circuitId,
      wasmPath: c.artifacts.path(manifest.wasm),
      zkeyPath: c.artifacts.path(manifest.zkey),
      input,
    },
    signal,
  )
  const delivery = await Delivery.sign(
    {
      v: 1,
      network: c.network,
      taskId: award.body.taskId,
      round: award.body.round,
      prover: c.peerId,
      proof: reply.proof as Groth16Proof,
      publicSignals: reply.publicSignals,
      provingMs: reply.ms,
      createdAt: c.now(),
    },
    c.privateKey,
  )
  return { delivery: Delivery.encode(delivery), provingMs: reply.ms }
}

/**
 * Delivers until the requester answers or `signal` aborts (the deadline): while the requester is unreachable,
 * or asks us to deliver again, it retries with exponential back-off.
 */
export async function deliverWithRetry(
  c: WorkComponents,
  requester: PeerId,
  delivery: Uint8Array,
  signal: AbortSignal,
): Promise<ProofReceipt> {
  return retrying(c, 'delivery', signal, async () => {
    const receipt = await deliver(c, requester, delivery, signal)
    // The requester could not judge it now (its own trouble): the proof may still be judged.
    if (receipt.status === 'retry') throw new ZkpError('UNAVAILABLE', receipt.reason)
    return receipt
  })
}

/** Runs `fn` until it succeeds or `signal` aborts, pausing with exponential back-off between attempts. */
async function retrying<T>(
  c: WorkComponents,
  what: string,
  signal: AbortSignal,
  fn: () => Promise<T>,
): Promise<T> {
  let pause = RETRY_FIRST_MS
  for (;;) {
    try {
      return await fn()
    } catch (err) {
      if (signal.aborted) throw signal.reason
      // A refusal, or an answer that can never be used (an input that is not JSON), is final.
      if (err instanceof ZkpError && (err.code === 'NOT_AUTHORISED' || err.code === 'BAD_REQUEST')) throw err
      c.log('%s failed (%s); again in %d ms', what, errorMessage(err), pause)
    }
    await sleep(pause, signal)
    pause = Math.min(RETRY_MAX_MS, pause * 2)
  }
}

async function fetchInput(
  c: WorkComponents,
  requester: PeerId,
  award: SignedAward,
  signal: AbortSignal,
): Promise<CircuitInput> {
  // One attempt is bounded well inside the deadline, so a stalled exchange leaves time to try again.
  const s = AbortSignal.any([signal, AbortSignal.timeout(Math.min(INPUT_TIMEOUT_MS, INPUT_ATTEMPT_MS))])
  const stream = await dial(c, requester, INPUT_PROTOCOL, s)
  const f = framed(stream, INPUT_FRAME_BYTES)
  await f.write({ taskId: award.body.taskId, round: award.body.round }, { signal: s })
  const res = await f.read(InputResponse, 'input response', { signal: s })
  await f.close()
  if (res.status !== 'ok') throw new ZkpError('NOT_AUTHORISED', `input ${res.status}: ${res.reason}`)
  return parseInput(res.input)
}

async function deliver(
  c: WorkComponents,
  requester: PeerId,
  bytes: Uint8Array,
  signal: AbortSignal,
): Promise<ProofReceipt> {
  const s = AbortSignal.any([signal, AbortSignal.timeout(PROOF_TIMEOUT_MS)])
  const stream = await dial(c, requester, PROOF_PROTOCOL, s)
  const f = framed(stream, PROOF_FRAME_BYTES)
  await f.writeBytes(bytes, { signal: s })
  const receipt = await f.read(ProofReceipt, 'proof receipt', { signal: s })
  await f.close()
  return receipt
}

/** Longest one dial attempt may take: a dial to a peer whose address is not yet known must not use up the deadline. */
const DIAL_ATTEMPT_MS = 5_000
/** Longest one input fetch attempt may take (the input is at most 1 MiB). */
const INPUT_ATTEMPT_MS = 10_000

function dial(c: WorkComponents, peer: PeerId, protocol: string, signal: AbortSignal) {
  return c.host.dialProtocol(peer, protocol, {
    signal: AbortSignal.any([signal, AbortSignal.timeout(DIAL_ATTEMPT_MS)]),
  })
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason)
      return
    }
    const onAbort = () => {
      clearTimeout(t)
      reject(signal.reason)
    }
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
