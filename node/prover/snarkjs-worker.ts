import { type ChildProcess, fork } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Logger } from '@libp2p/interface'
import { ZkpError } from '../../protocol/errors.ts'
import type { WorkerReply, WorkerRequest } from './messages.ts'

type Job = {
  req: WorkerRequest
  resolve: (reply: WorkerReply) => void
  reject: (err: Error) => void
  signal?: AbortSignal
}

type Distribute<T> = T extends unknown ? Omit<T, 'id'> : never
export type JobRequest = Distribute<WorkerRequest>

const here = fileURLToPath(import.meta.url)
/** Run from TypeScript sources (tests, tsx) the worker needs tsx's loader; from dist it is plain JS. */
const fromSource = here.endsWith('.ts')
const WORKER_PATH = join(dirname(here), fromSource ? 'worker.ts' : 'worker.js')

export interface SnarkjsWorkerInit {
  /** At most this many CPU threads for snarkjs in the child (1: no worker threads); default: every core. */
  threads?: number
}

/**
 * One snarkjs child process with a FIFO queue. A job whose signal aborts kills the child (snarkjs cannot be
 * interrupted otherwise); the next job starts a fresh one. start() and stop() are idempotent.
 */
export class SnarkjsWorker {
  private child: ChildProcess | undefined
  private ready: Promise<void> | undefined
  private readonly queue: Job[] = []
  private current: Job | undefined
  private nextId = 1
  private stopped = true
  private info: { pid: number; threads: number } | undefined

  constructor(
    private readonly name: string,
    private readonly log: Logger,
    private readonly init: SnarkjsWorkerInit = {},
  ) {}

  /** The child once ready: its pid and the threads its snarkjs runs on (as the child reported them). */
  get running(): { pid: number; threads: number } | undefined {
    return this.info
  }

  async start(): Promise<void> {
    if (!this.stopped) return
    this.stopped = false
    await this.spawn()
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    const err = new ZkpError('UNAVAILABLE', `${this.name} stopped`)
    for (const job of this.queue.splice(0)) job.reject(err)
    this.current?.reject(err)
    this.current = undefined
    await this.kill()
  }

  /** Queues a job; resolves with the worker's reply, rejects with PROVER_FAILED or on abort. */
  run(req: JobRequest, signal?: AbortSignal): Promise<WorkerReply & { ok: true }> {
    if (this.stopped) return Promise.reject(new ZkpError('NOT_STARTED', `${this.name} is not started`))
    signal?.throwIfAborted()
    return new Promise((resolve, reject) => {
      const job: Job = {
        req: { ...req, id: this.nextId++ } as WorkerRequest,
        resolve: (reply) => {
          if (reply.ok) resolve(reply)
          else reject(new ZkpError('PROVER_FAILED', `${this.name}: ${reply.error}`))
        },
        reject,
        ...(signal !== undefined ? { signal } : {}),
      }
      signal?.addEventListener('abort', () => this.abort(job), { once: true })
      this.queue.push(job)
      this.pump()
    })
  }

  private abort(job: Job): void {
    const reason = new ZkpError('TIMEOUT', `${this.name}: job aborted`, {}, { cause: job.signal?.reason })
    const i = this.queue.indexOf(job)
    if (i >= 0) {
      this.queue.splice(i, 1)
      job.reject(reason)
      return
    }
    if (this.current === job) {
      // snarkjs has no cancellation: the only way to stop a proof is to end its process.
      this.current = undefined
      job.reject(reason)
      void this.kill().then(() => this.respawn())
    }
  }

  private pump(): void {
    if (this.current !== undefined || this.ready === undefined) return
    const job = this.queue.shift()
    if (job === undefined) return
    this.current = job
    void this.ready.then(
      () => {
        if (this.current === job) this.child?.send(job.req)
      },
      (err: Error) => {
        this.current = undefined
        job.reject(err)
        this.pump()
      },
    )
  }

  private spawn(): Promise<void> {
    const { threads } = this.init
    const child = fork(WORKER_PATH, threads === undefined ? [] : [`--threads=${threads}`], {
      execArgv: fromSource ? ['--import', 'tsx'] : [],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    })
    this.child = child
    let stderr = ''
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000)
    })
    this.ready = new Promise<void>((resolve, reject) => {
      child.once('error', reject)
      child.on('message', (reply: WorkerReply) => {
        if (reply.ok && reply.op === 'ready') {
          this.info = { pid: child.pid!, threads: reply.threads }
          this.log('%s worker ready (pid %d, %d threads)', this.name, child.pid, reply.threads)
          resolve()
          return
        }
        const job = this.current
        if (job === undefined || job.req.id !== reply.id) return
        this.current = undefined
        job.resolve(reply)
        this.pump()
      })
      child.once('exit', (code, sig) => {
        if (this.child === child) this.child = undefined
        if (this.info?.pid === child.pid) this.info = undefined
        // UNAVAILABLE, not PROVER_FAILED: a crashed process says nothing about the proof it was given.
        const err = new ZkpError(
          'UNAVAILABLE',
          `${this.name} exited (${sig ?? code}): ${stderr.trim().slice(-300)}`,
        )
        reject(err)
        const job = this.current
        if (job !== undefined) {
          this.current = undefined
          job.reject(err)
        }
        if (!this.stopped && this.child === undefined) this.respawn()
      })
    })
    this.ready.catch(() => {})
    this.log('%s worker started (pid %d)', this.name, child.pid)
    return this.ready
  }

  private respawn(): void {
    if (this.stopped || this.child !== undefined) return
    this.spawn().then(
      () => this.pump(),
      (err: Error) => this.log.error('%s worker failed to start: %s', this.name, err.message),
    )
  }

  private async kill(): Promise<void> {
    const child = this.child
    if (child === undefined) return
    this.child = undefined
    this.ready = undefined
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.kill('SIGKILL')
    await exited
  }
}
