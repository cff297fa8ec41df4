import type { ProofChecker } from '../../node/ledger/groth16/process.ts'
import type { ProofJson, VerificationKeyJson } from '../../node/ledger/groth16/verify.ts'

/** Distinct proofs remembered; beyond this the oldest answer is forgotten (and would be checked again). */
const MAX_ANSWERS = 10_000

/**
 * One ledger proof checker for every node of a simulation. Each node re-verifies every record it applies; a
 * hundred nodes in one process would otherwise start a hundred verifier processes and check each proof a
 * hundred times over. This runs every distinct (key, proof, signals) through one real Groth16 verifier once
 * and gives every node that asks the same answer. A failure to check (not an invalid proof) is not remembered.
 * stop() stops the verifier; the simulator calls it after every node has stopped.
 */
export class SharedChecker implements ProofChecker {
  private readonly answers = new Map<string, Promise<boolean>>()
  /** Proofs actually checked, for reports. */
  checked = 0

  constructor(private readonly inner: ProofChecker) {}

  verify(keyId: string, key: VerificationKeyJson, proof: ProofJson, signals: string[]): Promise<boolean> {
    const k = JSON.stringify([keyId, proof.pi_a, proof.pi_b, proof.pi_c, signals])
    let answer = this.answers.get(k)
    if (answer === undefined) {
      this.checked++
      answer = this.inner.verify(keyId, key, proof, signals)
      answer.catch(() => this.answers.delete(k))
      this.answers.set(k, answer)
      if (this.answers.size > MAX_ANSWERS) this.answers.delete(this.answers.keys().next().value!)
    }
    return answer
  }

  stop(): Promise<void> {
    this.answers.clear()
    return this.inner.stop()
  }
}
