import { type ChildProcess, fork } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Logger } from '@libp2p/interface'
import { ZkpError } from '../../../protocol/errors.ts'
import type { VerifyReply, VerifyRequest } from './messages.ts'
import type { ProofJson, VerificationKeyJson } from './verify.ts'

const here = fileURLToPath(import.meta.url)
/** From TypeScript sources (tests, tsx) the child needs tsx's loader; from dist it is plain JS. */
const fromSource = here.endsWith('.ts')
const WORKER_PATH = join(dirname(here), fromSource ? 'worker.ts' : 'worker.js')

interface Job {
  req: Omit<VerifyRequest, 'id'>
  key: VerificationKeyJson
  resolve: (valid: boolean) => void
  reject: (err: Error) => void
  retried: boolean
}

/** What the ledger needs to check a proof; the child process below, or anything a test injects. */
export interface ProofChecker {
  verify(keyId: string, key: VerificationKeyJson, proof: ProofJson, signals: string[]): Promise<boolean>
  stop(): Promise<void>
}

/**
 * The ledger's Groth16 verifier in one child process, started on first use, with a FIFO queue. A crash fails
 * the job in hand with UNAVAILABLE (the record stays pending and is retried; a crash says nothing about the
 * proof) and the next job starts a fresh process. stop() is idempotent.
 */
export class VerifierProcess implements ProofChecker {
  private child: ChildProcess | undefined
  private ready: Promise<void> | undefined
  private readonly queue: Job[] = []
  private current: (Job & { id: number }) | undefined
  private readonly known = new Set<string>()
  private nextId = 1
  private stopped = false

  constructor(private readonly log: Logger) {}

  verify(keyId: string, key: VerificationKeyJson, proof: ProofJson, signals: string[]): Promise<boolean> {
    if (this.stopped) return Promise.reject(new ZkpError('NOT_STARTED', 'verifier is stopped'))
    return new Promise((resolve, reject) => {
      this.queue.push({ req: { keyId, proof, signals }, key, resolve, reject, retried: false })
      this.pump()
    })
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    const err = new ZkpError('UNAVAILABLE', 'verifier stopped')
    for (const job of this.queue.splice(0)) job.reject(err)
    this.current?.reject(err)
    this.current = undefined
    const child = this.child
    this.child = undefined
    this.ready = undefined
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.kill('SIGKILL')
    await exited
  }

  private pump(): void {
    if (this.current !== undefined || this.stopped) return
    const job = this.queue.shift()
    if (job === undefined) return
    const current = { ...job, id: this.nextId++ }
    this.current = current
    const ready = this.ready ?? this.spawn()
    ready.then(
      () => {
        if (this.current !== current) return
        const withKey = this.known.has(job.req.keyId) ? {} : { key: job.key }
        this.known.add(job.req.keyId)
        this.child?.send({ ...job.req, ...withKey, id: current.id })
      },
      (err: Error) => {
        if (this.ready === ready) this.ready = undefined
        this.settle(current.id, () => job.reject(err))
      },
    )
  }

  private settle(id: number, fn: () => void): void {
    if (this.current?.id !== id) return
    this.current = undefined
    fn()
    this.pump()
  }

  private onReply(reply: VerifyReply): void {
    const job = this.current
    if (job === undefined || reply.id !== job.id || 'ready' in reply) return
    if (reply.ok) {
      this.settle(job.id, () => job.resolve(reply.valid))
      return
    }
    // The child forgot a key (it keeps a bounded number): send it again, once.
    if (reply.error.startsWith('unknown key') && !job.retried) {
      this.known.delete(job.req.keyId)
      this.settle(job.id, () => this.queue.unshift({ ...job, retried: true }))
      return
    }
    this.settle(job.id, () => job.reject(new ZkpError('UNAVAILABLE', `verifier: ${reply.error}`)))
  }

  private spawn(): Promise<void> {
    const child = fork(WORKER_PATH, [], {
      execArgv: fromSource ? ['--import', 'tsx'] : [],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    })
    this.child = child
    this.known.clear()
    let stderr = ''
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000)
    })
    const ready = new Promise<void>((resolve, reject) => {
      child.once('error', reject)
      child.on('message', (reply: VerifyReply) => {
        if ('ready' in reply) resolve()
        else this.onReply(reply)
      })
      child.once('exit', (code, sig) => {
        const err = new ZkpError(
          'UNAVAILABLE',
          `verifier exited (${sig ?? code}): ${stderr.trim().slice(-300)}`,
        )
        reject(err)
        if (this.child !== child) return
        this.child = undefined
        this.ready = undefined
        const job = this.current
        if (job !== undefined) this.settle(job.id, () => job.reject(err))
      })
    })
    ready.catch(() => {})
    this.ready = ready
    this.log('ledger verifier started (pid %d)', child.pid)
    return ready
  }
}
