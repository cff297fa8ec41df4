import { type Message, TopicValidatorResult } from '@libp2p/gossipsub'
import type { Logger, PeerId } from '@libp2p/interface'
import { toHex } from '../../protocol/codec/hash.ts'
import { LIMITS } from '../../protocol/constants.ts'
import { errorMessage, isZkpError } from '../../protocol/errors.ts'
import { validateRecord } from '../../protocol/reputation/record.ts'
import {
  Ask,
  Award,
  Bid,
  Result,
  type SignedAsk,
  type SignedAward,
  type SignedBid,
  type SignedResult,
} from '../../protocol/task/messages.ts'
import { type Verdict, validateAsk, validateAward, validateBid } from '../../protocol/task/validate.ts'
import { type GossipType, topicsFor } from '../../protocol/topics/topic.ts'
import type { ZkpHost } from '../network/host.ts'
import { bidKey, type Repositories } from '../store/repositories.ts'

export interface GossipHandlers {
  ask(ask: SignedAsk, from: PeerId): void | Promise<void>
  bid(bid: SignedBid, from: PeerId): void | Promise<void>
  award(award: SignedAward, from: PeerId): void | Promise<void>
  result(result: SignedResult, from: PeerId): void | Promise<void>
}

export interface GossipComponents {
  host: ZkpHost
  repos: Repositories
  log: Logger
  network: string
  now: () => number
  /** Whether the ledger already holds a result (by id): a replay is ignored, not relayed again. */
  knownResult?: (id: Uint8Array) => boolean
}

/** Counts of validation verdicts, by type and code: what /metrics and tests read. */
export type GossipCounters = Record<string, number>

type Decoded =
  | { type: 'ask'; msg: SignedAsk }
  | { type: 'bid'; msg: SignedBid }
  | { type: 'award'; msg: SignedAward }
  | { type: 'result'; msg: SignedResult }

/** Asks kept in memory for validating the bids and awards that name them. */
const ASK_CACHE_SIZE = 1024

const TO_GOSSIPSUB: Record<Verdict['result'], TopicValidatorResult> = {
  accept: TopicValidatorResult.Accept,
  ignore: TopicValidatorResult.Ignore,
  reject: TopicValidatorResult.Reject,
}

/**
 * The four gossip topics of one network. Each message is decoded and checked by its pure validator inside
 * gossipsub's topic validator, so a REJECT both drops the message and counts against the peer in gossipsub's
 * score. Accepted messages are dispatched to the handlers (which the node wires to its services).
 */
export class Gossip {
  readonly topics: Record<GossipType, string>
  readonly counters: GossipCounters = {}
  private readonly byTopic: Map<string, GossipType>
  private handlers: GossipHandlers | undefined
  private started = false
  /**
   * Messages decoded by the validator, by their bytes (gossipsub hands the handler the same bytes it validated):
   * an accepted message is decoded once, not again for its handler. Entries go with the bytes.
   */
  private readonly decoded = new WeakMap<Uint8Array, Decoded>()
  /**
   * Recent asks by id (hex). Every bid and award is validated against its ask, at every node, on the auction's
   * critical path; an ask is content-addressed, so a cached copy is the stored one without a store read.
   */
  private readonly asks = new Map<string, SignedAsk>()
  private readonly onMessage = (evt: CustomEvent<Message>): void => {
    void this.dispatch(evt.detail)
  }

  constructor(private readonly c: GossipComponents) {
    this.topics = topicsFor(c.network)
    this.byTopic = new Map(Object.entries(this.topics).map(([type, topic]) => [topic, type as GossipType]))
  }

  start(handlers: GossipHandlers): void {
    if (this.started) return
    this.started = true
    this.handlers = handlers
    const pubsub = this.c.host.services.pubsub
    for (const [topic, type] of this.byTopic) {
      pubsub.topicValidators.set(
        topic,
        async (_peer, message) => TO_GOSSIPSUB[(await this.validate(type, message.data)).result],
      )
      pubsub.subscribe(topic)
    }
    pubsub.addEventListener('message', this.onMessage)
  }

  stop(): void {
    if (!this.started) return
    this.started = false
    const pubsub = this.c.host.services.pubsub
    pubsub.removeEventListener('message', this.onMessage)
    for (const topic of this.byTopic.keys()) {
      pubsub.unsubscribe(topic)
      pubsub.topicValidators.delete(topic)
    }
    this.handlers = undefined
    this.asks.clear()
  }

  async publishAsk(ask: SignedAsk): Promise<void> {
    await this.publish('ask', Ask.encode(ask))
  }

  async publishBid(bid: SignedBid): Promise<void> {
    await this.publish('bid', Bid.encode(bid))
  }

  async publishAward(award: SignedAward): Promise<void> {
    await this.publish('award', Award.encode(award))
  }

  async publishResult(result: SignedResult): Promise<void> {
    await this.publish('result', Result.encode(result))
  }

