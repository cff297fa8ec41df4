import { ZkpError, type ZkpErrorCode } from '../../protocol/errors.ts'

/** HTTP status for each error code; codes not listed are our fault (500). */
const STATUS: Partial<Record<ZkpErrorCode, number>> = {
  BAD_REQUEST: 400,
  BAD_CONFIG: 400,
  INVALID_FIELD: 400,
  INVALID_ENCODING: 400,
  INTEGRITY: 400,
  NOT_AUTHORISED: 401,
  NOT_FOUND: 404,
  UNKNOWN_TASK: 404,
  MESSAGE_TOO_LARGE: 413,
  NOT_STARTED: 503,
  UNAVAILABLE: 503,
  STORE_CLOSED: 503,
}

/** A ZkpError that also fixes the HTTP status (for cases a code alone does not decide, such as 405). */
export function httpError(status: number, code: ZkpErrorCode, message: string): ZkpError {
  return new ZkpError(code, message, { status })
}

export interface ErrorReply {
  status: number
  body: { error: { code: string; message: string } }
}

/** What the client sees for a thrown value. Unexpected errors keep their details in the log, not the reply. */
export function errorReply(err: unknown): ErrorReply {
  if (err instanceof ZkpError) {
    const fixed = err.context.status
    const status = typeof fixed === 'number' ? fixed : (STATUS[err.code] ?? 500)
    const message = status === 500 ? 'internal error' : err.message
    return { status, body: { error: { code: err.code, message } } }
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } }
}
