import type { ProofJson, VerificationKeyJson } from './verify.ts'

/** Parent → child: verify one proof. The key travels once per child; later requests name it by id. */
export interface VerifyRequest {
  id: number
  keyId: string
  key?: VerificationKeyJson
  proof: ProofJson
  signals: string[]
}

export type VerifyReply =
  | { id: number; ok: true; ready: true }
  | { id: number; ok: true; valid: boolean }
  | { id: number; ok: false; error: string }
