import type { IdentifyResult, Logger, PeerId } from '@libp2p/interface'
import { errorMessage } from '../../protocol/errors.ts'
import { LEDGER_SYNC_PROTOCOL } from '../../protocol/ledger-sync/constants.ts'
import { FULL_RANGE, type KeyRange } from '../../protocol/ledger-sync/keys.ts'
import type { ZkpHost } from '../network/host.ts'
import { CheckPool } from './check/pool.ts'
import type { Ledger } from './ledger.ts'
import { isMisbehaviour, type ReconcileContext, reconcile, type SyncReport } from './reconcile.ts'
import { newBudget, SyncSession } from './sync-session.ts'

export interface LedgerSyncComponents {
  host: ZkpHost
  ledger: Ledger
  network: string
  log: Logger
  now: () => number
}

export interface LedgerSyncInit {
  /** Sync with one random peer this often (ms); 0 disables the timer. */
  intervalMs?: number
  /** Do not sync with the same peer again sooner than this (ms), unless asked to. */
  minPeerIntervalMs?: number
  /** Sessions at once. */
  maxSessions?: number
  /**
   * Worker threads that check received records (default: one per core, at most 4); 0 checks them on the
   * event loop (the simulator, with a hundred nodes in one process, uses 0).
   */
  checkThreads?: number
}

/** How long a peer that served a forged record stays marked (its gossipsub app score is negative meanwhile). */
const MISBEHAVIOUR_MS = 10 * 60 * 1000

/**
 * Keeps this node's ledger caught up: syncs with every peer that identifies as speaking ledger sync when it
 * connects (a restart, a healed partition, a late join) and with one random peer every `intervalMs`. A peer
 * that serves a forged record is marked (see standing.ts). start()/stop() are idempotent.
 */
export class LedgerSync {
  readonly reports: SyncReport[] = []
  private readonly last = new Map<string, number>()
  private readonly running = new Map<string, Promise<SyncReport | undefined>>()
  private readonly misbehaving = new Map<string, number>()
  private controller: AbortController | undefined
  private pool: CheckPool | undefined
  private timer: NodeJS.Timeout | undefined
  private readonly onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    if (evt.detail.protocols.includes(LEDGER_SYNC_PROTOCOL)) void this.syncWith(evt.detail.peerId)
  }

  constructor(
    private readonly c: LedgerSyncComponents,
    private readonly init: LedgerSyncInit = {},
  ) {}

  start(): void {
    if (this.controller !== undefined) return
    this.controller = new AbortController()
    const threads = this.init.checkThreads
    this.pool = threads === 0 ? undefined : new CheckPool(this.c.log, threads)
    this.c.host.addEventListener('peer:identify', this.onIdentify)
    // Peers identified before we listened (the bootstrap peer, say) get their first sync now.
    void this.syncAll()
    const every = this.init.intervalMs ?? 30_000
    if (every > 0) {
      this.timer = setInterval(() => void this.syncRandom(), every)
      this.timer.unref()
    }
  }

  async stop(): Promise<void> {
    const controller = this.controller
    if (controller === undefined) return
    this.controller = undefined
    clearInterval(this.timer)
    this.timer = undefined
    this.c.host.removeEventListener('peer:identify', this.onIdentify)
    controller.abort()
    await Promise.allSettled(this.running.values())
    await this.pool?.stop()
    this.pool = undefined
  }

  /** What reconciling needs: the ledger, and the worker threads that check what arrives. */
  context(): ReconcileContext {
    const pool = this.pool
    return {
      ledger: this.c.ledger,
      network: this.c.network,
      now: this.c.now,
      ...(pool !== undefined
        ? { check: (f: readonly Uint8Array[], n: string, t: number) => pool.check(f, n, t) }
        : {}),
    }
  }

  /** Whether `peer` served a forged record recently. */
  misbehaved(peer: string): boolean {
    const until = this.misbehaving.get(peer)
    return until !== undefined && until > this.c.now()
  }

  /** A session for one-off requests to `peer` (an audit fetching an award's bids or a snapshot's keys). */
  session(peer: PeerId, timeoutMs?: number): SyncSession {
    const budget = newBudget(Date.now())
    if (timeoutMs !== undefined) budget.deadline = Math.min(budget.deadline, Date.now() + timeoutMs)
    return new SyncSession(this.c.host, peer, budget, this.controller?.signal)
  }

  /** Marks a peer caught serving something forged outside a sync (an audit's bid fetch, say). */
  markMisbehaving(peer: string): void {
    this.misbehaving.set(peer, this.c.now() + MISBEHAVIOUR_MS)
  }

  /** Syncs with every connected peer that speaks ledger sync; resolves with their reports. */
  async syncAll(range: KeyRange = FULL_RANGE): Promise<SyncReport[]> {
    const peers = await this.syncPeers()
    const reports = await Promise.all(peers.map((p) => this.syncWith(p, { force: true, range })))
    return reports.filter((r): r is SyncReport => r !== undefined)
  }

  /**
   * One session with `peer` (or the one already running). Errors end the session and are logged; they never
   * throw: sync is best effort and will run again.
   */
  syncWith(peer: PeerId, opts: { force?: boolean; range?: KeyRange } = {}): Promise<SyncReport | undefined> {
    const key = peer.toString()
    const signal = this.controller?.signal
    const inflight = this.running.get(key)
    if (inflight !== undefined) return inflight
    const recent = this.c.now() - (this.last.get(key) ?? 0) < (this.init.minPeerIntervalMs ?? 5_000)
    if (
      signal === undefined ||
      (recent && opts.force !== true) ||
      this.running.size >= (this.init.maxSessions ?? 4)
    ) {
      return Promise.resolve(undefined)
    }
    this.last.set(key, this.c.now())
    const session = new SyncSession(this.c.host, peer, newBudget(Date.now()), signal)
    const run = reconcile(session, this.context(), opts.range)
      .then((report) => {
        this.reports.push(report)
        if (this.reports.length > 64) this.reports.shift()
        if (report.added > 0) this.c.log('synced %d records from %p', report.added, peer)
        return report
      })
      .catch((err: unknown) => {
        if (isMisbehaviour(err)) this.misbehaving.set(key, this.c.now() + MISBEHAVIOUR_MS)
        this.c.log('ledger sync with %p: %s', peer, errorMessage(err))
        return undefined
      })
      .finally(() => this.running.delete(key))
    this.running.set(key, run)
    return run
  }

  private async syncRandom(): Promise<void> {
    const peers = await this.syncPeers()
    const peer = peers[Math.floor(Math.random() * peers.length)]
    if (peer !== undefined) await this.syncWith(peer)
  }

  private async syncPeers(): Promise<PeerId[]> {
    const out: PeerId[] = []
    for (const peer of this.c.host.getPeers()) {
      try {
        if ((await this.c.host.peerStore.get(peer)).protocols.includes(LEDGER_SYNC_PROTOCOL)) out.push(peer)
      } catch {
        // Not in the peer store yet: identify has not run; the identify event will bring it.
      }
    }
    return out
  }
}
