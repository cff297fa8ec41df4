import { bytesEqual } from '../codec/hash.ts'
import { LIMITS } from '../constants.ts'
import {
  Ask,
  Award,
  Bid,
  Delivery,
  Result,
  type SignedAsk,
  type SignedAward,
  type SignedBid,
  type SignedDelivery,
  type SignedResult,
} from './messages.ts'

/**
 * Gossip verdicts, as gossipsub understands them: ACCEPT relays, IGNORE drops without penalty (we lack context
 * or the message is stale), REJECT drops and penalises the peer that sent it (the message can never be valid).
 */
export type Verdict =
  | { result: 'accept' }
  | { result: 'ignore' | 'reject'; code: ValidationCode; reason: string }

export type ValidationCode =
  | 'WRONG_NETWORK'
  | 'BAD_SIGNATURE'
  | 'CLOCK'
  | 'UNKNOWN_TASK'
  | 'LATE'
  | 'NOT_REQUESTER'
  | 'SELF_BID'
  | 'OVER_PRICE'
  | 'INCONSISTENT'
  | 'NOT_AWARDED'
  | 'DUPLICATE'
  | 'FULL'
  | 'LOCAL'

export const ACCEPT: Verdict = { result: 'accept' }
const ignore = (code: ValidationCode, reason: string): Verdict => ({ result: 'ignore', code, reason })
const reject = (code: ValidationCode, reason: string): Verdict => ({ result: 'reject', code, reason })

export interface ValidationContext {
  network: string
  now: number
}

/** Validates an ask on its own. */
export async function validateAsk(ask: SignedAsk, ctx: ValidationContext): Promise<Verdict> {
  const b = ask.body
  // Gossip from another network on our topic is malformed by construction.
  if (b.network !== ctx.network) return reject('WRONG_NETWORK', `network ${b.network}`)
  // An ask from the future cannot be honest beyond clock skew.
  if (b.createdAt > ctx.now + LIMITS.clockSkewMs) return reject('CLOCK', 'createdAt is in the future')
  // Once its bid window has closed an ask is useless to relay; it may still be valid, so no penalty.
  if (ctx.now > b.createdAt + b.bidWindowMs + LIMITS.clockSkewMs) return ignore('LATE', 'bid window closed')
  // The requester named in the body must have signed it.
  if (!(await Ask.verify(ask))) return reject('BAD_SIGNATURE', 'ask signature')
  return ACCEPT
}

export interface BidContext extends ValidationContext {
  /** The ask the bid names, if this node has it. */
  ask: SignedAsk | undefined
  /** Whether this node already holds a bid from the same prover for the same task. */
  proverAlreadyBid: boolean
  /** How many bids this node holds for the task. */
  bidsHeld: number
}

/** Validates a bid against the ask it names. */
export async function validateBid(bid: SignedBid, ctx: BidContext): Promise<Verdict> {
  const b = bid.body
  // Gossip from another network on our topic is malformed by construction.
  if (b.network !== ctx.network) return reject('WRONG_NETWORK', `network ${b.network}`)
  // Without the ask we cannot judge the bid; it may have raced ahead of the ask.
  if (ctx.ask === undefined) return ignore('UNKNOWN_TASK', 'no such ask')
  const ask = ctx.ask.body
  // The bid must name the ask it is judged against.
  if (!bytesEqual(b.taskId, Ask.id(ctx.ask)))
    return reject('INCONSISTENT', 'bid taskId does not match the ask')
  // A requester bidding on its own task would launder its own reputation.
  if (b.prover === ask.requester) return reject('SELF_BID', 'requester bid on its own ask')
  // A bid above the ceiling can never win; relaying it is spam.
  if (b.price > ask.maxPrice) return reject('OVER_PRICE', `price ${b.price} over max ${ask.maxPrice}`)
  // Bids signed before the ask existed are forged or replayed.
  if (b.createdAt + LIMITS.clockSkewMs < ask.createdAt) return reject('CLOCK', 'bid predates the ask')
  const windowEnd = ask.createdAt + ask.bidWindowMs
  // Bids dated after the window, or arriving well after it, are late; no penalty for a slow link.
  if (b.createdAt > windowEnd || ctx.now > windowEnd + LIMITS.clockSkewMs)
    return ignore('LATE', 'bid window closed')
  // One bid per prover per task: a second one is not relayed (the first one stands).
  if (ctx.proverAlreadyBid) return ignore('DUPLICATE', 'prover already bid on this task')
  // A task's bid set is bounded, so a flood of identities cannot grow it without limit.
  if (ctx.bidsHeld >= LIMITS.bidsPerTask) return ignore('FULL', `task already has ${LIMITS.bidsPerTask} bids`)
  // The prover named in the body must have signed it.
  if (!(await Bid.verify(bid))) return reject('BAD_SIGNATURE', 'bid signature')
  return ACCEPT
}

export interface AwardContext extends ValidationContext {
  ask: SignedAsk | undefined
}

/** Validates an award against its ask. Whether the ranking follows the auction rule is an audit, not gossip. */
export async function validateAward(award: SignedAward, ctx: AwardContext): Promise<Verdict> {
  const a = award.body
  // Gossip from another network on our topic is malformed by construction.
  if (a.network !== ctx.network) return reject('WRONG_NETWORK', `network ${a.network}`)
  // Without the ask we cannot tell who may award.
  if (ctx.ask === undefined) return ignore('UNKNOWN_TASK', 'no such ask')
  // Only the requester of the task may award it.
  if (a.requester !== ctx.ask.body.requester) return reject('NOT_REQUESTER', 'award not by the requester')
  const structural = checkAwardShape(award, ctx.ask)
  if (structural !== undefined) return reject('INCONSISTENT', structural)
  // An award from the future cannot be honest beyond clock skew.
  if (a.createdAt > ctx.now + LIMITS.clockSkewMs) return reject('CLOCK', 'createdAt is in the future')
  // The requester must have signed it.
  if (!(await Award.verify(award))) return reject('BAD_SIGNATURE', 'award signature')
  return ACCEPT
}

