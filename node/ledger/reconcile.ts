import { bytesEqual, toHex } from '../../protocol/codec/hash.ts'
import { isZkpError, ZkpError } from '../../protocol/errors.ts'
import { LEDGER_SYNC } from '../../protocol/ledger-sync/constants.ts'
import { FULL_RANGE, type KeyRange } from '../../protocol/ledger-sync/keys.ts'
import { partRanges, rest } from '../../protocol/ledger-sync/ranges.ts'
import type { SignedResult } from '../../protocol/task/messages.ts'
import { type CheckOutcome, checkFrames } from './check/check.ts'
import type { Ledger } from './ledger.ts'
import type { SyncSession } from './sync-session.ts'

export interface SyncReport {
  peer: string
  /** Whether the two sets were equal to begin with (one summary was enough). */
  alreadyInSync: boolean
  requests: number
  fetched: number
  added: number
  /** Records skipped as not yet valid here (dated too far in the future for this node's clock). */
  skipped: number
  /** How long the session took. */
  ms: number
}

export interface ReconcileContext {
  ledger: Ledger
  network: string
  now: () => number
  /** Checks received records (worker threads, see check/pool.ts); default: on the event loop. */
  check?: (frames: readonly Uint8Array[], network: string, now: number) => Promise<CheckOutcome[]>
}

/**
 * Pulls into the ledger every record the peer holds in `range` and we do not: compares the whole range in one
 * summary, then splits the parts whose fingerprints differ until they are small enough to list, then fetches
 * the missing records in batches. Every record is decoded with its size limit and admitted only if it passes
 * validateRecord and is one we asked for; a forged one ends the session with MISBEHAVIOUR.
 */
export async function reconcile(
  session: SyncSession,
  ctx: ReconcileContext,
  range: KeyRange = FULL_RANGE,
): Promise<SyncReport> {
  const started = performance.now()
  const report: SyncReport = {
    peer: session.peer.toString(),
    alreadyInSync: false,
    requests: 0,
    fetched: 0,
    added: 0,
    skipped: 0,
    ms: 0,
  }
  const startRequests = session.requestsLeft
  const missing: Uint8Array[] = []
  // One batch is checked while the next one is fetched.
  let checking: Promise<void> = Promise.resolve()
  const flush = async (all: boolean) => {
    while (missing.length >= LEDGER_SYNC.maxRecordsPerRequest || (all && missing.length > 0)) {
      const ids = missing.splice(0, LEDGER_SYNC.maxRecordsPerRequest)
      const frames = await session.records(ids)
      await checking
      checking = checkAndAdmit(ctx, session.peer.toString(), ids, frames, report)
      checking.catch(() => {})
    }
  }
  const [whole] = await session.summary(range, 1)
  const mine = ctx.ledger.keys.measure(range)
  if (whole!.count === mine.count && bytesEqual(whole!.fingerprint, mine.fingerprint)) {
    report.alreadyInSync = true
  } else {
    const stack = [{ range, depth: 0, remote: whole!.count }]
    while (stack.length > 0) {
      const { range: r, depth, remote } = stack.pop()!
      const local = ctx.ledger.keys.measure(r).count
      if (local === 0 || remote <= LEDGER_SYNC.listThreshold || depth >= LEDGER_SYNC.maxDepth) {
        await listMissing(session, ctx, r, missing, flush)
        continue
      }
      const parts = await session.summary(r, LEDGER_SYNC.maxParts)
      partRanges(r, parts).forEach((pr, i) => {
        const p = parts[i]!
        if (p.count === 0) return
        const m = ctx.ledger.keys.measure(pr)
        if (m.count !== p.count || !bytesEqual(m.fingerprint, p.fingerprint))
          stack.push({ range: pr, depth: depth + 1, remote: p.count })
      })
    }
    await flush(true)
    await checking
  }
  report.requests = startRequests - session.requestsLeft
  report.ms = Math.round(performance.now() - started)
  return report
}

async function listMissing(
  session: SyncSession,
  ctx: ReconcileContext,
  range: KeyRange,
  missing: Uint8Array[],
  flush: (all: boolean) => Promise<void>,
): Promise<void> {
  let r = range
  for (;;) {
    const page = await session.keys(r, LEDGER_SYNC.maxKeysPerPage)
    for (const key of page.keys) if (!ctx.ledger.has(toHex(key.subarray(8)))) missing.push(key.subarray(8))
    await flush(false)
    const last = page.keys.at(-1)
    if (!page.more || last === undefined) return
    r = rest(r, last)
  }
}

async function checkAndAdmit(
  ctx: ReconcileContext,
  source: string,
  ids: Uint8Array[],
  frames: Uint8Array[],
  report: SyncReport,
): Promise<void> {
  const wanted = new Set(ids.map(toHex))
  const outcomes = await (ctx.check ?? checkFrames)(frames, ctx.network, ctx.now())
  const accepted: Array<{ result: SignedResult; id: Uint8Array; bytes: Uint8Array }> = []
  for (const o of outcomes) {
    if (!o.ok) {
      // A record dated too far ahead for our clock may become valid; anything else no honest peer serves.
      if (o.code === 'CLOCK') report.skipped++
      else throw new ZkpError('MISBEHAVIOUR', `ledger sync: invalid record (${o.code}: ${o.reason})`)
      continue
    }
    // Only what we asked for, once each: a peer cannot push records we did not request.
    if (!wanted.delete(toHex(o.id)))
      throw new ZkpError('MISBEHAVIOUR', 'ledger sync: a record that was not requested')
    accepted.push(o)
  }
  report.fetched += frames.length
  report.added += await ctx.ledger.admit(accepted, source)
}

export const isMisbehaviour = (err: unknown): boolean => isZkpError(err, 'MISBEHAVIOUR')
