import type { ZkpNode } from '../../../node/node.ts'
import { roundKey } from '../../../node/store/repositories.ts'
import type { TaskEvent, TaskRecord } from '../../../node/task/task-record.ts'
import { ineligibility, type ReputationSnapshot, rankBids } from '../../../protocol/auction/auction.ts'
import { toHex } from '../../../protocol/codec/hash.ts'
import type { SignedBid } from '../../../protocol/task/messages.ts'
import { ms, ppm, shortPeer, table } from '../../util/print.ts'

const name = (labels: Map<string, string>, peer: string) => labels.get(peer) ?? shortPeer(peer)

/**
 * Why the winner won: the auction recomputed from what the requester stored (the ask, every bid, the
 * reputation snapshot taken before the task), one row per bid with its scores, and a check that the award the
 * requester signed ranks the bids the same way.
 */
export async function explainAuction(
  node: ZkpNode,
  taskId: string,
  reputation: ReputationSnapshot,
  ledgerSize: number,
  labels: Map<string, string>,
): Promise<string> {
  const ask = await node.repos.asks.get(taskId)
  if (ask === undefined) return 'Auction: the ask is not stored (nothing to explain).'
  const bids: SignedBid[] = []
  for await (const [, bid] of node.repos.bids.values(`${taskId}/`, 4096)) bids.push(bid)
  const w = node.config.weights
  const ranked = rankBids(ask, bids, reputation, w)
  const award = await node.repos.awards.get(roundKey(taskId, 0))
  const rows = ranked.map((r, i) => [
    String(i + 1),
    name(labels, r.bid.body.prover),
    r.bid.body.price.toString(),
    ms(r.bid.body.estimatedMs),
    ppm(r.priceScore),
    ppm(r.reputation),
    ppm(r.score),
    i === 0 ? 'winner' : 'fallback',
  ])
  for (const b of bids) {
    const why = ineligibility(ask, b)
    if (why !== undefined)
      rows.push([
        '-',
        name(labels, b.body.prover),
        b.body.price.toString(),
        ms(b.body.estimatedMs),
        '-',
        '-',
        '-',
        why,
      ])
  }
  const lines = [
    `Auction: ${bids.length} bids, max price ${ask.body.maxPrice}.`,
    `  score = ${ppm(w.price)} × price score + ${ppm(w.reputation)} × reputation, where price score = (max - price) / max`,
    `  and reputation comes from a ledger of ${ledgerSize} records (0.500 for a prover with no history)`,
    table(['rank', 'prover', 'price', 'estimate', 'price score', 'reputation', 'score', ''], rows),
  ]
  if (award !== undefined) {
    const same =
      award.body.ranked.length === ranked.length &&
      award.body.ranked.every((a, i) => toHex(a.bidId) === toHex(ranked[i]!.bidId))
    lines.push(
      same
        ? "The requester's signed award ranks the bids the same way."
        : 'Note: the signed award ranks the bids differently.',
    )
  }
  return lines.join('\n')
}

const firstAt = (events: TaskEvent[], kind: TaskEvent['kind']) => events.find((e) => e.kind === kind)?.at

/** The task's phases from its event times (all on the requester's clock). */
export function timings(task: TaskRecord, bidWindowMs: number): string {
  const awarded = firstAt(task.events, 'awarded')
  const delivered = firstAt(task.events, 'delivered')
  const ended = firstAt(task.events, task.state === 'completed' ? 'completed' : 'failed')
  const diff = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? undefined : b - a
  const rows = [
    ['bid window', ms(diff(task.createdAt, awarded)), `asked for ${bidWindowMs} ms`],
    ['award → delivery', ms(diff(awarded, delivered)), 'input fetch, proving, upload'],
    ['proving', ms(task.proof?.provingMs), "the prover's own measure"],
    ['verification', ms(diff(delivered, ended)), 'requester verifies, signs and gossips the result'],
    ['total', ms(diff(task.createdAt, ended)), 'ask to verified proof'],
  ]
  return ['Timings', table(['phase', 'time', ''], rows)].join('\n')
}
