import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { CircuitInput, Groth16Proof } from 'snarkjs'
import * as snarkjs from 'snarkjs'
import { SimulationError } from '../errors.ts'

export interface CannedProof {
  proof: Groth16Proof
  publicSignals: string[]
}

/** A circuit build as circuits/build.ts writes it. */
export interface CircuitBuild {
  dir: string
  name: string
  wasm: string
  zkey: string
  vkey: unknown
}

export async function readBuild(dir: string): Promise<CircuitBuild> {
  let info: { name: string; files: { wasm: string; zkey: string; vkey: string } }
  try {
    info = JSON.parse(await readFile(join(dir, 'info.json'), 'utf8'))
  } catch (err) {
    throw new SimulationError(
      'SETUP_FAILED',
      `${dir} is not a circuit build; run \`npm run circuits\``,
      'circuit',
      {
        cause: err,
      },
    )
  }
  const vkey = JSON.parse(await readFile(join(dir, info.files.vkey), 'utf8')) as unknown
  return { dir, name: info.name, wasm: join(dir, info.files.wasm), zkey: join(dir, info.files.zkey), vkey }
}

/** The key an input is known by: its JSON with sorted keys, so that field order does not matter. */
export function inputKey(input: CircuitInput): string {
  return JSON.stringify(
    Object.keys(input)
      .sort()
      .map((k) => [k, input[k]]),
  )
}

/**
 * Real Groth16 proofs made once, here, with snarkjs, for the inputs a simulation submits. A simulated prover
 * hands out the stored proof of the input it was given (after a simulated proving time), so every proof in a
 * simulation is a real, verifiable proof of its task's input: requesters, and every node's ledger (which
 * re-verifies records), judge them exactly as they would judge proofs made on the spot.
 */
export class CannedProofs {
  private constructor(private readonly byInput: Map<string, CannedProof>) {}

  static async make(build: CircuitBuild, inputs: readonly CircuitInput[]): Promise<CannedProofs> {
    const byInput = new Map<string, CannedProof>()
    try {
      for (const input of inputs) {
        const { proof, publicSignals } = await snarkjs.groth16.fullProve(input, build.wasm, build.zkey)
        if (!(await snarkjs.groth16.verify(build.vkey as never, publicSignals, proof)))
          throw new SimulationError('SETUP_FAILED', `the stored proof of ${build.name} does not verify`)
        byInput.set(inputKey(input), { proof, publicSignals })
      }
    } finally {
      // snarkjs keeps its curve's worker threads alive; they would hold the process open.
      await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate()
      delete (globalThis as { curve_bn128?: unknown }).curve_bn128
    }
    return new CannedProofs(byInput)
  }

  /** The stored proof of `input`; NOT_FOUND (as a SimulationError) for an input this run did not prepare. */
  get(input: CircuitInput): CannedProof {
    const canned = this.byInput.get(inputKey(input))
    if (canned === undefined)
      throw new SimulationError('SETUP_FAILED', 'the simulated prover has no stored proof of this input')
    return canned
  }

  /** Whether `proof` is the stored proof with exactly these public signals: what a verifier would say. */
  verifies(proof: unknown, publicSignals: readonly string[]): boolean {
    const signals = JSON.stringify(publicSignals)
    for (const c of this.byInput.values()) {
      if (JSON.stringify(c.publicSignals) === signals && sameProof(c.proof, proof)) return true
    }
    return false
  }
}

function sameProof(a: Groth16Proof, b: unknown): boolean {
  const pick = (p: unknown) => {
    const x = p as Partial<Groth16Proof>
    return JSON.stringify([x.pi_a, x.pi_b, x.pi_c])
  }
  return pick(a) === pick(b)
}

/** A proof that does not verify but is well formed (its points are on the curve): A replaced by C. */
export function corrupt(proof: Groth16Proof): Groth16Proof {
  return { ...proof, pi_a: [proof.pi_c[0]!, proof.pi_c[1]!, '1'] }
}
