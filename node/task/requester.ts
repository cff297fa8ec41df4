import { randomBytes } from 'node:crypto'
import type { Logger, PrivateKey, StreamHandler } from '@libp2p/interface'
import type { CircuitInput } from 'snarkjs'
import { type AuctionWeights, bidSetDigest, eligibleBids, rankBids } from '../../protocol/auction/auction.ts'
import { framed } from '../../protocol/codec/frames.ts'
import { toHex } from '../../protocol/codec/hash.ts'
import { LIMITS } from '../../protocol/constants.ts'
import { errorMessage, ZkpError } from '../../protocol/errors.ts'
import { INPUT_FRAME_BYTES, InputRequest, type InputResponse } from '../../protocol/input/index.ts'
import { PROOF_FRAME_BYTES, type ProofReceipt } from '../../protocol/proof/index.ts'
import { publicSignalsDigest } from '../../protocol/reputation/record.ts'
import type { StatusResponse } from '../../protocol/status/index.ts'
import {
  Ask,
  type AskBatch,
  type AskBody,
  Award,
  type AwardBody,
  Delivery,
  Result,
  type SignedAsk,
  type SignedAward,
  type SignedBid,
  type SignedDelivery,
  type Verdict,
} from '../../protocol/task/messages.ts'
import { validateDelivery } from '../../protocol/task/validate.ts'
import type { ArtifactStore } from '../artifacts/artifact-store.ts'
import type { NodeEvents } from '../events.ts'
import type { Gossip } from '../gossip/gossip.ts'
import type { Ledger } from '../ledger/ledger.ts'
import type { ProofEngine } from '../prover/engine.ts'
import { type Repositories, roundKey } from '../store/repositories.ts'
import type { Store } from '../store/store.ts'
import { ProofCheck, parseInput } from './proof-check.ts'
import { priceFor, REASK_DEFAULTS, ReaskPolicy } from './reask.ts'
import { KeyedSerial } from './serial.ts'
import { FINAL_STATES, type TaskEvent, type TaskRecord, withEvent } from './task-record.ts'
import { TaskTimers } from './timers.ts'

export interface RequesterComponents {
  privateKey: PrivateKey
  peerId: string
  network: string
  store: Store
  repos: Repositories
  gossip: Gossip
  ledger: Ledger
  artifacts: ArtifactStore
  engine: ProofEngine
  events: NodeEvents
  log: Logger
  now: () => number
}

export interface BatchSubmitRequest extends Omit<SubmitRequest, 'input'> {
  /** The private inputs, UTF-8 JSON each: one task per input. */
  inputs: Uint8Array[]
}

export interface RequesterInit {
  weights: AuctionWeights
}

export interface SubmitRequest {
  circuitId: string
  /** The private input, UTF-8 JSON. */
  input: Uint8Array
  /** The most this requester will pay: the ceiling of every ask. */
  maxPrice: bigint
  bidWindowMs: number
  provingDeadlineMs: number
  closeAfterBids: number
  params?: Uint8Array
  /** The first ask's price (default: maxPrice); later asks raise it toward maxPrice. */
  startPrice?: bigint
  /** Asks in all before giving up (default 3). */
  maxAsks?: number
  /** How much each new ask raises the price, in percent (default 50). */
  raisePercent?: number
}

/**
 * The requester role: asks, runs the auction when the window closes, awards, hands the private input to the
 * awarded prover only, checks that a delivered proof is a valid proof of its input and gossips a signed
 * result. An invalid proof or a missed deadline hands the task to the next-ranked bid; an auction that ends
 * with nobody to prove leads to a new ask at a higher price; after the last ask the task fails with a reason.
 * Every transition is journaled before it is acted on, so a restarted requester resumes where it was.
 */
export class Requester {
  private readonly timers: TaskTimers
  private readonly serial = new KeyedSerial()
  private readonly check: ProofCheck
  private readonly pendingWitness = new Map<string, Promise<string[]>>()
  private started = false

