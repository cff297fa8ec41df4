import type { Logger, PrivateKey } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { MANIFEST_MAX_BYTES } from '../../protocol/artifact/manifest.ts'
import { framed } from '../../protocol/codec/frames.ts'
import { fromHex, toHex } from '../../protocol/codec/hash.ts'
import { errorMessage, ZkpError } from '../../protocol/errors.ts'
import {
  STATUS_FRAME_BYTES,
  STATUS_PROTOCOL,
  STATUS_TIMEOUT_MS,
  StatusResponse,
} from '../../protocol/status/index.ts'
import {
  Ask,
  Bid,
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
import { bidKey, type Repositories, roundKey } from '../store/repositories.ts'
import type { Store } from '../store/store.ts'
import { dialableAddresses, rememberAddresses } from './peer-addresses.ts'
import { ACTIVE_JOB_STATES, FINAL_JOB_STATES, type ProverJob } from './prover-job.ts'
import { deliverWithRetry, fetchWork, prove } from './prover-work.ts'
import { KeyedSerial } from './serial.ts'

export interface ProverComponents {
  privateKey: PrivateKey
  peerId: string
  network: string
  host: ZkpHost
  store: Store
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
/** How long a prover waits for a circuit's manifest before bidding without it. */
const MANIFEST_FETCH_MS = 2_000
/** How often unsettled jobs are looked at, and the back-off bounds for asking a requester about one. */
const SWEEP_MS = 1_000
const SETTLE_AFTER_MS = 2_000
const SETTLE_MAX_BACKOFF_MS = 60_000
/** Asks kept for a second look while every slot is busy (oldest dropped first). */
const MAX_DEFERRED_ASKS = 256
/** A job the requester has not settled after this long is given up as lost. */
const SETTLE_GIVE_UP_MS = 24 * 60 * 60 * 1000

/**
 * The prover role: bids on asks it can serve; when awarded, fetches the circuit and the private input over
 * direct streams, proves in the engine, journals the proof and delivers it, retrying while the requester is
 * away. Every step is journaled: after a restart, work in flight resumes if its deadline allows. Jobs that
 * end without a word to us (we lost, we missed a deadline, the network split) are settled by asking the
 * requester over the status stream.
 */
export class Prover {
  private readonly serial = new KeyedSerial()
  private readonly running = new Map<string, AbortController>()
  /** Work in flight, so stop() can wait for it before the store closes. */
  private readonly working = new Set<Promise<void>>()
  /** Jobs not yet final, by task id: what the sweeper looks at. */
  private readonly unsettled = new Set<string>()
  /**
   * Jobs not yet final as last journaled, by task id: an award or a result finds its job without a store read
   * (every prover looks up its job for every award, and the winner's is the path from award to work).
   */
  private readonly open = new Map<string, ProverJob>()
  /**
   * Asks that came while every slot was busy, by task id: looked at again as soon as a slot frees, if their
   * bid window is still open (a requester that submits its next task the moment the last one is verified
   * would otherwise never hear from the prover that just proved it).
   */
  private readonly deferred = new Map<string, { ask: SignedAsk; held: Promise<boolean> }>()
  /** Measured proving time per circuit (moving average), used for estimates in bids. */
  private readonly measured = new Map<string, number>()
  private sweeper: NodeJS.Timeout | undefined
  private sweeping = false
  private started = false

  constructor(
    private readonly c: ProverComponents,
    private readonly init: ProverInit,
  ) {}

  /** Resumes journaled work: active jobs whose deadline allows go on, the rest wait to be settled. */
  async start(): Promise<void> {
    if (this.started) return
    this.started = true
    for await (const [taskId, job] of this.c.repos.jobs.values()) {
      if (FINAL_JOB_STATES.has(job.state)) continue
      this.unsettled.add(taskId)
      this.open.set(taskId, job)
      await rememberAddresses(this.c.host, peerIdFromString(job.requester), job.requesterAddrs).catch(
        (err: unknown) => this.c.log('addresses of %s: %s', job.requester, errorMessage(err)),
      )
      if (ACTIVE_JOB_STATES.has(job.state)) await this.resume(job)
    }
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_MS)
  }

  /** Stops sweeping, aborts work in flight and waits for it to settle, so nothing touches the store after. */
  async stop(): Promise<void> {
    if (!this.started) return
    this.started = false
    clearInterval(this.sweeper)
    for (const ctl of this.running.values()) ctl.abort(new ZkpError('UNAVAILABLE', 'node stopping'))
    this.running.clear()
    await Promise.allSettled([...this.working])
  }

  get activeJobs(): number {
    return this.running.size
  }

  /** An ask arrived: bid if we can serve it. `stored` settles once the ask is in the store (before we bid). */
  async onAsk(ask: SignedAsk, stored: Promise<void> = Promise.resolve()): Promise<void> {
    if (!this.started) return
    const a = ask.body
    if (a.requester === this.c.peerId) return
    if (this.init.circuits.length > 0 && !this.init.circuits.includes(a.circuitId)) return
    if (this.init.price > a.maxPrice) return
    const taskId = toHex(Ask.id(ask))
    const free = this.init.maxConcurrent - this.running.size
    if (free <= 0) {
      this.defer(taskId, ask, stored)
      return
    }
    if (await this.c.repos.jobs.has(taskId)) return
    const hasCircuit = await this.c.artifacts.hasCircuit(a.circuitId)
    // The manifest (a few hundred bytes) says how large the circuit is: fetch it before judging the deadline.
    if (!hasCircuit) {
      await this.c.fetcher
        .fetch(a.circuitId, [peerIdFromString(a.requester)], {
          signal: AbortSignal.timeout(MANIFEST_FETCH_MS),
          maxBytes: MANIFEST_MAX_BYTES,
        })
        .catch((err: unknown) => this.c.log('manifest %s: %s', a.circuitId, errorMessage(err)))
    }
    const estimatedMs = await this.estimate(a.circuitId)
    if (estimatedMs > a.provingDeadlineMs) {
      this.c.log('not bidding on %s: estimate %d ms exceeds the deadline', taskId.slice(0, 8), estimatedMs)
      return
    }
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
    const job: ProverJob = {
      taskId,
      requester: a.requester,
      circuitId: a.circuitId,
      round: 0,
      state: 'bid',
      bidAt: now,
      updatedAt: now,
      checkAt: a.createdAt + a.bidWindowMs + SETTLE_AFTER_MS,
    }
    // Journal the job and our bid before the bid goes out (and never a job whose ask the store lacks).
    await stored
    await this.c.store.batch([
      this.c.repos.jobs.putOp(taskId, job),
      this.c.repos.bids.putOp(bidKey(taskId, this.c.peerId), bid),
    ])
    this.unsettled.add(taskId)
    this.open.set(taskId, job)
    this.c.events.emit('job', job)
    await this.c.gossip.publishBid(bid)
    if (!hasCircuit && this.init.prefetch) {
      this.c.fetcher
        .fetchCircuit(a.circuitId, [peerIdFromString(a.requester)])
        .catch((err: unknown) => this.c.log('prefetch %s: %s', a.circuitId, errorMessage(err)))
    }
  }

  /**
   * An award arrived: start work if it names us, stop work if it replaced us. `stored` settles once the node has
   * stored the award. An award for someone else is handled once it is stored, as any change it makes to our job
   * must follow it (and a receipt for our delivery, under way meanwhile, goes first); the winner does not wait:
   * it journals the award itself, with the job it starts.
   */
  async onAward(award: SignedAward, stored: Promise<void> = Promise.resolve()): Promise<void> {
    const taskId = toHex(award.body.taskId)
    const winner = award.body.ranked[award.body.winner]?.prover
    if (winner !== this.c.peerId) await stored
    await this.serial.run(taskId, async () => {
      const job = await this.job(taskId)
      if (job === undefined || FINAL_JOB_STATES.has(job.state)) return
      if (winner !== this.c.peerId) {
        if (ACTIVE_JOB_STATES.has(job.state) && award.body.round > job.round) {
          this.running.get(taskId)?.abort(new ZkpError('STALE', 'replaced by a later award'))
          await this.update(job, { state: 'lost', reason: `replaced in round ${award.body.round}` })
        } else if (job.state === 'bid' && !award.body.ranked.some((r) => r.prover === this.c.peerId)) {
          await this.update(job, { state: 'lost', reason: 'not ranked' })
        } else if (job.state === 'bid' && award.body.round > job.round) {
          // Remember the latest round seen, so an older award arriving late cannot start stale work.
          await this.update(job, { round: award.body.round })
        }
        return
      }
      // A replayed or stale award (same or older round) must not restart work that ran or ended.
      if (award.body.round < job.round || (award.body.round === job.round && job.state !== 'bid')) return
      // The award is journaled with the job it starts, in one write.
      const requesterAddrs = await dialableAddresses(this.c.host, peerIdFromString(job.requester))
      const next = await this.update(
        job,
        {
          state: 'awarded',
          round: award.body.round,
          provingDeadline: award.body.provingDeadline,
          requesterAddrs,
        },
        [this.c.repos.awards.putOp(roundKey(taskId, award.body.round), award)],
      )
      await this.launch(next)
    })
  }

  /** A result arrived: a task another prover completed is lost to us. */
  async onResult(result: SignedResult): Promise<void> {
    const taskId = toHex(result.body.taskId)
    await this.serial.run(taskId, async () => {
      const job = await this.job(taskId)
      if (job === undefined || FINAL_JOB_STATES.has(job.state) || result.body.verdict !== 'valid') return
      if (result.body.prover === this.c.peerId) return
      this.running.get(taskId)?.abort(new ZkpError('STALE', 'task completed by another prover'))
      await this.update(job, { state: 'lost', reason: `completed by ${result.body.prover}` })
    })
  }

  /** After a restart: go on with work whose deadline has not passed; the rest is missed. */
  private async resume(job: ProverJob): Promise<void> {
    if (job.provingDeadline === undefined || this.c.now() >= job.provingDeadline) {
      await this.update(job, {
        state: 'missed',
        reason: 'restarted after the proving deadline',
        checkAt: this.c.now(),
      })
      return
    }
    this.c.log('resuming task %s from %s', job.taskId.slice(0, 8), job.state)
    await this.launch(job)
  }

  /** Runs the job's remaining steps in the background, bounded by its deadline. */
  private async launch(job: ProverJob): Promise<void> {
    const ask = await this.c.repos.asks.get(job.taskId)
    const award = await this.c.repos.awards.get(roundKey(job.taskId, job.round))
    if (ask === undefined || award === undefined) {
      await this.update(job, {
        state: 'missed',
        reason: 'ask or award missing from the store',
        checkAt: this.c.now(),
      })
      return
    }
    const ctl = new AbortController()
    this.running.set(job.taskId, ctl)
    const done: Promise<void> = this.work(job, ask, award, ctl)
      .catch((err: unknown) => this.c.log.error('task %s: %s', job.taskId.slice(0, 8), errorMessage(err)))
      .finally(() => {
        if (this.running.get(job.taskId) === ctl) this.running.delete(job.taskId)
        this.working.delete(done)
        this.reconsider()
      })
    this.working.add(done)
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
    const requester = peerIdFromString(ask.body.requester)
    try {
      let delivery = job.delivery
      if (delivery === undefined) {
        const work = await fetchWork(this.c, ask, award, requester, ctl.signal)
        job = await this.update(job, { state: 'proving' })
        const proved = await prove(this.c, ask, award, work, ctl.signal)
        this.learn(ask.body.circuitId, proved.provingMs)
        delivery = proved.delivery
        // Journal the proof before delivering it: a restart or an absent requester must not lose it.
        job = await this.update(job, { state: 'proved', delivery, provingMs: proved.provingMs })
      }
      const receipt = await deliverWithRetry(this.c, requester, delivery, ctl.signal)
      const state =
        receipt.status === 'accepted' ? 'delivered' : receipt.status === 'rejected' ? 'failed' : 'lost'
      await this.settle(job.taskId, { state, reason: `${receipt.status}: ${receipt.reason}` })
    } catch (err) {
      const reason = ctl.signal.aborted ? errorMessage(ctl.signal.reason) : errorMessage(err)
      this.c.log('task %s: %s', job.taskId.slice(0, 8), reason)
      // Stopping or being replaced is said elsewhere; anything else leaves the job to be settled.
      if (
        !(ctl.signal.reason instanceof ZkpError && ['UNAVAILABLE', 'STALE'].includes(ctl.signal.reason.code))
      ) {
        await this.settle(job.taskId, { state: 'missed', reason, checkAt: this.c.now() })
      }
    } finally {
      clearTimeout(deadline)
    }
  }

  /** `stored`: the ask's write, still running when the ask is deferred (a failed write means no bid). */
  private defer(taskId: string, ask: SignedAsk, stored: Promise<void>): void {
    if (this.deferred.size >= MAX_DEFERRED_ASKS) this.deferred.delete(this.deferred.keys().next().value!)
    const held = stored.then(
      () => true,
      () => false,
    )
    this.deferred.set(taskId, { ask, held })
  }

  /** A slot freed: bid on deferred asks whose window is still open, oldest first, while slots remain. */
  private reconsider(): void {
    const now = this.c.now()
    for (const [taskId, { ask, held }] of this.deferred) {
      if (!this.started || this.running.size >= this.init.maxConcurrent) return
      this.deferred.delete(taskId)
      if (now >= ask.body.createdAt + ask.body.bidWindowMs) continue
      // Bid only once the ask is stored (a job is never journaled without its ask); onAsk re-checks the rest.
      const retry = async () => {
        if (await held) await this.onAsk(ask)
      }
      retry().catch((err: unknown) =>
        this.c.log('deferred ask %s: %s', taskId.slice(0, 8), errorMessage(err)),
      )
    }
  }

  /** Applies a change to a job unless it has become final meanwhile. */
  private async settle(taskId: string, patch: Partial<ProverJob>): Promise<void> {
    await this.serial.run(taskId, async () => {
      const latest = await this.c.repos.jobs.get(taskId)
      if (latest !== undefined && !FINAL_JOB_STATES.has(latest.state)) await this.update(latest, patch)
    })
  }

  /** Asks requesters about jobs that nothing else has settled (bids never decided, missed deadlines). */
  private async sweep(): Promise<void> {
    if (this.sweeping) return
    this.sweeping = true
    try {
      const now = this.c.now()
      for (const taskId of [...this.unsettled].slice(0, 64)) {
        const job = await this.c.repos.jobs.get(taskId)
        if (job === undefined || FINAL_JOB_STATES.has(job.state)) {
          this.unsettled.delete(taskId)
          continue
        }
        if ((job.state !== 'bid' && job.state !== 'missed') || (job.checkAt ?? 0) > now) continue
        // To the back of the line, so a sweep of at most 64 reaches every job in turn.
        this.unsettled.delete(taskId)
        this.unsettled.add(taskId)
        await this.serial.run(taskId, () => this.askRequester(job))
      }
    } catch (err) {
      this.c.log.error('sweep: %s', errorMessage(err))
    } finally {
      this.sweeping = false
    }
  }

  private async askRequester(job: ProverJob): Promise<void> {
    let status: StatusResponse | undefined
    try {
      const signal = AbortSignal.timeout(STATUS_TIMEOUT_MS)
      const stream = await this.c.host.dialProtocol(peerIdFromString(job.requester), STATUS_PROTOCOL, {
        signal,
      })
      const f = framed(stream, STATUS_FRAME_BYTES)
      await f.write({ taskId: fromHex(job.taskId) }, { signal })
      status = await f.read(StatusResponse, 'status', { signal })
      await f.close()
    } catch (err) {
      this.c.log('status of %s: %s', job.taskId.slice(0, 8), errorMessage(err))
    }
    const latest = await this.c.repos.jobs.get(job.taskId)
    if (latest === undefined || FINAL_JOB_STATES.has(latest.state)) return
    const outcome = status === undefined ? undefined : settledBy(status, this.c.peerId)
    if (outcome !== undefined) {
      await this.update(latest, outcome)
      return
    }
    const checks = (latest.checks ?? 0) + 1
    if (this.c.now() - latest.bidAt > SETTLE_GIVE_UP_MS) {
      await this.update(latest, { state: 'lost', reason: 'the requester never settled the task' })
      return
    }
    const backoff = Math.min(SETTLE_MAX_BACKOFF_MS, SETTLE_AFTER_MS * 2 ** Math.min(checks, 10))
    await this.update(latest, { checks, checkAt: this.c.now() + backoff })
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

  /** The job for a task: from memory while it is open, else from the store. */
  private async job(taskId: string): Promise<ProverJob | undefined> {
    return this.open.get(taskId) ?? (await this.c.repos.jobs.get(taskId))
  }

  /** Journals a change to a job, with `also` in the same write if given. */
  private async update(
    job: ProverJob,
    patch: Partial<ProverJob>,
    also: Parameters<Store['batch']>[0] = [],
  ): Promise<ProverJob> {
    const next = { ...job, ...patch, updatedAt: this.c.now() }
    const op = this.c.repos.jobs.putOp(next.taskId, next)
    await this.c.store.batch([...also, op])
    if (FINAL_JOB_STATES.has(next.state)) {
      this.unsettled.delete(next.taskId)
      this.open.delete(next.taskId)
    } else this.open.set(next.taskId, next)
    this.c.events.emit('job', next)
    return next
  }
}

/** What a requester's status answer means for our job, or undefined if it is not final yet. */
function settledBy(s: StatusResponse, self: string): Partial<ProverJob> | undefined {
  switch (s.state) {
    case 'completed':
      return s.winner === self
        ? { state: 'delivered', reason: 'completed (confirmed by the requester)' }
        : { state: 'lost', reason: `completed by ${s.winner ?? 'another prover'}` }
    case 'failed':
      return { state: 'failed', reason: `the task failed: ${s.reason}` }
    case 'reasked':
      return { state: 'lost', reason: 'the requester asked again; this ask is over' }
    case 'unknown':
      return { state: 'lost', reason: 'the requester does not know this task' }
    default:
      return undefined
  }
}
