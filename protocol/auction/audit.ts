import { bytesEqual, compareBytes, sha256, toHex } from '../codec/hash.ts'
import { NEUTRAL, PPM } from '../reputation/figures.ts'
import { Ask, type RankedBid, type SignedAsk, type SignedAward, type SignedBid } from '../task/messages.ts'
import { checkAwardShape } from '../task/validate.ts'
import {
  bidSetDigest,
  eligibleBids,
  priceScore,
  type ReputationSnapshot,
  rankBids,
  reputationScore,
} from './auction.ts'
import { awardWeights } from './terms.ts'

export type AuditOutcome = 'ok' | 'violation' | 'inconclusive'

export interface AuditFinding {
  check: 'shape' | 'rounds' | 'eligibility' | 'bid-set' | 'ranking' | 'records'
  outcome: AuditOutcome
  detail: string
}

export interface AuditInput {
  ask: SignedAsk
  /** The round-0 award: the auction's outcome. */
  award: SignedAward
  /** Later rounds held, any order. */
  fallbacks: readonly SignedAward[]
  /** Signed bids for the task (any superset or subset); undefined if none are at hand. */
  bids: readonly SignedBid[] | undefined
  /** The reputation snapshot the award's ledgerRoot names, or undefined if it could not be rebuilt. */
  reputation: ReputationSnapshot | undefined
}

export interface AuditResult {
  outcome: AuditOutcome
  findings: AuditFinding[]
}

/** Worst outcome wins: one violation makes the award a violation; else one gap makes it inconclusive. */
export function overall(findings: readonly AuditFinding[]): AuditOutcome {
  if (findings.some((f) => f.outcome === 'violation')) return 'violation'
  return findings.some((f) => f.outcome === 'inconclusive') ? 'inconclusive' : 'ok'
}

const same = (a: RankedBid, b: RankedBid) =>
  a.prover === b.prover &&
  bytesEqual(a.bidId, b.bidId) &&
  a.price === b.price &&
  a.estimatedMs === b.estimatedMs
const show = (r: RankedBid | undefined) =>
  r === undefined ? 'nothing' : `${r.prover.slice(-8)}@${r.price} (bid ${toHex(r.bidId).slice(0, 8)})`

/**
 * Recomputes an award from the signed ask, the signed bids and the ledger snapshot, and says where the award
 * departs from the rule. Pure: the caller gathers the inputs (its own store, the requester's bid stream, a
 * ledger sync) and decides what to do with the verdict.
 */
export function auditAward(input: AuditInput): AuditResult {
  const { ask, award, fallbacks } = input
  const a = award.body
  const findings: AuditFinding[] = []
  const push = (check: AuditFinding['check'], outcome: AuditOutcome, detail: string) =>
    findings.push({ check, outcome, detail })
  const shape =
    a.requester !== ask.body.requester ? 'not by the ask’s requester' : checkAwardShape(award, ask)
  push('shape', shape === undefined ? 'ok' : 'violation', shape ?? 'award is consistent with its ask')
  findings.push(...checkRounds(award, fallbacks))
  // Every ranked bid must be eligible on the terms the award itself copies.
  const late = a.ranked.find((r) => r.estimatedMs > ask.body.provingDeadlineMs)
  push(
    'eligibility',
    late === undefined ? 'ok' : 'violation',
    late === undefined ? 'every ranked bid is eligible' : `${show(late)} estimates past the deadline`,
  )
  const eligible = input.bids === undefined ? [] : eligibleBids(ask, input.bids)
  const digestMatches = bytesEqual(bidSetDigest(eligible.map((e) => e.bidId)), a.bidSetDigest)
  push(
    'bid-set',
    digestMatches ? 'ok' : 'inconclusive',
    digestMatches
      ? `the ${eligible.length} eligible bids at hand are the award's bid set`
      : `the bids at hand (${eligible.length} eligible) are not the award's bid set`,
  )
  if (input.reputation === undefined) {
    push('ranking', 'inconclusive', 'the ledger snapshot the award names could not be rebuilt')
  } else if (digestMatches) {
    push(
      'ranking',
      ...compareRanking(award, rankBids(ask, input.bids ?? [], input.reputation, awardWeights(a))),
    )
  } else {
    push('ranking', ...checkOrder(ask, award, input.reputation))
  }
  return { outcome: overall(findings), findings }
}

function checkRounds(award: SignedAward, fallbacks: readonly SignedAward[]): AuditFinding[] {
  const a = award.body
  const out: AuditFinding[] = []
  for (const f of [...fallbacks].sort((x, y) => x.body.round - y.body.round)) {
    const b = f.body
    const copies =
      b.ranked.length === a.ranked.length &&
      b.ranked.every((r, i) => same(r, a.ranked[i]!)) &&
      bytesEqual(b.bidSetDigest, a.bidSetDigest) &&
      bytesEqual(b.ledgerRoot, a.ledgerRoot)
    // A fallback re-awards the same auction to the next prover in line: round r goes to ranked[r].
    if (!copies)
      out.push({ check: 'rounds', outcome: 'violation', detail: `round ${b.round} changes the auction` })
    else if (b.winner !== b.round) {
      out.push({
        check: 'rounds',
        outcome: 'violation',
        detail: `round ${b.round} skips to ranked[${b.winner}]`,
      })
    }
  }
  if (out.length === 0)
    out.push({
      check: 'rounds',
      outcome: 'ok',
      detail: `${fallbacks.length} fallback rounds follow the ranking`,
    })
  return out
}

function compareRanking(award: SignedAward, expected: ReturnType<typeof rankBids>): [AuditOutcome, string] {
  const got = award.body.ranked
  const want: RankedBid[] = expected.map((r) => ({
    prover: r.bid.body.prover,
    bidId: r.bidId,
    price: r.bid.body.price,
    estimatedMs: r.bid.body.estimatedMs,
  }))
  const n = Math.max(got.length, want.length)
  for (let i = 0; i < n; i++) {
    if (got[i] === undefined || want[i] === undefined || !same(got[i]!, want[i]!)) {
      return ['violation', `rank ${i + 1}: the rule gives ${show(want[i])}, the award has ${show(got[i])}`]
    }
  }
  return ['ok', `the ranking of ${got.length} bids is the rule's`]
}

/** Without the bid set, the ranked list must at least be in the rule's order among itself. */
function checkOrder(
  ask: SignedAsk,
  award: SignedAward,
  reputation: ReputationSnapshot,
): [AuditOutcome, string] {
  const w = awardWeights(award.body)
  const taskId = Ask.id(ask)
  const key = (r: RankedBid) => {
    const ps = priceScore(r.price, ask.body.maxPrice)
    const rep = reputationScore(reputation(r.prover) ?? NEUTRAL, w)
    return {
      score: Math.floor((w.price * ps + w.reputation * rep) / PPM),
      price: r.price,
      rep,
      tie: sha256(taskId, r.bidId),
    }
  }
  const keys = award.body.ranked.map(key)
  for (let i = 0; i + 1 < keys.length; i++) {
    const x = keys[i]!
    const y = keys[i + 1]!
    const order =
      y.score - x.score ||
      (x.price < y.price ? -1 : x.price > y.price ? 1 : 0) ||
      y.rep - x.rep ||
      compareBytes(x.tie, y.tie)
    if (order > 0) {
      return [
        'violation',
        `ranks ${i + 1} and ${i + 2} are out of the rule's order (${show(award.body.ranked[i + 1])} outranks ${show(award.body.ranked[i])})`,
      ]
    }
  }
  return [
    'inconclusive',
    'the ranked bids are in order, but without the bid set omissions cannot be ruled out',
  ]
}
