import { compareBytes, sha256 } from '../codec/hash.ts'
import { LIMITS } from '../constants.ts'
import { NEUTRAL, PPM, type ReputationFigures } from '../reputation/figures.ts'
import { Ask, type AskBatch, Bid, type SignedAsk, type SignedBid } from '../task/messages.ts'

/** Auction weights in parts per million. price + reputation and success + quality + speed each sum to PPM. */
export interface AuctionWeights {
  price: number
  reputation: number
  success: number
  quality: number
  speed: number
}

/** The reference design's default: score = 0.7 price + 0.3 reputation; reputation = 0.5 s + 0.3 q + 0.2 v. */
export const DEFAULT_WEIGHTS: AuctionWeights = {
  price: 700_000,
  reputation: 300_000,
  success: 500_000,
  quality: 300_000,
  speed: 200_000,
}

/** Throws unless the weights are whole ppm figures that sum as they must. */
export function checkWeights(w: AuctionWeights): AuctionWeights {
  for (const [k, v] of Object.entries(w)) {
    if (!Number.isInteger(v) || v < 0 || v > PPM)
      throw new RangeError(`weights.${k} must be an integer 0..${PPM}`)
  }
  if (w.price + w.reputation !== PPM)
    throw new RangeError(`weights.price + weights.reputation must be ${PPM}`)
  if (w.success + w.quality + w.speed !== PPM) {
    throw new RangeError(`weights.success + weights.quality + weights.speed must be ${PPM}`)
  }
  return w
}

/** Reputation as the auction sees it: a lookup that returns undefined for a prover with no history. */
export type ReputationSnapshot = (prover: string) => ReputationFigures | undefined

export interface RankedBid {
  bid: SignedBid
  bidId: Uint8Array
  /** 0..PPM */
  priceScore: number
  /** 0..PPM */
  reputation: number
  /** 0..PPM; higher wins. */
  score: number
  /** SHA-256(taskId || bidId): breaks equal scores without favouring anyone. */
  tieBreak: Uint8Array
}

/** Whether a bid may take part in the auction of `ask`; returns the reason it may not, or undefined. */
export function ineligibility(
  ask: SignedAsk,
  bid: SignedBid,
  taskId: Uint8Array = Ask.id(ask),
): string | undefined {
  const a = ask.body
  const b = bid.body
  if (compareBytes(b.taskId, taskId) !== 0) return 'bid is for another task'
  if (b.network !== a.network) return 'bid is for another network'
  if (b.prover === a.requester) return 'requester may not bid on its own ask'
  if (b.price > a.maxPrice) return 'price over the ask maximum'
  if (b.createdAt > a.createdAt + a.bidWindowMs) return 'bid after the window closed'
  if (b.createdAt + LIMITS.clockSkewMs < a.createdAt) return 'bid predates the ask'
  if (b.estimatedMs > a.provingDeadlineMs) return 'estimate exceeds the proving deadline'
  return undefined
}

/**
 * The eligible bids, one per prover. A prover that bid more than once keeps its cheapest bid, ties by id, so
 * the choice does not depend on arrival order.
 */
export function eligibleBids(
  ask: SignedAsk,
  bids: readonly SignedBid[],
): Array<{ bid: SignedBid; bidId: Uint8Array }> {
  const taskId = Ask.id(ask)
  const best = new Map<string, { bid: SignedBid; bidId: Uint8Array }>()
  for (const bid of bids) {
    if (ineligibility(ask, bid, taskId) !== undefined) continue
    const bidId = Bid.id(bid)
    const prev = best.get(bid.body.prover)
    if (
      prev === undefined ||
      bid.body.price < prev.bid.body.price ||
      (bid.body.price === prev.bid.body.price && compareBytes(bidId, prev.bidId) < 0)
    ) {
      best.set(bid.body.prover, { bid, bidId })
    }
  }
  return [...best.values()]
}

