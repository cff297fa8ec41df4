import type {
  ProofEngine,
  ProveRequest,
  ProveResult,
  VerifyRequest,
  WitnessRequest,
} from '../../node/prover/engine.ts'
import { type Distribution, draw, type Rng } from '../random.ts'
import type { Behaviour } from '../scenario/schema.ts'
import { sleep } from '../sleep.ts'
import { corrupt } from './canned.ts'

export interface BehaviourInit {
  behaviour: Behaviour
  /** A wait before each proof: a slow machine. */
  extraDelay?: Distribution
  rng: Rng
}

/**
 * How a simulated prover misbehaves, on top of any engine (simulated or snarkjs): it waits longer
 * (`extraDelay`), delivers a proof that does not verify (`invalid-proof`: the real proof with one point
 * replaced), or never delivers (`no-show`: prove() waits until the deadline aborts it). Verifying and witness
 * computation pass through unchanged. For simulations only.
 */
export class BehaviourEngine implements ProofEngine {
  private stopping = new AbortController()

  constructor(
    private readonly inner: ProofEngine,
    private readonly init: BehaviourInit,
  ) {}

  async start(): Promise<void> {
    if (this.stopping.signal.aborted) this.stopping = new AbortController()
    await this.inner.start()
  }

  async stop(): Promise<void> {
    this.stopping.abort(new Error('engine stopped'))
    await this.inner.stop()
  }

  async prove(req: ProveRequest, signal?: AbortSignal): Promise<ProveResult> {
    const both = signal === undefined ? this.stopping.signal : AbortSignal.any([signal, this.stopping.signal])
    const started = performance.now()
    if (this.init.behaviour === 'no-show') {
      // A bid it cannot honour: it holds the award until the deadline takes it away.
      await new Promise<never>((_, reject) => {
        if (both.aborted) reject(both.reason)
        both.addEventListener('abort', () => reject(both.reason), { once: true })
      })
    }
    if (this.init.extraDelay !== undefined) await sleep(draw(this.init.rng, this.init.extraDelay), both)
    const r = await this.inner.prove(req, signal)
    const ms = Math.round(performance.now() - started)
    if (this.init.behaviour === 'invalid-proof') return { ...r, proof: corrupt(r.proof), ms }
    return { ...r, ms }
  }

  verify(req: VerifyRequest, signal?: AbortSignal): Promise<boolean> {
    return this.inner.verify(req, signal)
  }

  publicSignals(req: WitnessRequest, signal?: AbortSignal): Promise<string[]> {
    return this.inner.publicSignals(req, signal)
  }
}
