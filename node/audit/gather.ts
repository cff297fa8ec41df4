import { peerIdFromString } from '@libp2p/peer-id'
import type { ReputationSnapshot } from '../../protocol/auction/auction.ts'
import { bidSetDigest, eligibleBids } from '../../protocol/auction/auction.ts'
import { snapshotTime } from '../../protocol/auction/terms.ts'
import { bytesEqual, toHex } from '../../protocol/codec/hash.ts'
import { errorMessage } from '../../protocol/errors.ts'
import { fingerprint, type KeyRange, keyAfterTime } from '../../protocol/ledger-sync/keys.ts'
import { rest } from '../../protocol/ledger-sync/ranges.ts'
import { Bid, type SignedAsk, type SignedAward, type SignedBid } from '../../protocol/task/messages.ts'
import type { Ledger } from '../ledger/ledger.ts'
import { reconcile } from '../ledger/reconcile.ts'
import type { LedgerSync } from '../ledger/sync.ts'
import type { Repositories } from '../store/repositories.ts'

export interface GatherComponents {
  repos: Repositories
  ledger: Ledger
  sync?: LedgerSync
  network: string
  now: () => number
  log: (fmt: string, ...args: unknown[]) => void
}

/** An audit asks the requester for at most this long per step, and waits this long for re-verification. */
const NETWORK_STEP_MS = 10_000
export const SETTLE_MS = 5_000

const digestOf = (ask: SignedAsk, bids: readonly SignedBid[]) =>
  bidSetDigest(eligibleBids(ask, bids).map((e) => e.bidId))

/**
 * The award's bid set: the bids this node holds if their eligible digest is the award's, else the signed bids
 * the requester serves (each signature and task checked) if theirs is, else what is at hand.
 */
export async function gatherBids(
  c: GatherComponents,
  ask: SignedAsk,
  award: SignedAward,
): Promise<{ bids: SignedBid[]; source: 'local' | 'requester' | 'none' }> {
  const local: SignedBid[] = []
  for await (const [, bid] of c.repos.bids.values(`${toHex(award.body.taskId)}/`)) local.push(bid)
  if (bytesEqual(digestOf(ask, local), award.body.bidSetDigest)) return { bids: local, source: 'local' }
  if (c.sync !== undefined) {
    const requester = award.body.requester
    try {
      const served: SignedBid[] = []
      for (const bytes of await c.sync
        .session(peerIdFromString(requester), NETWORK_STEP_MS)
        .bids(award.body.taskId)) {
        const bid = Bid.decode(bytes)
        if (!bytesEqual(bid.body.taskId, award.body.taskId) || !(await Bid.verify(bid))) {
          c.sync.markMisbehaving(requester)
          throw new Error('the requester served a bid that is forged or for another task')
        }
        served.push(bid)
      }
      if (bytesEqual(digestOf(ask, served), award.body.bidSetDigest))
        return { bids: served, source: 'requester' }
    } catch (err) {
      c.log(
        'audit: bids of %s from the requester: %s',
        toHex(award.body.taskId).slice(0, 8),
        errorMessage(err),
      )
    }
  }
  return { bids: local, source: local.length > 0 ? 'local' : 'none' }
}

/**
 * The reputation snapshot the award names: this node's records up to the snapshot time if their fingerprint is
 * the award's ledgerRoot; else, after pulling that range from the requester, the subset of records the
 * requester lists for it, if that fingerprint matches. Undefined when neither rebuilds the root.
 */
export async function gatherSnapshot(
  c: GatherComponents,
  ask: SignedAsk,
  award: SignedAward,
): Promise<{ reputation: ReputationSnapshot | undefined; at: number; records: number }> {
  const at = snapshotTime(ask)
  const range: KeyRange = { lower: new Uint8Array(), upper: keyAfterTime(at) }
  const build = async (ids: string[]) => {
    await c.ledger.settled(ids, SETTLE_MS)
    const entries = ids.map((id) => c.ledger.entry(id)!.entry)
    return {
      reputation: c.ledger.view({ at, evaluator: ask.body.requester, entries }).snapshot,
      at,
      records: ids.length,
    }
  }
  const mine = () => c.ledger.keys.entriesIn(range).map((e) => e.idHex)
  if (bytesEqual(c.ledger.keys.snapshotRoot(at).root, award.body.ledgerRoot)) return build(mine())
  if (c.sync === undefined) return { reputation: undefined, at, records: 0 }
  try {
    const session = c.sync.session(peerIdFromString(award.body.requester), NETWORK_STEP_MS)
    await reconcile(session, c.sync.context(), range)
    if (bytesEqual(c.ledger.keys.snapshotRoot(at).root, award.body.ledgerRoot)) return build(mine())
    // We may hold records the requester did not have: take exactly the ones it lists.
    const keys: Uint8Array[] = []
    for (let r = range, more = true; more; ) {
      const page = await session.keys(r, 1024)
      keys.push(...page.keys)
      more = page.more && page.keys.length > 0
      if (more) r = rest(r, page.keys.at(-1)!)
    }
    const ids = keys.map((k) => toHex(k.subarray(8)))
    if (bytesEqual(fingerprint(keys), award.body.ledgerRoot) && ids.every((id) => c.ledger.has(id)))
      return build(ids)
  } catch (err) {
    c.log(
      'audit: snapshot of %s from the requester: %s',
      toHex(award.body.taskId).slice(0, 8),
      errorMessage(err),
    )
  }
  return { reputation: undefined, at, records: 0 }
}
