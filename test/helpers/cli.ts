import { type ChildProcess, spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const BIN = join(ROOT, 'cli', 'bin', 'zkp-node.js')

/** A spawned `zkp-node` process with its output collected as it arrives. */
export class Cli {
  readonly child: ChildProcess
  stdout = ''
  stderr = ''
  readonly exited: Promise<number | null>

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    this.child.stdout!.on('data', (d: Buffer) => {
      this.stdout += d.toString()
    })
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString()
    })
    this.exited = new Promise((done) => this.child.once('close', (code) => done(code)))
  }

  /** Resolves with the first match of `re` in stdout; rejects if the process exits first (or never prints it). */
  async waitFor(re: RegExp, limitMs = 60_000): Promise<RegExpMatchArray> {
    const give = Date.now() + limitMs
    for (;;) {
      if (Date.now() > give) throw new Error(`no ${re} within ${limitMs} ms:\n${this.stdout}\n${this.stderr}`)
      const m = this.stdout.match(re)
      if (m !== null) return m
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(
          `exited ${this.child.exitCode ?? this.child.signalCode} before ${re}:\n${this.stdout}\n${this.stderr}`,
        )
      }
      await sleep(50)
    }
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  /** Kills with `signal` and waits until the process is gone. */
  async kill(signal: NodeJS.Signals): Promise<number | null> {
    if (this.running) this.child.kill(signal)
    return this.exited
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago (for nodes that must come back on the same address). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const address = server.address()
  await new Promise<void>((r) => server.close(() => r()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** A started node: its process, its /p2p address, and a client for its local API. */
export interface StartedNode {
  cli: Cli
  addr: string
  api(path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: ApiBody }>
}

/** API replies as tests read them: loosely, field by field, each read checked by an assertion. */
// biome-ignore lint/suspicious/noExplicitAny: tests inspect JSON replies without declaring every shape
type ApiBody = any

/** Runs `zkp-node start …` and waits until it is ready. */
export async function startNode(dataDir: string, args: string[]): Promise<StartedNode> {
  const cli = new Cli(['start', '--data-dir', dataDir, '--local-network', ...args])
  await cli.waitFor(/^ready$/m, 90_000)
  const addr = (await cli.waitFor(/^listen\s+(\/ip4\/127\.0\.0\.1\/\S+)$/m))[1]!
  const { url, token } = JSON.parse(await readFile(join(dataDir, 'api.json'), 'utf8')) as {
    url: string
    token: string
  }
  const api: StartedNode['api'] = async (path, init = {}) => {
    const res = await fetch(`${url}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    })
    return { status: res.status, body: await res.json().catch(() => undefined) }
  }
  return { cli, addr, api }
}
