/**
 * One error type for the whole protocol and node, with a machine-readable code. Callers branch on `code`,
 * never on message text (the ethers v6 / lodestar pattern).
 */
export type ZkpErrorCode =
  | 'INVALID_ENCODING'
  | 'MESSAGE_TOO_LARGE'
  | 'INVALID_FIELD'
  | 'INVALID_SIGNATURE'
  | 'WRONG_NETWORK'
  | 'UNKNOWN_TASK'
  | 'NOT_AUTHORISED'
  | 'STALE'
  | 'DUPLICATE'
  | 'NOT_FOUND'
  | 'INTEGRITY'
  | 'TIMEOUT'
  | 'PROVER_FAILED'
  | 'STORE_LOCKED'
  | 'STORE_CLOSED'
  | 'NOT_STARTED'
  | 'BAD_CONFIG'
  | 'BAD_REQUEST'
  | 'UNAVAILABLE'
  /** A stream or session hit one of its caps (count, bytes, requests). */
  | 'LIMIT_EXCEEDED'
  /** A peer sent something no honest peer sends (a forged record on ledger sync, say). */
  | 'MISBEHAVIOUR'

export class ZkpError extends Error {
  readonly code: ZkpErrorCode
  readonly context: Record<string, unknown>

  constructor(
    code: ZkpErrorCode,
    message: string,
    context: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.name = 'ZkpError'
    this.code = code
    this.context = context
  }
}

/** True when `err` is a ZkpError, optionally with the given code. */
export function isZkpError(err: unknown, code?: ZkpErrorCode): err is ZkpError {
  return err instanceof ZkpError && (code === undefined || err.code === code)
}

/** A short text for logs and CLI output, from any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message
  return String(err)
}