/** Consistency of an award with its ask that needs no other state; returns the problem or undefined. */
export function checkAwardShape(award: SignedAward, ask: SignedAsk): string | undefined {
  const a = award.body
  // The award must name this ask.
  if (!bytesEqual(a.taskId, Ask.id(ask))) return 'taskId does not match the ask'
  // The winner must be one of the ranked bids.
  if (a.winner >= a.ranked.length) return 'winner index outside ranked'
  // A prover appears at most once in a ranking.
  if (new Set(a.ranked.map((r) => r.prover)).size !== a.ranked.length) return 'a prover is ranked twice'
  // No ranked bid may exceed the ask's price ceiling or belong to the requester.
  for (const r of a.ranked) {
    if (r.price > ask.body.maxPrice) return 'a ranked bid is over the max price'
    if (r.prover === ask.body.requester) return 'the requester is ranked'
  }
  // The proving deadline must be after the award and within what the ask allows.
  if (a.provingDeadline <= a.createdAt) return 'provingDeadline is not after createdAt'
  if (a.provingDeadline > a.createdAt + ask.body.provingDeadlineMs + LIMITS.clockSkewMs) {
    return 'provingDeadline exceeds the ask'
  }
  return undefined
}

/** Validates a delivery received on the proof stream from `sender` against the current award. */
export async function validateDelivery(
  delivery: SignedDelivery,
  award: SignedAward,
  sender: string,
): Promise<Verdict> {
  const d = delivery.body
  const winner = award.body.ranked[award.body.winner]
  // Only the awarded prover of the current round may deliver, and only for itself.
  if (winner === undefined || d.prover !== winner.prover || sender !== winner.prover) {
    return reject('NOT_AWARDED', 'delivery not from the awarded prover')
  }
  // The delivery must name this task and round.
  if (!bytesEqual(d.taskId, award.body.taskId) || d.round !== award.body.round) {
    return ignore('INCONSISTENT', 'delivery for another task or round')
  }
  // A delivery for another network is malformed by construction.
  if (d.network !== award.body.network) return reject('WRONG_NETWORK', `network ${d.network}`)
  // The prover must have signed it, so the result can prove what was delivered.
  if (!(await Delivery.verify(delivery))) return reject('BAD_SIGNATURE', 'delivery signature')
  return ACCEPT
}

/**
 * Validates a verification result and everything it embeds: the requester signed the ask, the award and the
 * result; the prover signed the delivery; all name the same task and round. Re-verifying the proof itself is
 * done off the gossip path.
 */
export async function validateResult(result: SignedResult, ctx: ValidationContext): Promise<Verdict> {
  const r = result.body
  const { ask, award, delivery } = r
  // Gossip from another network on our topic is malformed by construction.
  if (r.network !== ctx.network || ask.body.network !== ctx.network || award.body.network !== ctx.network) {
    return reject('WRONG_NETWORK', `network ${r.network}`)
  }
  // One requester owns the ask, the award and the result.
  if (r.requester !== ask.body.requester || award.body.requester !== r.requester) {
    return reject('NOT_REQUESTER', 'result, ask and award requesters differ')
  }
  // The result names the task and round of the award it embeds.
  if (!bytesEqual(r.taskId, Ask.id(ask)) || r.round !== award.body.round) {
    return reject('INCONSISTENT', 'result does not match its ask or award')
  }
  const shape = checkAwardShape(award, ask)
  if (shape !== undefined) return reject('INCONSISTENT', shape)
  // The verdict is about the awarded prover.
  if (r.prover !== award.body.ranked[award.body.winner]?.prover)
    return reject('INCONSISTENT', 'prover not awarded')
  // A valid or invalid verdict must carry the delivery it judged; a timeout must not.
  if ((r.verdict === 'timeout') !== (delivery === null))
    return reject('INCONSISTENT', 'delivery presence vs verdict')
  if (delivery !== null) {
    const d = delivery.body
    if (
      d.prover !== r.prover ||
      !bytesEqual(d.taskId, r.taskId) ||
      d.round !== r.round ||
      d.network !== r.network
    ) {
      return reject('INCONSISTENT', 'delivery does not match the result')
    }
  }
  // A timeout cannot be declared before the deadline it claims was missed.
  if (r.verdict === 'timeout' && r.createdAt < award.body.provingDeadline) {
    return reject('INCONSISTENT', 'timeout declared before the proving deadline')
  }
  // A result from the future cannot be honest beyond clock skew.
  if (r.createdAt > ctx.now + LIMITS.clockSkewMs) return reject('CLOCK', 'createdAt is in the future')
  // The result's signature and the prover's delivery signature must check. The embedded ask and award are
  // by the result's own signer (checked above) and inside the bytes it signed, so its signature already
  // vouches for them; checking theirs again would double the cost of every record a node admits or syncs.
  const sigs = await Promise.all([
    Result.verify(result),
    delivery === null ? true : Delivery.verify(delivery),
  ])
  if (sigs.includes(false)) return reject('BAD_SIGNATURE', 'result or delivery signature')
  return ACCEPT
}