  constructor(
    private readonly c: RequesterComponents,
    private readonly init: RequesterInit,
  ) {
    this.timers = new TaskTimers(c.log, c.now)
    this.check = new ProofCheck(c.artifacts, c.engine)
  }

  /** Resumes every open task from the store: re-arms its window or its deadline (at once if it has passed). */
  async start(): Promise<void> {
    if (this.started) return
    this.started = true
    for await (const [taskId, task] of this.c.repos.tasks.values()) {
      if (FINAL_STATES.has(task.state)) continue
      const ask = await this.c.repos.asks.get(task.auction)
      if (ask === undefined) continue
      if (task.state === 'bidding') this.armWindow(taskId, ask)
      else {
        const award = await this.c.repos.awards.get(roundKey(task.auction, task.round))
        if (award !== undefined) this.armDeadline(taskId, award)
      }
    }
  }

  stop(): void {
    if (!this.started) return
    this.started = false
    this.timers.clearAll()
  }

  /**
   * Creates, stores and gossips a task; returns its id (hex) once the input's expected public signals are known.
   * An input that does not satisfy the circuit fails the task and this call.
   */
  async submit(req: SubmitRequest): Promise<string> {
    const opened = await this.open(req, parseInput(req.input), undefined)
    await opened.ready
    return opened.taskId
  }

  /**
   * Submits inputs of one circuit together, one task each, as a batch: every ask carries the batch's id and its
   * index, and the auction spreads the batch over near-equal bids (SPEC §9.4). Malformed inputs refuse the
   * whole call before anything is sent; an input that does not satisfy the circuit fails only its own task.
   */
  async submitBatch(req: BatchSubmitRequest): Promise<{ batchId: string; taskIds: string[] }> {
    const size = req.inputs.length
    if (size < 2 || size > LIMITS.batchSize) {
      throw new ZkpError('BAD_REQUEST', `inputs: a batch holds 2..${LIMITS.batchSize} inputs, got ${size}`)
    }
    const parsed = req.inputs.map((input, i) => {
      try {
        return parseInput(input)
      } catch (err) {
        throw new ZkpError('BAD_REQUEST', `inputs[${i}]: ${errorMessage(err).replace(/^input: /, '')}`)
      }
    })
    const id = randomBytes(32)
    const opened = []
    for (const [index, input] of req.inputs.entries()) {
      opened.push(await this.open({ ...req, input }, parsed[index]!, { id, index, size }))
    }
    await Promise.allSettled(opened.map((o) => o.ready))
    return { batchId: toHex(id), taskIds: opened.map((o) => o.taskId) }
  }

