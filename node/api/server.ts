import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Logger } from '@libp2p/interface'
import { errorMessage, ZkpError } from '../../protocol/errors.ts'
import type { ZkpNode } from '../node.ts'
import { removeApiFile, writeApiFile } from './api-file.ts'
import { errorReply, httpError } from './errors.ts'
import { sendJson } from './http.ts'
import { route } from './routes.ts'

export interface ApiServerComponents {
  node: ZkpNode
  log: Logger
}

export interface ApiServerInit {
  /** Interface to bind; loopback unless the embedder decides otherwise. */
  host?: string
  /** 0 picks a free port. */
  port?: number
  /** Where api.json (url and token) is written for local clients. */
  dataDir: string
}

/**
 * The node's local HTTP API (see node/api/routes.ts for the endpoints). Every request carries the bearer token
 * from `<dataDir>/api.json`, a fresh one per start. Handlers never throw past `handle`: a bad request gets an
 * error reply and the node carries on. start() and stop() are idempotent.
 */
export class ApiServer {
  private server: Server | undefined
  private token: Buffer | undefined
  private address: string | undefined
  /** Only the server that wrote api.json removes it: a failed second start must not orphan the first's. */
  private wroteFile = false
  private readonly onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    void this.handle(req, res)
  }

  constructor(
    private readonly components: ApiServerComponents,
    private readonly init: ApiServerInit,
  ) {}

  /** Base URL, e.g. http://127.0.0.1:4567. */
  get url(): string {
    if (this.address === undefined) throw new ZkpError('NOT_STARTED', 'API server is not started')
    return this.address
  }

  async start(): Promise<void> {
    if (this.server !== undefined) return
    const host = this.init.host ?? '127.0.0.1'
    const server = createServer(this.onRequest)
    this.server = server
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(this.init.port ?? 0, host, () => {
          server.off('error', reject)
          resolve()
        })
      })
      const { port } = server.address() as AddressInfo
      this.address = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
      const token = randomBytes(32)
      this.token = token
      await writeApiFile(this.init.dataDir, { url: this.address, token: token.toString('hex') })
      this.wroteFile = true
      this.components.log('API listening on %s', this.address)
    } catch (err) {
      await this.stop()
      throw err
    }
  }

  async stop(): Promise<void> {
    const server = this.server
    if (server === undefined) return
    this.server = undefined
    this.token = undefined
    this.address = undefined
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    // close() only stops accepting; idle keep-alive and in-flight sockets would hold the process open.
    server.closeAllConnections()
    await closed
    if (this.wroteFile) await removeApiFile(this.init.dataDir).catch(() => {})
    this.wroteFile = false
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      this.authorise(req)
      const path = new URL(req.url ?? '/', 'http://localhost').pathname
      const { handler, param } = route(req.method ?? 'GET', path)
      await handler({ node: this.components.node, log: this.components.log, req, res, param })
    } catch (err) {
      const reply = errorReply(err)
      if (reply.status >= 500) this.components.log.error('%s %s: %s', req.method, req.url, errorMessage(err))
      try {
        sendJson(req, res, reply.status, reply.body)
      } catch {
        res.destroy()
      }
    }
  }

  private authorise(req: IncomingMessage): void {
    const token = this.token
    const header = req.headers.authorization ?? ''
    const m = /^Bearer ([0-9a-f]{64})$/i.exec(header)
    const given = m?.[1] === undefined ? undefined : Buffer.from(m[1].toLowerCase(), 'hex')
    // Constant-time comparison: the token is the only secret between a local user and the node.
    if (token === undefined || given === undefined || !timingSafeEqual(given, token)) {
      throw httpError(
        401,
        'NOT_AUTHORISED',
        'authorization: a valid "Bearer <token>" from api.json is required',
      )
    }
  }
}
