import type { Logger, PeerId, PrivateKey } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { CircuitInput } from 'snarkjs'
import { framed } from '../../protocol/codec/frames.ts'
import { toHex } from '../../protocol/codec/hash.ts'
import type { Groth16Proof } from '../../protocol/codec/schema.ts'
import { errorMessage, ZkpError } from '../../protocol/errors.ts'
import {
  INPUT_FRAME_BYTES,
  INPUT_PROTOCOL,
  INPUT_TIMEOUT_MS,
  InputResponse,
} from '../../protocol/input/index.ts'
import {
  PROOF_FRAME_BYTES,
  PROOF_PROTOCOL,
  PROOF_TIMEOUT_MS,
  ProofReceipt,
} from '../../protocol/proof/index.ts'
import {
  Ask,
  Bid,
  Delivery,
  type SignedAsk,
  type SignedAward,
  type SignedResult,
} from '../../protocol/task/messages.ts'
import type { ArtifactStore } from '../artifacts/artifact-store.ts'
import type { ArtifactFetcher } from '../artifacts/fetcher.ts'
import type { NodeEvents } from '../events.ts'
import type { Gossip } from '../gossip/gossip.ts'
import type { ZkpHost } from '../network/host.ts'
import type { ProofEngine } from '../prover/engine.ts'
import { bidKey, type Repositories } from '../store/repositories.ts'
import type { JobState, ProverJob } from './prover-job.ts'
import { KeyedSerial } from './serial.ts'

export interface ProverComponents {
  privateKey: PrivateKey
  peerId: string
  network: string
  host: ZkpHost
  repos: Repositories
  gossip: Gossip
  artifacts: ArtifactStore
  fetcher: ArtifactFetcher
  engine: ProofEngine
  events: NodeEvents
  log: Logger
  now: () => number
}

export interface ProverInit {
  /** What this prover asks per proof, in the smallest unit. */
  price: bigint
  /** Circuit ids it serves; empty serves any circuit. */
  circuits: string[]
  /** Proofs it will run at once (a donor's cap on what it gives). */
  maxConcurrent: number
  /** Download a circuit's artifacts while the bid window is open, before knowing whether it won. */
  prefetch: boolean
}

/** Milliseconds per constraint assumed before this prover has measured a circuit. */
const DEFAULT_MS_PER_CONSTRAINT = 0.05
const ACTIVE: ReadonlySet<JobState> = new Set(['awarded', 'proving'])

/**
 * The prover role: bids on asks it can serve, and when awarded fetches the circuit and the private input over
 * direct streams, proves in the snarkjs child process and delivers the proof to the requester.
 */
export class Prover {
  private readonly serial = new KeyedSerial()
  private readonly running = new Map<string, AbortController>()
  /** Measured proving time per circuit (moving average), used for estimates in bids. */
  private readonly measured = new Map<string, number>()
  private started = false

  constructor(
    private readonly c: ProverComponents,
    private readonly init: ProverInit,
  ) {}

  start(): void {
    this.started = true
  }

  stop(): void {
    if (!this.started) return
    this.started = false
    for (const ctl of this.running.values()) ctl.abort(new ZkpError('UNAVAILABLE', 'node stopping'))
    this.running.clear()
  }

  get activeJobs(): number {
    return this.running.size
  }

