import type { Logger } from '@libp2p/interface'
import type { CircuitInput, Groth16Proof, VerificationKey } from 'snarkjs'
import { ZkpError } from '../../protocol/errors.ts'
import { SnarkjsWorker } from './snarkjs-worker.ts'

export interface ProveRequest {
  circuitId: string
  wasmPath: string
  zkeyPath: string
  input: CircuitInput
}

export interface ProveResult {
  proof: Groth16Proof
  publicSignals: string[]
  /** Proving time as measured where the proof was made. */
  ms: number
}

export interface WitnessRequest {
  circuitId: string
  wasmPath: string
  input: CircuitInput
  nPublic: number
}

export interface VerifyRequest {
  circuitId: string
  vkey: VerificationKey
  proof: Groth16Proof
  publicSignals: string[]
}

/**
 * What makes and checks proofs for a node. The node uses snarkjs in child processes; the simulator injects an
 * engine that waits instead of proving (and says so in its reports).
 */
export interface ProofEngine {
  start(): Promise<void>
  stop(): Promise<void>
  prove(req: ProveRequest, signal?: AbortSignal): Promise<ProveResult>
  verify(req: VerifyRequest, signal?: AbortSignal): Promise<boolean>
  /**
   * The public signals a correct proof of `input` must carry. Computing the witness is far cheaper than
   * proving; it binds a delivered proof to this task's input (no replaying someone else's proof) and
   * catches an input that does not satisfy the circuit before anyone is paid to prove it.
   */
  publicSignals(req: WitnessRequest, signal?: AbortSignal): Promise<string[]>
}

export interface SnarkjsEngineInit {
  /**
   * At most this many CPU threads for proving (a donor's cap; 1: no worker threads); default: every core.
   * Only the prover is capped: verifying and computing witnesses run mostly on one thread whatever the pool.
   */
  threads?: number
}

/**
 * snarkjs in two child processes, one for proving and one for verifying, so that verifying a delivered proof
 * never waits behind a long proof of our own. Each starts with the node, with its curve already built.
 */
export class SnarkjsEngine implements ProofEngine {
  private readonly prover: SnarkjsWorker | undefined
  private readonly verifier: SnarkjsWorker | undefined

  constructor(roles: { prove: boolean; verify: boolean }, log: Logger, init: SnarkjsEngineInit = {}) {
    this.prover = roles.prove ? new SnarkjsWorker('prover', log, { threads: init.threads }) : undefined
    this.verifier = roles.verify ? new SnarkjsWorker('verifier', log) : undefined
  }

  /** The proving child once started: its pid and the threads it proves on (diagnostics and tests). */
  get proverProcess(): { pid: number; threads: number } | undefined {
    return this.prover?.running
  }

  async start(): Promise<void> {
    await Promise.all([this.prover?.start(), this.verifier?.start()])
  }

  async stop(): Promise<void> {
    await Promise.all([this.prover?.stop(), this.verifier?.stop()])
  }

  async prove(req: ProveRequest, signal?: AbortSignal): Promise<ProveResult> {
    if (this.prover === undefined) throw new ZkpError('NOT_STARTED', 'this node does not prove')
    const reply = await this.prover.run(
      { op: 'prove', wasmPath: req.wasmPath, zkeyPath: req.zkeyPath, input: req.input },
      signal,
    )
    if (reply.op !== 'prove') throw new ZkpError('PROVER_FAILED', 'unexpected worker reply')
    return { proof: reply.proof, publicSignals: reply.publicSignals, ms: reply.ms }
  }

  async publicSignals(req: WitnessRequest, signal?: AbortSignal): Promise<string[]> {
    if (this.verifier === undefined) throw new ZkpError('NOT_STARTED', 'this node does not verify')
    const reply = await this.verifier.run(
      { op: 'witness', wasmPath: req.wasmPath, input: req.input, nPublic: req.nPublic },
      signal,
    )
    if (reply.op !== 'witness') throw new ZkpError('PROVER_FAILED', 'unexpected worker reply')
    return reply.publicSignals
  }

  async verify(req: VerifyRequest, signal?: AbortSignal): Promise<boolean> {
    if (this.verifier === undefined) throw new ZkpError('NOT_STARTED', 'this node does not verify')
    try {
      const reply = await this.verifier.run(
        { op: 'verify', vkey: req.vkey, proof: req.proof, publicSignals: req.publicSignals },
        signal,
      )
      return reply.op === 'verify' && reply.valid
    } catch (err) {
      // snarkjs throws on malformed points: that is an invalid proof, not a failure of ours.
      if (err instanceof ZkpError && err.code === 'PROVER_FAILED') return false
      throw err
    }
  }
}