  /** Decodes and validates one message; the verdict is counted and returned. Never throws. */
  async validate(type: GossipType, data: Uint8Array): Promise<Verdict> {
    let verdict: Verdict
    try {
      const d = decodeAs(type, data)
      verdict = await this.check(d)
      if (verdict.result === 'accept') {
        this.decoded.set(data, d)
        if (d.type === 'ask') this.remember(toHex(Ask.id(d.msg)), d.msg)
      }
    } catch (err) {
      // Undecodable or schema-violating bytes can never become valid: REJECT. Anything else is our own fault
      // (a store error, say) and must not cost the sender its score: IGNORE.
      const malformed =
        isZkpError(err, 'INVALID_ENCODING') ||
        isZkpError(err, 'INVALID_FIELD') ||
        isZkpError(err, 'MESSAGE_TOO_LARGE')
      verdict = malformed
        ? { result: 'reject', code: 'INCONSISTENT', reason: errorMessage(err) }
        : { result: 'ignore', code: 'LOCAL', reason: errorMessage(err) }
      if (!malformed) this.c.log.error('validator for %s failed locally: %s', type, errorMessage(err))
    }
    const key = verdict.result === 'accept' ? `${type}.accept` : `${type}.${verdict.result}.${verdict.code}`
    this.counters[key] = (this.counters[key] ?? 0) + 1
    if (verdict.result !== 'accept') this.c.log('%s %s: %s', type, verdict.result, verdict.reason)
    return verdict
  }

  private async check(d: Decoded): Promise<Verdict> {
    const ctx = { network: this.c.network, now: this.c.now() }
    switch (d.type) {
      case 'ask':
        return validateAsk(d.msg, ctx)
      case 'bid': {
        const taskId = toHex(d.msg.body.taskId)
        // Independent reads, at once: every node validates every bid of a burst.
        const [ask, proverAlreadyBid, bidsHeld] = await Promise.all([
          this.ask(taskId),
          this.c.repos.bids.has(bidKey(taskId, d.msg.body.prover)),
          this.c.repos.bids.count(`${taskId}/`, LIMITS.bidsPerTask),
        ])
        return validateBid(d.msg, { ...ctx, ask, proverAlreadyBid, bidsHeld })
      }
      case 'award':
        return validateAward(d.msg, { ...ctx, ask: await this.ask(toHex(d.msg.body.taskId)) })
      case 'result':
        // A record the ledger holds is a replay: nothing to relay. (Proofs are re-verified off this path, in
        // the ledger's bounded queue, after ACCEPT.)
        if (this.c.knownResult?.(Result.id(d.msg)) === true) {
          return { result: 'ignore', code: 'DUPLICATE', reason: 'result already in the ledger' }
        }
        return validateRecord(d.msg, ctx)
    }
  }

  /** The ask with this id (hex), from memory or the store. */
  private async ask(taskId: string): Promise<SignedAsk | undefined> {
    const cached = this.asks.get(taskId)
    if (cached !== undefined) return cached
    const stored = await this.c.repos.asks.get(taskId)
    if (stored !== undefined) this.remember(taskId, stored)
    return stored
  }

  private remember(taskId: string, ask: SignedAsk): void {
    this.asks.delete(taskId)
    this.asks.set(taskId, ask)
    if (this.asks.size > ASK_CACHE_SIZE) this.asks.delete(this.asks.keys().next().value!)
  }

  private async publish(type: GossipType, data: Uint8Array): Promise<void> {
    try {
      await this.c.host.services.pubsub.publish(this.topics[type], data)
    } catch (err) {
      // With no peers yet, publishing fails; the message is still stored and the task goes on.
      this.c.log('publish %s: %s', type, errorMessage(err))
    }
  }

  /**
   * Handles a message as if it had arrived on its topic: validated, then handled on ACCEPT (nothing is relayed).
   * For messages that come by other ways than gossip, and for tests that replay them.
   */
  async receive(type: GossipType, data: Uint8Array): Promise<Verdict> {
    const verdict = await this.validate(type, data)
    if (verdict.result === 'accept') await this.handle(type, data)
    return verdict
  }

  private async dispatch(message: Message): Promise<void> {
    const type = this.byTopic.get(message.topic)
    if (type !== undefined) await this.handle(type, message.data)
  }

  private async handle(type: GossipType, data: Uint8Array): Promise<void> {
    const h = this.handlers
    if (h === undefined) return
    try {
      const d = this.decoded.get(data) ?? decodeAs(type, data)
      this.decoded.delete(data)
      // Messages carry their author in the body; the relaying peer is not needed past validation.
      const peer = this.c.host.peerId
      if (d.type === 'ask') await h.ask(d.msg, peer)
      else if (d.type === 'bid') await h.bid(d.msg, peer)
      else if (d.type === 'award') await h.award(d.msg, peer)
      else await h.result(d.msg, peer)
    } catch (err) {
      this.c.log.error('handling %s: %s', type, errorMessage(err))
    }
  }
}

function decodeAs(type: GossipType, data: Uint8Array): Decoded {
  switch (type) {
    case 'ask':
      return { type, msg: Ask.decode(data) }
    case 'bid':
      return { type, msg: Bid.decode(data) }
    case 'award':
      return { type, msg: Award.decode(data) }
    case 'result':
      return { type, msg: Result.decode(data) }
  }
}
