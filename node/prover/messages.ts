import type { CircuitInput, Groth16Proof, VerificationKey } from 'snarkjs'

export type WorkerRequest =
  | { id: number; op: 'prove'; wasmPath: string; zkeyPath: string; input: CircuitInput }
  | { id: number; op: 'verify'; vkey: VerificationKey; proof: Groth16Proof; publicSignals: string[] }
  | { id: number; op: 'witness'; wasmPath: string; input: CircuitInput; nPublic: number }

export type WorkerReply =
  | { id: number; ok: true; op: 'ready'; threads: number }
  | { id: number; ok: true; op: 'prove'; proof: Groth16Proof; publicSignals: string[]; ms: number }
  | { id: number; ok: true; op: 'verify'; valid: boolean; ms: number }
  | { id: number; ok: true; op: 'witness'; publicSignals: string[]; ms: number }
  | { id: number; ok: false; error: string }
