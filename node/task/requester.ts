import { randomBytes } from 'node:crypto'
import type { Logger, PrivateKey, StreamHandler } from '@libp2p/interface'
import type { CircuitInput, VerificationKey } from 'snarkjs'
import { type AuctionWeights, bidSetDigest, eligibleBids, rankBids } from '../../protocol/auction/auction.ts'
import { framed } from '../../protocol/codec/frames.ts'
import { toHex } from '../../protocol/codec/hash.ts'
import { errorMessage, ZkpError } from '../../protocol/errors.ts'
import { INPUT_FRAME_BYTES, InputRequest, type InputResponse } from '../../protocol/input/index.ts'
import { PROOF_FRAME_BYTES, type ProofReceipt } from '../../protocol/proof/index.ts'
import {
  Ask,
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
import { KeyedSerial } from './serial.ts'
import { FINAL_STATES, type TaskEvent, type TaskRecord, withEvent } from './task-record.ts'

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

export interface RequesterInit {
  weights: AuctionWeights
}

export interface SubmitRequest {
  circuitId: string
  /** The private input, UTF-8 JSON. */
  input: Uint8Array
  maxPrice: bigint
  bidWindowMs: number
  provingDeadlineMs: number
  closeAfterBids: number
  params?: Uint8Array
}

/**
 * The requester role: asks, runs the auction when the window closes, awards, hands the private input to the
 * awarded prover only, verifies the delivered proof and gossips a signed result. An invalid proof or a missed
 * deadline hands the task to the next-ranked bid; when none is left the task fails with a reason.
 */
export class Requester {
  private readonly timers = new Map<string, NodeJS.Timeout>()
  private readonly serial = new KeyedSerial()
  private readonly vkeys = new Map<string, VerificationKey>()
  private readonly pendingWitness = new Map<string, Promise<string[]>>()
  private started = false

  constructor(
    private readonly c: RequesterComponents,
    private readonly init: RequesterInit,
  ) {}

  async start(): Promise<void> {
    if (this.started) return
    this.started = true
    // Resume open tasks: re-arm the window or the deadline from what the store says.
    for await (const [taskId, task] of this.c.repos.tasks.values()) {
      if (FINAL_STATES.has(task.state)) continue
      const ask = await this.c.repos.asks.get(taskId)
      if (ask === undefined) continue
      if (task.state === 'bidding') this.armWindow(taskId, ask)
      else {
        const award = await this.c.repos.awards.get(roundKey(taskId, task.round))
        if (award !== undefined) this.armDeadline(taskId, award)
      }
    }
  }

  stop(): void {
    if (!this.started) return
    this.started = false
    for (const t of this.timers.values()) clearTimeout(t)
    this.timers.clear()
  }

  /** Creates, stores and gossips a task; returns its id (hex). */
  async submit(req: SubmitRequest): Promise<string> {
    if (!(await this.c.artifacts.hasCircuit(req.circuitId))) {
      throw new ZkpError(
        'BAD_REQUEST',
        `circuitId: circuit ${req.circuitId} is not held by this node; add it first`,
      )
    }
    // Check the input's shape now; run the witness generator while the ask goes out (it is awaited before the
    // award and before any proof is judged, and a failure fails the task and this call).
    const input = parseInput(req.input)
    const witness = this.expectedSignals(req.circuitId, input)
    witness.catch(() => {})
    const now = this.c.now()
    const ask = await Ask.sign(
      {
        v: 1,
        network: this.c.network,
        requester: this.c.peerId,
        nonce: randomBytes(16),
        createdAt: now,
        circuitId: req.circuitId,
        system: 'groth16',
        params: req.params ?? new Uint8Array(),
        maxPrice: req.maxPrice,
        bidWindowMs: req.bidWindowMs,
        closeAfterBids: req.closeAfterBids,
        provingDeadlineMs: req.provingDeadlineMs,
        inputBytes: req.input.byteLength,
      },
      this.c.privateKey,
    )
    const taskId = toHex(Ask.id(ask))
    const task: TaskRecord = withEvent(
      {
        taskId,
        circuitId: req.circuitId,
        state: 'bidding',
        round: 0,
        createdAt: now,
        updatedAt: now,
        events: [],
        expectedPublicSignals: [],
      },
      { at: now, kind: 'asked', detail: `max price ${req.maxPrice}, window ${req.bidWindowMs} ms` },
    )
    // Journal first: input, ask and task land together before anything is sent.
    await this.c.store.batch([
      this.c.repos.asks.putOp(taskId, ask),
      this.c.repos.inputs.putOp(taskId, req.input),
      this.c.repos.tasks.putOp(taskId, task),
    ])
    this.c.events.emit('task', task)
    this.pendingWitness.set(taskId, witness)
    await this.c.gossip.publishAsk(ask)
    this.armWindow(taskId, ask)
    try {
      const expected = await witness
      await this.serial.run(taskId, async () => {
        await this.c.repos.tasks.put(taskId, {
          ...(await this.mustTask(taskId)),
          expectedPublicSignals: expected,
        })
      })
    } catch (err) {
      await this.serial.run(taskId, () => this.finish(taskId, 'failed', errorMessage(err)))
      throw err
    } finally {
      this.pendingWitness.delete(taskId)
    }
    return taskId
  }

  /** The public signals a proof of this task must carry: stored, being computed, or computed again now. */
  private async expectedFor(taskId: string, task: TaskRecord): Promise<string[]> {
    if (task.expectedPublicSignals.length > 0) return task.expectedPublicSignals
    const pending = this.pendingWitness.get(taskId)
    if (pending !== undefined) return pending
    // After a restart mid-computation: compute again from the stored input.
    const input = await this.c.repos.inputs.get(taskId)
    if (input === undefined) throw new ZkpError('NOT_FOUND', `input of task ${taskId} missing`)
    const expected = await this.expectedSignals(task.circuitId, parseInput(input))
    await this.c.repos.tasks.put(taskId, { ...task, expectedPublicSignals: expected })
    return expected
  }

  /** Runs the witness generator on the input: the public signals a proof must carry, or a clear refusal. */
  private async expectedSignals(circuitId: string, parsed: CircuitInput): Promise<string[]> {
    const manifest = (await this.c.artifacts.manifest(circuitId))!
    const vkey = await this.vkey(circuitId)
    try {
      return await this.c.engine.publicSignals({
        circuitId,
        wasmPath: this.c.artifacts.path(manifest.wasm),
        input: parsed,
        nPublic: vkey.nPublic,
      })
    } catch (err) {
      throw new ZkpError(
        'BAD_REQUEST',
        `input: does not satisfy circuit ${manifest.name}: ${errorMessage(err).slice(0, 200)}`,
      )
    }
  }

  async task(taskId: string): Promise<TaskRecord | undefined> {
    return this.c.repos.tasks.get(taskId)
  }

  /** A bid for one of our tasks arrived (already validated and stored): record it; close early if asked to. */
  async onBid(bid: SignedBid): Promise<void> {
    const taskId = toHex(bid.body.taskId)
    const ask = await this.c.repos.asks.get(taskId)
    if (ask === undefined || ask.body.requester !== this.c.peerId) return
    await this.serial.run(taskId, async () => {
      const task = await this.c.repos.tasks.get(taskId)
      if (task?.state !== 'bidding') return
      const b = bid.body
      await this.event(taskId, {
        at: this.c.now(),
        kind: 'bid',
        detail: `${b.prover} bid ${b.price} (estimate ${b.estimatedMs} ms, ${b.hasCircuit ? 'has' : 'lacks'} the circuit)`,
      })
      if (ask.body.closeAfterBids === 0) return
      const bids = await this.bidsFor(taskId)
      if (eligibleBids(ask, bids).length >= ask.body.closeAfterBids) await this.closeWindow(taskId, ask)
    })
  }

  /** Only the awarded prover of the current round gets the private input. */
  readonly handleInput: StreamHandler = async (stream, connection) => {
    const f = framed(stream, INPUT_FRAME_BYTES)
    try {
      const req = await f.read(InputRequest, 'input request', { signal: AbortSignal.timeout(10_000) })
      const taskId = toHex(req.taskId)
      const reply = await this.inputFor(taskId, req.round, connection.remotePeer.toString())
      await f.write(reply)
      await f.close()
    } catch (err) {
      this.c.log('input stream from %p: %s', connection.remotePeer, errorMessage(err))
      f.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }

  /** A prover delivers a proof; we verify it and answer with a receipt. */
  readonly handleProof: StreamHandler = async (stream, connection) => {
    const f = framed(stream, PROOF_FRAME_BYTES)
    try {
      const delivery = Delivery.decode(await f.readBytes({ signal: AbortSignal.timeout(10_000) }))
      const receipt = await this.serial.run(toHex(delivery.body.taskId), () =>
        this.judge(delivery, connection.remotePeer.toString()),
      )
      await f.write(receipt)
      await f.close()
    } catch (err) {
      this.c.log('proof stream from %p: %s', connection.remotePeer, errorMessage(err))
      f.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }

  private async inputFor(taskId: string, round: number, peer: string): Promise<InputResponse> {
    const task = await this.c.repos.tasks.get(taskId)
    if (task === undefined) return { status: 'not-found', reason: 'unknown task' }
    const award = await this.c.repos.awards.get(roundKey(taskId, task.round))
    const winner = award?.body.ranked[award.body.winner]?.prover
    if (task.state !== 'awarded' || round !== task.round || winner !== peer) {
      this.c.log('input for %s denied to %s', taskId.slice(0, 8), peer)
      return { status: 'denied', reason: 'only the awarded prover of the current round may fetch the input' }
    }
    const input = await this.c.repos.inputs.get(taskId)
    if (input === undefined) return { status: 'not-found', reason: 'input missing' }
    return { status: 'ok', input }
  }

  private armWindow(taskId: string, ask: SignedAsk): void {
    const at = ask.body.createdAt + ask.body.bidWindowMs
    this.arm(taskId, at, () =>
      this.serial.run(taskId, async () => {
        const task = await this.c.repos.tasks.get(taskId)
        if (task?.state === 'bidding') await this.closeWindow(taskId, ask)
      }),
    )
  }

  private armDeadline(taskId: string, award: SignedAward): void {
    this.arm(taskId, award.body.provingDeadline, () =>
      this.serial.run(taskId, () => this.onDeadline(taskId, award.body.round)),
    )
  }

  private arm(taskId: string, at: number, fn: () => Promise<void>): void {
    clearTimeout(this.timers.get(taskId))
    const timer = setTimeout(
      () => {
        this.timers.delete(taskId)
        fn().catch((err: unknown) => this.c.log.error('task %s: %s', taskId.slice(0, 8), errorMessage(err)))
      },
      Math.max(0, at - this.c.now()),
    )
    this.timers.set(taskId, timer)
  }

  private async bidsFor(taskId: string): Promise<SignedBid[]> {
    const bids: SignedBid[] = []
    for await (const [, bid] of this.c.repos.bids.values(`${taskId}/`, 4096)) bids.push(bid)
    return bids
  }

  /** Runs the auction on the bids we hold and awards round 0, or fails the task if no bid is eligible. */
  private async closeWindow(taskId: string, ask: SignedAsk): Promise<void> {
    clearTimeout(this.timers.get(taskId))
    try {
      await this.expectedFor(taskId, await this.mustTask(taskId))
    } catch (err) {
      // No one is awarded work on an input that cannot be proven.
      await this.finish(taskId, 'failed', errorMessage(err))
      return
    }
    const bids = await this.bidsFor(taskId)
    const ranked = rankBids(ask, bids, this.c.ledger.snapshot(), this.init.weights)
    if (ranked.length === 0) {
      await this.finish(
        taskId,
        'failed',
        `no eligible bid in the ${ask.body.bidWindowMs} ms window (${bids.length} bids)`,
      )
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
      ledgerRoot: this.c.ledger.root(),
      provingDeadline: 0,
      createdAt: 0,
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
      this.c.repos.awards.putOp(roundKey(taskId, award.body.round), award),
      this.c.repos.tasks.putOp(taskId, next),
    ])
    this.c.events.emit('task', next)
    await this.c.gossip.publishAward(award)
    this.armDeadline(taskId, award)
  }

  private async judge(delivery: SignedDelivery, sender: string): Promise<ProofReceipt> {
    const taskId = toHex(delivery.body.taskId)
    const task = await this.c.repos.tasks.get(taskId)
    if (task === undefined || task.state !== 'awarded' || delivery.body.round !== task.round) {
      return { status: 'refused', reason: 'not the current award of an open task' }
    }
    const award = await this.c.repos.awards.get(roundKey(taskId, task.round))
    const ask = await this.c.repos.asks.get(taskId)
    if (award === undefined || ask === undefined) return { status: 'refused', reason: 'unknown award' }
    if (this.c.now() > award.body.provingDeadline)
      return { status: 'refused', reason: 'past the proving deadline' }
    const check = await validateDelivery(delivery, award, sender)
    if (check.result !== 'accept') return { status: 'refused', reason: check.reason }
    await this.event(taskId, {
      at: this.c.now(),
      kind: 'delivered',
      detail: `proof from ${sender} (${delivery.body.provingMs} ms proving)`,
    })
    let problem: string | undefined
    try {
      problem = await this.judgeProof(ask.body.circuitId, await this.expectedFor(taskId, task), delivery)
    } catch (err) {
      // We could not judge (our verifier is down, say): that says nothing about the proof. The deadline
      // still runs, and the prover may deliver again.
      this.c.log.error('task %s: cannot verify now: %s', taskId.slice(0, 8), errorMessage(err))
      return { status: 'refused', reason: 'the requester cannot verify right now; deliver again' }
    }
    clearTimeout(this.timers.get(taskId))
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

  /** Returns why the delivered proof is not a proof of this task, or undefined if it is. */
  private async judgeProof(
    circuitId: string,
    expected: string[],
    delivery: SignedDelivery,
  ): Promise<string | undefined> {
    const got = delivery.body.publicSignals
    // A valid proof of some other input (for example one replayed from the result topic) is not this task's.
    if (got.length !== expected.length || got.some((s, i) => s !== expected[i])) {
      return 'public signals do not match the task input'
    }
    const vkey = await this.vkey(circuitId)
    const valid = await this.c.engine.verify({
      circuitId,
      vkey,
      proof: delivery.body.proof,
      publicSignals: got,
    })
    return valid ? undefined : 'proof failed verification'
  }

  private async vkey(circuitId: string): Promise<VerificationKey> {
    let vkey = this.vkeys.get(circuitId)
    if (vkey === undefined) {
      const manifest = await this.c.artifacts.manifest(circuitId)
      if (manifest === undefined) throw new ZkpError('NOT_FOUND', `circuit ${circuitId} missing`)
      vkey = JSON.parse(
        new TextDecoder().decode(await this.c.artifacts.get(manifest.vkey)),
      ) as VerificationKey
      this.vkeys.set(circuitId, vkey)
    }
    return vkey
  }

  private async onDeadline(taskId: string, round: number): Promise<void> {
    const task = await this.c.repos.tasks.get(taskId)
    if (task?.state !== 'awarded' || task.round !== round) return
    const award = await this.c.repos.awards.get(roundKey(taskId, round))
    const ask = await this.c.repos.asks.get(taskId)
    if (award === undefined || ask === undefined) return
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
    await this.c.ledger.apply(result)
    await this.c.gossip.publishResult(result)
    const now = this.c.now()
    if (verdict === 'valid' && delivery !== null) {
      const task = await this.mustTask(taskId)
      const done = withEvent(
        {
          ...task,
          state: 'completed',
          reason: `proof by ${prover} verified`,
          proof: {
            proof: delivery.body.proof,
            publicSignals: delivery.body.publicSignals,
            provingMs: delivery.body.provingMs,
          },
        },
        { at: now, kind: 'completed', detail: `proof by ${prover} verified` },
      )
      await this.c.repos.tasks.put(taskId, done)
      this.c.events.emit('task', done)
      return
    }
    await this.event(taskId, {
      at: now,
      kind: verdict === 'timeout' ? 'timeout' : 'rejected',
      detail: `${prover}: ${reason}`,
    })
    const nextWinner = award.body.winner + 1
    if (nextWinner >= award.body.ranked.length) {
      await this.finish(taskId, 'failed', `every ranked prover failed (last: ${prover}, ${reason})`)
      return
    }
    await this.award(
      taskId,
      ask,
      { ...award.body, round: award.body.round + 1, winner: nextWinner },
      `fallback after ${verdict}`,
    )
  }

  private async finish(taskId: string, state: 'failed', reason: string): Promise<void> {
    clearTimeout(this.timers.get(taskId))
    const task = await this.mustTask(taskId)
    const next = withEvent({ ...task, state, reason }, { at: this.c.now(), kind: 'failed', detail: reason })
    await this.c.repos.tasks.put(taskId, next)
    this.c.events.emit('task', next)
  }

  private async event(taskId: string, e: TaskEvent): Promise<void> {
    const next = withEvent(await this.mustTask(taskId), e)
    await this.c.repos.tasks.put(taskId, next)
    this.c.events.emit('task', next)
  }

  private async mustTask(taskId: string): Promise<TaskRecord> {
    const task = await this.c.repos.tasks.get(taskId)
    if (task === undefined) throw new ZkpError('UNKNOWN_TASK', `task ${taskId} is not ours`)
    return task
  }
}

/** The private input as the circuit takes it: a UTF-8 JSON object of signal names to values. */
function parseInput(bytes: Uint8Array): CircuitInput {
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw new ZkpError('BAD_REQUEST', 'input: not a UTF-8 JSON document')
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ZkpError('BAD_REQUEST', 'input: must be a JSON object of signal names to values')
  }
  return parsed as CircuitInput
}