  /** An ask arrived: bid if we can serve it. */
  async onAsk(ask: SignedAsk): Promise<void> {
    if (!this.started) return
    const a = ask.body
    if (a.requester === this.c.peerId) return
    if (this.init.circuits.length > 0 && !this.init.circuits.includes(a.circuitId)) return
    if (this.init.price > a.maxPrice) return
    const free = this.init.maxConcurrent - this.running.size
    if (free <= 0) return
    const taskId = toHex(Ask.id(ask))
    if (await this.c.repos.jobs.has(taskId)) return
    const hasCircuit = await this.c.artifacts.hasCircuit(a.circuitId)
    const estimatedMs = await this.estimate(a.circuitId)
    if (estimatedMs > a.provingDeadlineMs) return
    const now = this.c.now()
    const bid = await Bid.sign(
      {
        v: 1,
        network: this.c.network,
        taskId: Ask.id(ask),
        prover: this.c.peerId,
        price: this.init.price,
        estimatedMs,
        capacity: free,
        hasCircuit,
        createdAt: now,
      },
      this.c.privateKey,
    )
    await this.saveJob({
      taskId,
      requester: a.requester,
      circuitId: a.circuitId,
      round: 0,
      state: 'bid',
      bidAt: now,
      updatedAt: now,
    })
    await this.c.repos.bids.put(bidKey(taskId, this.c.peerId), bid)
    await this.c.gossip.publishBid(bid)
    if (!hasCircuit && this.init.prefetch) {
      this.c.fetcher
        .fetchCircuit(a.circuitId, [peerIdFromString(a.requester)])
        .catch((err: unknown) => this.c.log('prefetch %s: %s', a.circuitId, errorMessage(err)))
    }
  }

  /** An award arrived: start work if it names us, stop work if it replaced us. */
  async onAward(award: SignedAward): Promise<void> {
    const taskId = toHex(award.body.taskId)
    await this.serial.run(taskId, async () => {
      const job = await this.c.repos.jobs.get(taskId)
      if (job === undefined) return
      const winner = award.body.ranked[award.body.winner]?.prover
      if (winner !== this.c.peerId) {
        if (ACTIVE.has(job.state) && award.body.round > job.round) {
          this.running.get(taskId)?.abort(new ZkpError('STALE', 'replaced by a later award'))
          await this.update(job, { state: 'lost', reason: `replaced in round ${award.body.round}` })
        } else if (job.state === 'bid' && !award.body.ranked.some((r) => r.prover === this.c.peerId)) {
          await this.update(job, { state: 'lost', reason: 'not ranked' })
        }
        return
      }
      // A replayed or stale award (same or older round) must not restart work that ran or ended.
      if (
        award.body.round < job.round ||
        (award.body.round === job.round && job.state !== 'bid' && job.state !== 'lost')
      )
        return
      const ask = await this.c.repos.asks.get(taskId)
      if (ask === undefined) return
      const ctl = new AbortController()
      this.running.set(taskId, ctl)
      const next = await this.update(job, { state: 'awarded', round: award.body.round })
      void this.work(next, ask, award, ctl).finally(() => {
        if (this.running.get(taskId) === ctl) this.running.delete(taskId)
      })
    })
  }

  /** A result arrived: a task another prover completed is lost to us; our own valid result is settled. */
  async onResult(result: SignedResult): Promise<void> {
    const taskId = toHex(result.body.taskId)
    await this.serial.run(taskId, async () => {
      const job = await this.c.repos.jobs.get(taskId)
      if (job === undefined || result.body.verdict !== 'valid') return
      if (result.body.prover !== this.c.peerId && (job.state === 'bid' || ACTIVE.has(job.state))) {
        this.running.get(taskId)?.abort(new ZkpError('STALE', 'task completed by another prover'))
        await this.update(job, { state: 'lost', reason: `completed by ${result.body.prover}` })
      }
    })
  }

