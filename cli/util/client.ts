import { createReadStream } from 'node:fs'
import { request } from 'node:http'
import { ZkpError, type ZkpErrorCode } from '../../protocol/errors.ts'

const JSON_TIMEOUT_MS = 30_000

interface RawReply {
  status: number
  text: string
}

/**
 * A client of the node's local API. One connection per request (no agent): the CLI polls a local socket,
 * and no idle keep-alive socket can then hold the process open.
 */
export class ApiClient {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
    const reply = await this.send(method, path, payload, payload?.byteLength)
    return this.parse<T>(reply)
  }

  /** HTTP status of a HEAD request. */
  async head(path: string): Promise<number> {
    return (await this.send('HEAD', path, undefined, undefined)).status
  }

  /** Streams a file as the request body, so a large zkey never sits in memory whole. */
  async putFile(path: string, file: string, size: number): Promise<void> {
    this.parse(await this.send('PUT', path, file, size, 0))
  }

  private parse<T>(reply: RawReply): T {
    let parsed: unknown
    try {
      parsed = reply.text === '' ? undefined : JSON.parse(reply.text)
    } catch {
      throw new ZkpError('INVALID_ENCODING', `API replied ${reply.status} with a body that is not JSON`)
    }
    if (reply.status >= 200 && reply.status < 300) return parsed as T
    const err = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error
    throw new ZkpError(
      (err?.code ?? 'UNAVAILABLE') as ZkpErrorCode,
      err?.message ?? `API replied ${reply.status}`,
      {
        status: reply.status,
      },
    )
  }

  private send(
    method: string,
    path: string,
    body: Buffer | string | undefined,
    length: number | undefined,
    timeoutMs = JSON_TIMEOUT_MS,
  ): Promise<RawReply> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { authorization: `Bearer ${this.token}` }
      if (length !== undefined) headers['content-length'] = length
      if (Buffer.isBuffer(body)) headers['content-type'] = 'application/json'
      const req = request(
        `${this.url}${path}`,
        { method, headers, agent: false, timeout: timeoutMs },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          )
          res.on('error', reject)
        },
      )
      req.on('timeout', () =>
        req.destroy(new ZkpError('TIMEOUT', `${method} ${path}: no answer in ${timeoutMs} ms`)),
      )
      req.on('error', (err) =>
        reject(
          new ZkpError('UNAVAILABLE', `${method} ${this.url}${path}: ${err.message}`, {}, { cause: err }),
        ),
      )
      if (typeof body === 'string') {
        const file = createReadStream(body)
        file.on('error', (err) => req.destroy(err))
        file.pipe(req)
      } else req.end(body)
    })
  }
}
