import type {
  ProofEngine,
  ProveRequest,
  ProveResult,
  VerifyRequest,
  WitnessRequest,
} from '../../node/prover/engine.ts'
import { ZkpError } from '../../protocol/errors.ts'
import { type Distribution, draw, type Rng } from '../random.ts'
import { sleep } from '../sleep.ts'
import type { CannedProofs } from './canned.ts'

export interface SimulatedEngineInit {
  proofs: CannedProofs
  /** The proving time of one proof. */
  proving: Distribution
  rng: Rng
}

/**
 * A ProofEngine for simulations only (never used by a real node): prove() waits a proving time drawn from a
 * distribution and returns the stored real proof of the input (simulations/prover/canned.ts); verify() says
 * whether a proof is that stored proof with those signals; publicSignals() returns the stored proof's
 * signals. So requesters on simulated nodes accept exactly the proofs a real verifier would accept, and a
 * 100-node network runs without a snarkjs process per node. start()/stop() are idempotent; stop() ends every
 * proof in progress.
 */
export class SimulatedEngine implements ProofEngine {
  private stopping = new AbortController()
  private running = false
  /** Proofs handed out, for reports. */
  proved = 0

  constructor(private readonly init: SimulatedEngineInit) {}

  async start(): Promise<void> {
    if (this.running) return
    this.running = true
    this.stopping = new AbortController()
  }

  async stop(): Promise<void> {
    if (!this.running) return
    this.running = false
    this.stopping.abort(new ZkpError('UNAVAILABLE', 'simulated engine stopped'))
  }

  async prove(req: ProveRequest, signal?: AbortSignal): Promise<ProveResult> {
    if (!this.running) throw new ZkpError('NOT_STARTED', 'simulated engine is not started')
    const canned = this.init.proofs.get(req.input)
    const ms = draw(this.init.rng, this.init.proving)
    const both = signal === undefined ? this.stopping.signal : AbortSignal.any([signal, this.stopping.signal])
    await sleep(ms, both)
    this.proved++
    return { proof: structuredClone(canned.proof), publicSignals: [...canned.publicSignals], ms }
  }

  async verify(req: VerifyRequest): Promise<boolean> {
    return this.init.proofs.verifies(req.proof, req.publicSignals)
  }

  async publicSignals(req: WitnessRequest): Promise<string[]> {
    return [...this.init.proofs.get(req.input).publicSignals]
  }
}