/** Price score: 1 at price 0, falling linearly to 0 at the ask's ceiling. */
export function priceScore(price: bigint, maxPrice: bigint): number {
  if (maxPrice === 0n) return PPM
  return Number(((maxPrice - price) * BigInt(PPM)) / maxPrice)
}

export function reputationScore(f: ReputationFigures, w: AuctionWeights): number {
  return Math.floor((w.success * f.success + w.quality * f.quality + w.speed * f.speed) / PPM)
}

/**
 * How close to the best score a bid must be to share a batch (SPEC §9.4): within 5% of it. A batch's asks are
 * awarded round-robin over this band, so that near-equal provers prove a batch side by side instead of one of
 * them proving it all in turn.
 */
export const BATCH_BAND_PPM = 50_000

/**
 * The auction: a pure function of (ask, bids, reputation snapshot, weights). Every node computes the same
 * ranking from the same inputs, whatever order the bids arrived in. Returns at most LIMITS.rankedBids entries,
 * best first. For an ask in a batch, the leading bids within BATCH_BAND_PPM of the best score are put in an
 * order the whole batch shares and rotated by the ask's index, so ask i of a batch goes to the (i mod m)-th of
 * m near-equal bids.
 */
export function rankBids(
  ask: SignedAsk,
  bids: readonly SignedBid[],
  reputation: ReputationSnapshot,
  weights: AuctionWeights = DEFAULT_WEIGHTS,
): RankedBid[] {
  const taskId = Ask.id(ask)
  const ranked = eligibleBids(ask, bids).map(({ bid, bidId }): RankedBid => {
    const ps = priceScore(bid.body.price, ask.body.maxPrice)
    const rep = reputationScore(reputation(bid.body.prover) ?? NEUTRAL, weights)
    // Integer arithmetic throughout: products stay below 2^53, so every node gets bit-identical scores.
    const score = Math.floor((weights.price * ps + weights.reputation * rep) / PPM)
    return { bid, bidId, priceScore: ps, reputation: rep, score, tieBreak: sha256(taskId, bidId) }
  })
  // Scores are rounded to ppm; where rounding makes two bids equal, the cheaper, then the better reputed, wins,
  // and only truly equal bids fall to the hash.
  ranked.sort(
    (x, y) =>
      y.score - x.score ||
      comparePrice(x.bid.body.price, y.bid.body.price) ||
      y.reputation - x.reputation ||
      compareBytes(x.tieBreak, y.tieBreak),
  )
  const batch = ask.body.batch
  return (batch === undefined ? ranked : spread(ranked, batch)).slice(0, LIMITS.rankedBids)
}

/**
 * The band (the leading bids whose score is within BATCH_BAND_PPM of the best), put in an order every ask of
 * the batch shares (SHA-256(batch id ‖ prover id), so that no prover is always first) and rotated by the ask's
 * index. Bids below the band keep their places.
 */
function spread(ranked: RankedBid[], batch: AskBatch): RankedBid[] {
  const top = ranked[0]
  if (top === undefined) return ranked
  // score ≥ top × (1 − band), in integers: score × PPM ≥ top × (PPM − band); both sides stay below 2^53.
  const floor = top.score * (PPM - BATCH_BAND_PPM)
  let m = 0
  while (m < ranked.length && ranked[m]!.score * PPM >= floor) m++
  if (m === 1) return ranked
  const key = (r: RankedBid) => sha256(batch.id, UTF8.encode(r.bid.body.prover))
  const band = ranked
    .slice(0, m)
    .map((r) => ({ r, k: key(r) }))
    .sort((x, y) => compareBytes(x.k, y.k))
    .map((x) => x.r)
  const i = batch.index % m
  return [...band.slice(i), ...band.slice(0, i), ...ranked.slice(m)]
}

const UTF8 = new TextEncoder()

const comparePrice = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0)

/** SHA-256 over the sorted ids of the bids an auction considered: names the bid set in one value. */
export function bidSetDigest(bidIds: readonly Uint8Array[]): Uint8Array {
  return sha256(...[...bidIds].sort(compareBytes))
}
