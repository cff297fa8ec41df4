import type { CircuitInput, VerificationKey } from 'snarkjs'
import { errorMessage, ZkpError } from '../../protocol/errors.ts'
import type { SignedDelivery } from '../../protocol/task/messages.ts'
import type { ArtifactStore } from '../artifacts/artifact-store.ts'
import type { ProofEngine } from '../prover/engine.ts'

/** The private input as the circuit takes it: a UTF-8 JSON object of signal names to values. */
export function parseInput(bytes: Uint8Array): CircuitInput {
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw new ZkpError('BAD_REQUEST', 'input: not a UTF-8 JSON document')
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ZkpError('BAD_REQUEST', 'input: must be a JSON object of signal names to values')
  }
  return parsed as CircuitInput
}

/**
 * What a requester checks about proofs: the public signals its own input gives (a witness is far cheaper than a
 * proof), and whether a delivered proof is a valid proof of exactly those signals.
 */
export class ProofCheck {
  private readonly vkeys = new Map<string, VerificationKey>()

  constructor(
    private readonly artifacts: ArtifactStore,
    private readonly engine: ProofEngine,
  ) {}

  /** The public signals a correct proof of `input` carries; BAD_REQUEST if the input does not satisfy the circuit. */
  async expectedSignals(circuitId: string, input: CircuitInput): Promise<string[]> {
    const manifest = await this.artifacts.manifest(circuitId)
    if (manifest === undefined) throw new ZkpError('NOT_FOUND', `circuit ${circuitId} missing`)
    const vkey = await this.vkey(circuitId)
    try {
      return await this.engine.publicSignals({
        circuitId,
        wasmPath: this.artifacts.path(manifest.wasm),
        input,
        nPublic: vkey.nPublic,
      })
    } catch (err) {
      throw new ZkpError(
        'BAD_REQUEST',
        `input: does not satisfy circuit ${manifest.name}: ${errorMessage(err).slice(0, 200)}`,
      )
    }
  }

  /** Why the delivered proof is not a proof of this task, or undefined if it is. Throws only for local faults. */
  async judge(circuitId: string, expected: string[], delivery: SignedDelivery): Promise<string | undefined> {
    const got = delivery.body.publicSignals
    // A valid proof of some other input (for example one replayed from the result topic) is not this task's.
    if (got.length !== expected.length || got.some((s, i) => s !== expected[i])) {
      return 'public signals do not match the task input'
    }
    const vkey = await this.vkey(circuitId)
    const valid = await this.engine.verify({
      circuitId,
      vkey,
      proof: delivery.body.proof,
      publicSignals: got,
    })
    return valid ? undefined : 'proof failed verification'
  }

  private async vkey(circuitId: string): Promise<VerificationKey> {
    let vkey = this.vkeys.get(circuitId)
    if (vkey === undefined) {
      const manifest = await this.artifacts.manifest(circuitId)
      if (manifest === undefined) throw new ZkpError('NOT_FOUND', `circuit ${circuitId} missing`)
      vkey = JSON.parse(new TextDecoder().decode(await this.artifacts.get(manifest.vkey))) as VerificationKey
      this.vkeys.set(circuitId, vkey)
    }
    return vkey
  }
}