  /** Stores and gossips one task; `ready` settles once its expected public signals are stored (or it failed). */
  private async open(
    req: SubmitRequest,
    input: CircuitInput,
    batch: AskBatch | undefined,
  ): Promise<{ taskId: string; ready: Promise<void> }> {
    if (!(await this.c.artifacts.hasCircuit(req.circuitId))) {
      throw new ZkpError(
        'BAD_REQUEST',
        `circuitId: circuit ${req.circuitId} is not held by this node; add it first`,
      )
    }
    const policy = ReaskPolicy.parse({
      startPrice: req.startPrice ?? req.maxPrice,
      ceiling: req.maxPrice,
      maxAsks: req.maxAsks ?? REASK_DEFAULTS.maxAsks,
      raisePercent: req.raisePercent ?? REASK_DEFAULTS.raisePercent,
    })
    if (policy.startPrice > policy.ceiling) {
      throw new ZkpError(
        'BAD_REQUEST',
        `startPrice: ${policy.startPrice} is above maxPrice ${policy.ceiling}`,
      )
    }
    // Run the witness generator while the ask goes out (it is awaited before the award and before any proof is
    // judged, and a failure fails the task).
    const witness = this.check.expectedSignals(req.circuitId, input)
    witness.catch(() => {})
    const now = this.c.now()
    const ask = await this.signAsk({
      circuitId: req.circuitId,
      params: req.params ?? new Uint8Array(),
      maxPrice: policy.startPrice,
      bidWindowMs: req.bidWindowMs,
      closeAfterBids: req.closeAfterBids,
      provingDeadlineMs: req.provingDeadlineMs,
      inputBytes: req.input.byteLength,
      ...(batch !== undefined ? { batch } : {}),
    })
    const taskId = toHex(Ask.id(ask))
    const task: TaskRecord = withEvent(
      {
        taskId,
        circuitId: req.circuitId,
        state: 'bidding',
        auction: taskId,
        attempt: 0,
        auctions: [taskId],
        round: 0,
        policy,
        createdAt: now,
        updatedAt: now,
        events: [],
        expectedPublicSignals: [],
        ...(batch !== undefined
          ? { batch: { id: toHex(batch.id), index: batch.index, size: batch.size } }
          : {}),
      },
      {
        at: now,
        kind: 'asked',
        detail:
          `price ${policy.startPrice} (ceiling ${policy.ceiling}), window ${req.bidWindowMs} ms` +
          (batch !== undefined ? `, batch item ${batch.index + 1} of ${batch.size}` : ''),
      },
    )
    // Journal first: input, ask and task land together before anything is sent.
    await this.c.store.batch([
      this.c.repos.asks.putOp(taskId, ask),
      this.c.repos.auctions.putOp(taskId, taskId),
      this.c.repos.inputs.putOp(taskId, req.input),
      this.c.repos.tasks.putOp(taskId, task),
    ])
    this.c.events.emit('task', task)
    this.pendingWitness.set(taskId, witness)
    await this.c.gossip.publishAsk(ask)
    this.armWindow(taskId, ask)
    const ready = (async () => {
      try {
        const expected = await witness
        await this.serial.run(taskId, async () => {
          await this.c.repos.tasks.put(taskId, {
            ...(await this.mustTask(taskId)),
            expectedPublicSignals: expected,
          })
        })
      } catch (err) {
        await this.serial.run(taskId, () => this.finish(taskId, errorMessage(err)))
        throw err
      } finally {
        this.pendingWitness.delete(taskId)
      }
    })()
    ready.catch(() => {})
    return { taskId, ready }
  }

  async task(taskId: string): Promise<TaskRecord | undefined> {
    return this.c.repos.tasks.get(taskId)
  }

  /** A bid for one of our asks arrived (already validated and stored): record it; close early if asked to. */
  async onBid(bid: SignedBid): Promise<void> {
    const auction = toHex(bid.body.taskId)
    const taskId = await this.c.repos.auctions.get(auction)
    if (taskId === undefined) return
    await this.serial.run(taskId, async () => {
      // Bids come in a burst and each waits its turn here: as few store round trips as can be, or the window's
      // close queues behind them.
      const [task, ask] = await Promise.all([this.c.repos.tasks.get(taskId), this.c.repos.asks.get(auction)])
      if (task?.state !== 'bidding' || task.auction !== auction || ask === undefined) return
      const b = bid.body
      await this.event(
        taskId,
        {
          at: this.c.now(),
          kind: 'bid',
          detail: `${b.prover} bid ${b.price} (estimate ${b.estimatedMs} ms, ${b.hasCircuit ? 'has' : 'lacks'} the circuit)`,
        },
        task,
      )
      if (ask.body.closeAfterBids === 0) return
      if (eligibleBids(ask, await this.bidsFor(auction)).length >= ask.body.closeAfterBids) {
        await this.closeWindow(taskId, ask)
      }
    })
  }

