import type { IncomingMessage, ServerResponse } from 'node:http'
import { httpError } from './errors.ts'

/** Largest JSON request body the API reads into memory. */
export const JSON_BODY_BYTES = 2 * 1024 * 1024

function tooLarge(limit: number) {
  return httpError(413, 'MESSAGE_TOO_LARGE', `body: must be at most ${limit} bytes`)
}

/** The declared Content-Length, or undefined when the body is chunked. Throws 413 if it is over `limit`. */
export function declaredLength(req: IncomingMessage, limit: number): number | undefined {
  const header = req.headers['content-length']
  if (header === undefined) return undefined
  const n = Number(header)
  if (!Number.isSafeInteger(n) || n < 0)
    throw httpError(400, 'BAD_REQUEST', 'content-length: not a byte count')
  if (n > limit) throw tooLarge(limit)
  return n
}

/**
 * Reads a body of at most `limit` bytes. Listens to 'data' rather than async-iterating: leaving an iterator
 * early destroys the socket, and the client would see a reset instead of our 413.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  declaredLength(req, limit)
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength
      if (size <= limit) {
        chunks.push(chunk)
        return
      }
      cleanup()
      reject(tooLarge(limit))
    }
    const onEnd = () => {
      cleanup()
      resolve(Buffer.concat(chunks))
    }
    const onError = (err: Error) => {
      cleanup()
      reject(err)
    }
    const cleanup = () => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
  })
}

/** Reads and parses a JSON body; throws 400 naming the problem. */
export async function readJson(req: IncomingMessage, limit = JSON_BODY_BYTES): Promise<unknown> {
  const body = await readBody(req, limit)
  try {
    return JSON.parse(body.toString('utf8'))
  } catch {
    throw httpError(400, 'INVALID_ENCODING', 'body: not valid JSON')
  }
}

/** Sends a JSON reply. A request whose body we did not read entirely gets its connection closed after it. */
export function sendJson(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const text = body === undefined ? '' : JSON.stringify(body)
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  }
  if (!req.complete) headers.connection = 'close'
  res.writeHead(status, headers)
  res.end(req.method === 'HEAD' ? undefined : text)
}