  private async work(
    job: ProverJob,
    ask: SignedAsk,
    award: SignedAward,
    ctl: AbortController,
  ): Promise<void> {
    const deadline = setTimeout(
      () => ctl.abort(new ZkpError('TIMEOUT', 'proving deadline passed')),
      Math.max(0, award.body.provingDeadline - this.c.now()),
    )
    const signal = ctl.signal
    const requester = peerIdFromString(ask.body.requester)
    try {
      const [manifest, input] = await Promise.all([
        this.c.fetcher.fetchCircuit(ask.body.circuitId, [requester], signal),
        this.fetchInput(requester, award, signal),
      ])
      job = await this.update(job, { state: 'proving' })
      const reply = await this.c.engine.prove(
        {
          circuitId: ask.body.circuitId,
          wasmPath: this.c.artifacts.path(manifest.wasm),
          zkeyPath: this.c.artifacts.path(manifest.zkey),
          input,
        },
        signal,
      )
      this.learn(ask.body.circuitId, reply.ms)
      const delivery = await Delivery.sign(
        {
          v: 1,
          network: this.c.network,
          taskId: award.body.taskId,
          round: award.body.round,
          prover: this.c.peerId,
          proof: reply.proof as Groth16Proof,
          publicSignals: reply.publicSignals,
          provingMs: reply.ms,
          createdAt: this.c.now(),
        },
        this.c.privateKey,
      )
      const receipt = await this.deliver(requester, Delivery.encode(delivery), signal)
      await this.update(job, {
        state: receipt.status === 'accepted' ? 'delivered' : 'failed',
        provingMs: reply.ms,
        reason: `${receipt.status}: ${receipt.reason}`,
      })
    } catch (err) {
      const reason = signal.aborted ? errorMessage(signal.reason) : errorMessage(err)
      this.c.log('task %s: %s', job.taskId.slice(0, 8), reason)
      const latest = await this.c.repos.jobs.get(job.taskId)
      if (latest !== undefined && latest.state !== 'lost')
        await this.update(latest, { state: 'failed', reason })
    } finally {
      clearTimeout(deadline)
    }
  }

  private async fetchInput(
    requester: PeerId,
    award: SignedAward,
    signal: AbortSignal,
  ): Promise<CircuitInput> {
    const s = AbortSignal.any([signal, AbortSignal.timeout(INPUT_TIMEOUT_MS)])
    const stream = await this.c.host.dialProtocol(requester, INPUT_PROTOCOL, { signal: s })
    const f = framed(stream, INPUT_FRAME_BYTES)
    await f.write({ taskId: award.body.taskId, round: award.body.round }, { signal: s })
    const res = await f.read(InputResponse, 'input response', { signal: s })
    await f.close()
    if (res.status !== 'ok') throw new ZkpError('NOT_AUTHORISED', `input ${res.status}: ${res.reason}`)
    try {
      return JSON.parse(new TextDecoder().decode(res.input)) as CircuitInput
    } catch (err) {
      throw new ZkpError('INVALID_FIELD', 'input: not JSON', {}, { cause: err })
    }
  }

  private async deliver(requester: PeerId, bytes: Uint8Array, signal: AbortSignal): Promise<ProofReceipt> {
    const s = AbortSignal.any([signal, AbortSignal.timeout(PROOF_TIMEOUT_MS)])
    const stream = await this.c.host.dialProtocol(requester, PROOF_PROTOCOL, { signal: s })
    const f = framed(stream, PROOF_FRAME_BYTES)
    await f.writeBytes(bytes, { signal: s })
    const receipt = await f.read(ProofReceipt, 'proof receipt', { signal: s })
    await f.close()
    return receipt
  }

  /** Our estimate for a circuit: what we measured, or a guess from its size. */
  private async estimate(circuitId: string): Promise<number> {
    const known = this.measured.get(circuitId)
    if (known !== undefined) return Math.ceil(known)
    const manifest = await this.c.artifacts.manifest(circuitId).catch(() => undefined)
    return Math.ceil(Math.max(200, (manifest?.nConstraints ?? 100_000) * DEFAULT_MS_PER_CONSTRAINT))
  }

  private learn(circuitId: string, ms: number): void {
    const prev = this.measured.get(circuitId)
    this.measured.set(circuitId, prev === undefined ? ms : 0.7 * prev + 0.3 * ms)
  }

  private async saveJob(job: ProverJob): Promise<void> {
    await this.c.repos.jobs.put(job.taskId, job)
    this.c.events.emit('job', job)
  }

  private async update(job: ProverJob, patch: Partial<ProverJob>): Promise<ProverJob> {
    const next = { ...job, ...patch, updatedAt: this.c.now() }
    await this.saveJob(next)
    return next
  }
}