  /** Only the awarded prover of the current round of the current auction gets the private input. */
  readonly handleInput: StreamHandler = async (stream, connection) => {
    const f = framed(stream, INPUT_FRAME_BYTES)
    try {
      const req = await f.read(InputRequest, 'input request', { signal: AbortSignal.timeout(10_000) })
      await f.write(await this.inputFor(toHex(req.taskId), req.round, connection.remotePeer.toString()))
      await f.close()
    } catch (err) {
      this.c.log('input stream from %p: %s', connection.remotePeer, errorMessage(err))
      f.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }

  /** A prover delivers a proof; we check it and answer with a receipt. */
  readonly handleProof: StreamHandler = async (stream, connection) => {
    const f = framed(stream, PROOF_FRAME_BYTES)
    try {
      const delivery = Delivery.decode(await f.readBytes({ signal: AbortSignal.timeout(10_000) }))
      const taskId = await this.c.repos.auctions.get(toHex(delivery.body.taskId))
      const receipt: ProofReceipt =
        taskId === undefined
          ? { status: 'refused', reason: 'unknown task' }
          : await this.serial.run(taskId, () =>
              this.judge(taskId, delivery, connection.remotePeer.toString()),
            )
      await f.write(receipt)
      await f.close()
    } catch (err) {
      this.c.log('proof stream from %p: %s', connection.remotePeer, errorMessage(err))
      f.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }

  /** What a prover that bid on one of our asks may learn about it (see protocol/status). */
  async status(auction: string): Promise<StatusResponse> {
    const taskId = await this.c.repos.auctions.get(auction)
    const task = taskId === undefined ? undefined : await this.c.repos.tasks.get(taskId)
    if (task === undefined)
      return { state: 'unknown', round: 0, winner: null, current: false, reason: 'unknown task' }
    const current = task.auction === auction
    const state = current
      ? task.state
      : task.state === 'completed' || task.state === 'failed'
        ? task.state
        : 'reasked'
    return {
      state,
      round: current ? task.round : 0,
      winner: current && task.prover !== undefined ? task.prover : null,
      current,
      reason: (task.reason ?? '').slice(0, LIMITS.reasonChars),
    }
  }

  private async inputFor(auction: string, round: number, peer: string): Promise<InputResponse> {
    const taskId = await this.c.repos.auctions.get(auction)
    const task = taskId === undefined ? undefined : await this.c.repos.tasks.get(taskId)
    if (taskId === undefined || task === undefined) return { status: 'not-found', reason: 'unknown task' }
    const award = await this.c.repos.awards.get(roundKey(auction, task.round))
    const winner = award?.body.ranked[award.body.winner]?.prover
    if (task.state !== 'awarded' || task.auction !== auction || round !== task.round || winner !== peer) {
      this.c.log('input for %s denied to %s', auction.slice(0, 8), peer)
      return { status: 'denied', reason: 'only the awarded prover of the current round may fetch the input' }
    }
    const input = await this.c.repos.inputs.get(taskId)
    if (input === undefined) return { status: 'not-found', reason: 'input missing' }
    return { status: 'ok', input }
  }

  private armWindow(taskId: string, ask: SignedAsk): void {
    this.timers.arm(taskId, ask.body.createdAt + ask.body.bidWindowMs, () =>
      this.serial.run(taskId, async () => {
        const task = await this.c.repos.tasks.get(taskId)
        if (task?.state === 'bidding' && task.auction === toHex(Ask.id(ask)))
          await this.closeWindow(taskId, ask)
      }),
    )
  }

  private armDeadline(taskId: string, award: SignedAward): void {
    this.timers.arm(taskId, award.body.provingDeadline, () =>
      this.serial.run(taskId, () => this.onDeadline(taskId, award)),
    )
  }

  private async bidsFor(auction: string): Promise<SignedBid[]> {
    const bids: SignedBid[] = []
    for await (const [, bid] of this.c.repos.bids.values(`${auction}/`, 4096)) bids.push(bid)
    return bids
  }

  /** Runs the auction on the bids we hold and awards round 0; with no eligible bid, asks again or gives up. */
  private async closeWindow(taskId: string, ask: SignedAsk): Promise<void> {
    this.timers.clear(taskId)
    let expected: string[]
    try {
      expected = await this.expectedFor(taskId, await this.mustTask(taskId))
    } catch (err) {
      // No one is awarded work on an input that cannot be proven.
      await this.finish(taskId, errorMessage(err))
      return
    }
    const bids = await this.bidsFor(toHex(Ask.id(ask)))
    // The ledger state the auction uses is fixed by the ask (docs/ledger.md): every node can rebuild it.
    const snapshot = await this.c.ledger.auctionSnapshot(ask)
    const ranked = rankBids(ask, bids, snapshot.reputation, this.init.weights)
    if (ranked.length === 0) {
      await this.reask(taskId, `no eligible bid at price ${ask.body.maxPrice} (${bids.length} bids)`)
      return
    }
    const digest = bidSetDigest(eligibleBids(ask, bids).map((e) => e.bidId))
    const body: AwardBody = {
      v: 1,
      network: this.c.network,
      taskId: Ask.id(ask),
      requester: this.c.peerId,
      round: 0,
      ranked: ranked.map((r) => ({
        prover: r.bid.body.prover,
        bidId: r.bidId,
        price: r.bid.body.price,
        estimatedMs: r.bid.body.estimatedMs,
      })),
      winner: 0,
      bidSetDigest: digest,
      ledgerRoot: snapshot.root,
      provingDeadline: 0,
      createdAt: 0,
      // What an auditor needs: the weights ranked with, and the public signals committed before any delivery.
      weights: this.init.weights,
      signalsDigest: publicSignalsDigest(expected),
    }
    await this.award(taskId, ask, body, `${ranked.length} eligible of ${bids.length} bids`)
  }

  /** Signs, journals and gossips an award for round body.round to ranked[body.winner]. */
  private async award(taskId: string, ask: SignedAsk, body: AwardBody, why: string): Promise<void> {
    const now = this.c.now()
    const award = await Award.sign(
      { ...body, createdAt: now, provingDeadline: now + ask.body.provingDeadlineMs },
      this.c.privateKey,
    )
    const winner = award.body.ranked[award.body.winner]!
    const auction = toHex(award.body.taskId)
    const task = await this.mustTask(taskId)
    const next = withEvent(
      { ...task, state: 'awarded', round: award.body.round, prover: winner.prover },
      {
        at: now,
        kind: 'awarded',
        detail: `round ${award.body.round} to ${winner.prover} at ${winner.price} (${why})`,
      },
    )
    await this.c.store.batch([
      this.c.repos.awards.putOp(roundKey(auction, award.body.round), award),
      this.c.repos.tasks.putOp(taskId, next),
    ])
    this.c.events.emit('task', next)
    await this.c.gossip.publishAward(award)
    this.armDeadline(taskId, award)
  }

  /** Asks again at the next price of the task's policy, or fails the task after its last ask. */
  private async reask(taskId: string, why: string): Promise<void> {
    const task = await this.mustTask(taskId)
    const prev = await this.c.repos.asks.get(task.auction)
    const attempt = task.attempt + 1
    if (prev === undefined || attempt >= task.policy.maxAsks) {
      await this.finish(
        taskId,
        `${why}; gave up after ${task.attempt + 1} ask(s), ceiling ${task.policy.ceiling}`,
      )
      return
    }
    const price = priceFor(task.policy, attempt)
    const { circuitId, params, bidWindowMs, closeAfterBids, provingDeadlineMs, inputBytes, batch } = prev.body
    // A batch's task stays in its batch: its new ask keeps the batch and index, so the spread holds.
    const ask = await this.signAsk({
      circuitId,
      params,
      maxPrice: price,
      bidWindowMs,
      closeAfterBids,
      provingDeadlineMs,
      inputBytes,
      ...(batch !== undefined ? { batch } : {}),
    })
    const auction = toHex(Ask.id(ask))
    const next = withEvent(
      {
        ...task,
        state: 'bidding',
        auction,
        auctions: [...task.auctions, auction],
        attempt,
        round: 0,
        prover: undefined,
      },
      {
        at: this.c.now(),
        kind: 'asked',
        detail: `asked again at price ${price} (ask ${attempt + 1} of ${task.policy.maxAsks}): ${why}`,
      },
    )
    await this.c.store.batch([
      this.c.repos.asks.putOp(auction, ask),
      this.c.repos.auctions.putOp(auction, taskId),
      this.c.repos.tasks.putOp(taskId, next),
    ])
    this.c.events.emit('task', next)
    await this.c.gossip.publishAsk(ask)
    this.armWindow(taskId, ask)
  }

  private async signAsk(
    fields: Pick<
      AskBody,
      | 'circuitId'
      | 'params'
      | 'maxPrice'
      | 'bidWindowMs'
      | 'closeAfterBids'
      | 'provingDeadlineMs'
      | 'inputBytes'
      | 'batch'
    >,
  ): Promise<SignedAsk> {
    return Ask.sign(
      {
        v: 1,
        network: this.c.network,
        requester: this.c.peerId,
        nonce: randomBytes(16),
        createdAt: this.c.now(),
        system: 'groth16',
        ...fields,
      },
      this.c.privateKey,
    )
  }

  /** The public signals a proof of this task must carry: stored, being computed, or computed again now. */
  private async expectedFor(taskId: string, task: TaskRecord): Promise<string[]> {
    if (task.expectedPublicSignals.length > 0) return task.expectedPublicSignals
    const pending = this.pendingWitness.get(taskId)
    if (pending !== undefined) return pending
    // After a restart mid-computation: compute again from the stored input.
    const input = await this.c.repos.inputs.get(taskId)
    if (input === undefined) throw new ZkpError('NOT_FOUND', `input of task ${taskId} missing`)
    const expected = await this.check.expectedSignals(task.circuitId, parseInput(input))
    await this.c.repos.tasks.put(taskId, { ...task, expectedPublicSignals: expected })
    return expected
  }

  private async judge(taskId: string, delivery: SignedDelivery, sender: string): Promise<ProofReceipt> {
    const task = await this.c.repos.tasks.get(taskId)
    const auction = toHex(delivery.body.taskId)
    if (task?.state !== 'awarded' || task.auction !== auction || delivery.body.round !== task.round) {
      return { status: 'refused', reason: 'not the current award of an open task' }
    }
    const award = await this.c.repos.awards.get(roundKey(auction, task.round))
    const ask = await this.c.repos.asks.get(auction)
    if (award === undefined || ask === undefined) return { status: 'refused', reason: 'unknown award' }
    if (this.c.now() > award.body.provingDeadline)
      return { status: 'refused', reason: 'past the proving deadline' }
    const verdict = await validateDelivery(delivery, award, sender)
    if (verdict.result !== 'accept') return { status: 'refused', reason: verdict.reason }
    await this.event(taskId, {
      at: this.c.now(),
      kind: 'delivered',
      detail: `proof from ${sender} (${delivery.body.provingMs} ms proving)`,
    })
    let problem: string | undefined
    try {
      problem = await this.check.judge(ask.body.circuitId, await this.expectedFor(taskId, task), delivery)
    } catch (err) {
      // We could not judge (our verifier is down, say): that says nothing about the proof. The deadline
      // still runs, and the prover may deliver again.
      this.c.log.error('task %s: cannot verify now: %s', taskId.slice(0, 8), errorMessage(err))
      return { status: 'retry', reason: 'the requester cannot verify right now; deliver again' }
    }
    this.timers.clear(taskId)
    await this.conclude(
      taskId,
      ask,
      award,
      problem === undefined ? 'valid' : 'invalid',
      delivery,
      problem ?? 'proof verified',
    )
    return problem === undefined
      ? { status: 'accepted', reason: 'proof verified' }
      : { status: 'rejected', reason: problem }
  }

  private async onDeadline(taskId: string, award: SignedAward): Promise<void> {
    const task = await this.c.repos.tasks.get(taskId)
    const auction = toHex(award.body.taskId)
    if (task?.state !== 'awarded' || task.auction !== auction || task.round !== award.body.round) return
    const ask = await this.c.repos.asks.get(auction)
    if (ask === undefined) return
    // Timers may fire a little early; a timeout signed before the deadline would be rejected by every peer.
    if (this.c.now() < award.body.provingDeadline) {
      this.armDeadline(taskId, award)
      return
    }
    await this.conclude(taskId, ask, award, 'timeout', null, 'no proof by the proving deadline')
  }

  /** Signs and gossips the result of a round; completes the task or moves on to the next fallback. */
  private async conclude(
    taskId: string,
    ask: SignedAsk,
    award: SignedAward,
    verdict: Verdict,
    delivery: SignedDelivery | null,
    reason: string,
  ): Promise<void> {
    const prover = award.body.ranked[award.body.winner]!.prover
    const result = await Result.sign(
      {
        v: 1,
        network: this.c.network,
        taskId: award.body.taskId,
        requester: this.c.peerId,
        prover,
        round: award.body.round,
        verdict,
        reason,
        ask,
        award,
        delivery,
        createdAt: this.c.now(),
      },
      this.c.privateKey,
    )
    // The result is journaled (in the ledger) before the task moves on, and gossiped after.
    await this.c.ledger.apply(result)
    const now = this.c.now()
    if (verdict === 'valid' && delivery !== null) {
      const { proof, publicSignals, provingMs } = delivery.body
      const done = withEvent(
        {
          ...(await this.mustTask(taskId)),
          state: 'completed',
          reason: `proof by ${prover} verified`,
          proof: { proof, publicSignals, provingMs },
        },
        { at: now, kind: 'completed', detail: `proof by ${prover} verified` },
      )
      await this.c.repos.tasks.put(taskId, done)
      this.c.events.emit('task', done)
    } else {
      await this.event(taskId, {
        at: now,
        kind: verdict === 'timeout' ? 'timeout' : 'rejected',
        detail: `${prover}: ${reason}`,
      })
      const nextWinner = award.body.winner + 1
      if (nextWinner < award.body.ranked.length) {
        await this.award(
          taskId,
          ask,
          { ...award.body, round: award.body.round + 1, winner: nextWinner },
          `fallback after ${verdict}`,
        )
      } else {
        await this.reask(taskId, `every ranked prover failed (last: ${prover}, ${reason})`)
      }
    }
    await this.c.gossip.publishResult(result)
  }

  private async finish(taskId: string, reason: string): Promise<void> {
    this.timers.clear(taskId)
    const task = await this.mustTask(taskId)
    const next = withEvent(
      { ...task, state: 'failed', reason },
      { at: this.c.now(), kind: 'failed', detail: reason },
    )
    await this.c.repos.tasks.put(taskId, next)
    this.c.events.emit('task', next)
  }

  /** Journals an event; `task` is the record as just read in the same serial step, if the caller has it. */
  private async event(taskId: string, e: TaskEvent, task?: TaskRecord): Promise<void> {
    const next = withEvent(task ?? (await this.mustTask(taskId)), e)
    await this.c.repos.tasks.put(taskId, next)
    this.c.events.emit('task', next)
  }

  private async mustTask(taskId: string): Promise<TaskRecord> {
    const task = await this.c.repos.tasks.get(taskId)
    if (task === undefined) throw new ZkpError('UNKNOWN_TASK', `task ${taskId} is not ours`)
    return task
  }
}
