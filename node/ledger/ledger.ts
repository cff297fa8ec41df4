import { EventEmitter } from 'node:events'
import type { Logger } from '@libp2p/interface'
import type { ReputationSnapshot } from '../../protocol/auction/auction.ts'
import { snapshotTime } from '../../protocol/auction/terms.ts'
import { toHex } from '../../protocol/codec/hash.ts'
import { ZkpError } from '../../protocol/errors.ts'
import { keyAfterTime } from '../../protocol/ledger-sync/keys.ts'
import type { ReputationFigures, Tally } from '../../protocol/reputation/figures.ts'
import {
  entryOf,
  type Judgement,
  type LedgerEntry,
  type RecordStatus,
} from '../../protocol/reputation/record.ts'
import type { ReputationView } from '../../protocol/reputation/view.ts'
import { Result, type SignedAsk, type SignedResult } from '../../protocol/task/messages.ts'
import type { Repositories } from '../store/repositories.ts'
import type { Store } from '../store/store.ts'
import { LedgerIndex } from './ledger-index.ts'
import { LedgerStore } from './ledger-store.ts'
import { LedgerReputation } from './reputation.ts'
import { whenJudged } from './settle.ts'
import type { RecordVerifier } from './verifier.ts'
import { VerifyQueue } from './verify-queue.ts'

export interface LedgerComponents {
  store: Store
  repos: Repositories
  log: Logger
  /** Re-verifies records; without one, records with a proof stay pending (they count for nothing). */
  verifier?: RecordVerifier
  now?: () => number
}

/** The ledger state an auction ranked with: see protocol/auction/terms.ts. */
export interface AuctionSnapshot {
  at: number
  root: Uint8Array
  count: number
  view: ReputationView
  reputation: ReputationSnapshot
}

export type LedgerEvents = { record: [LedgerEntry]; status: [LedgerEntry] }

/** How long an auction waits for records of its snapshot that are still being re-verified. */
const AUCTION_WAIT_MS = 10_000
/** Pending records kept decoded in memory for the verifier. */
const MAX_HELD = 4096

/**
 * The reputation ledger: a grow-only set of signed verification records in LevelDB, each re-verified off the
 * gossip path, and reputation as a pure function of that set (protocol/reputation/view.ts). Adding a record
 * twice, or records in any order, yields the same state and the same root. start()/stop() run the
 * re-verification queue; load() rebuilds memory from the store.
 */
export class Ledger {
  readonly events = new EventEmitter<LedgerEvents>()
  private index = new LedgerIndex()
  private readonly reasons = new Map<string, string>()
  private readonly held = new Map<string, SignedResult>()
  private readonly sources = new Map<string, string>()
  private readonly saved: LedgerStore
  private readonly queue: VerifyQueue
  private readonly now: () => number
  private readonly reputation: LedgerReputation

  constructor(private readonly c: LedgerComponents) {
    this.saved = new LedgerStore(c.store)
    this.now = c.now ?? Date.now
    this.reputation = new LedgerReputation(() => this.index, this.now)
    this.queue = new VerifyQueue({
      judge: (id) => this.judge(id),
      pending: () => this.pendingIds(),
      log: c.log,
    })
  }

  /** Rebuilds the in-memory state from the store (records written before entries existed are indexed now). */
  async load(): Promise<void> {
    this.index = new LedgerIndex()
    this.reasons.clear()
    this.reputation.invalidate()
    for await (const { entry, reason } of this.saved.load()) {
      this.index.add(entry)
      if (reason !== '') this.reasons.set(entry.idHex, reason)
    }
    // Only records without an entry are decoded: a restart does not re-read every record.
    const missing: SignedResult[] = []
    const prefix = this.c.repos.results.key('')
    for await (const [key, bytes] of this.c.store.entries(prefix)) {
      if (!this.index.has(key.slice(prefix.length))) missing.push(Result.decode(bytes))
    }
    if (missing.length > 0) await this.applyMany(missing)
    this.c.log('ledger loaded %d records (%d pending)', this.index.size, this.pendingIds().length)
  }

  start(): void {
    if (this.c.verifier !== undefined) this.queue.start()
  }

  stop(): void {
    this.queue.stop()
    this.held.clear()
    this.sources.clear()
  }

  /** Adds a record that passed validateRecord; false if it was already present. */
  async apply(result: SignedResult): Promise<boolean> {
    return (await this.applyMany([result])) === 1
  }

  /** Adds validated records in one write; returns how many were new. */
  async applyMany(results: readonly SignedResult[]): Promise<number> {
    return this.admit(results.map((result) => ({ result, id: Result.id(result) })))
  }

  /**
   * Adds validated records whose ids are known, optionally with their wire bytes (a sync received them: they
   * are canonical, so they are stored as they came instead of being encoded again) and the peer they came
   * from (it re-verified them, so it holds their verification keys: the first place to fetch one from).
   */
  async admit(
    records: ReadonlyArray<{ result: SignedResult; id: Uint8Array; bytes?: Uint8Array }>,
    source?: string,
  ): Promise<number> {
    const fresh = new Map<string, { result: SignedResult; entry: LedgerEntry; bytes?: Uint8Array }>()
    for (const { result, id, bytes } of records) {
      const idHex = toHex(id)
      if (this.index.has(idHex) || fresh.has(idHex)) continue
      // A timeout carries nothing to re-verify: its status is known at once.
      fresh.set(idHex, {
        result,
        entry: entryOf(result, id, result.body.delivery === null ? 'unproven' : undefined),
        ...(bytes !== undefined ? { bytes } : {}),
      })
    }
    if (fresh.size === 0) return 0
    await this.c.store.batch(
      [...fresh].flatMap(([idHex, { result, entry, bytes }]) => [
        bytes === undefined
          ? this.c.repos.results.putOp(idHex, result)
          : { type: 'put' as const, key: this.c.repos.results.key(idHex), value: bytes },
        this.saved.putOp(entry),
      ]),
    )
    for (const { entry, result } of fresh.values()) {
      if (!this.index.add(entry)) continue
      this.reputation.invalidate()
      this.events.emit('record', entry)
      if (entry.status === undefined) {
        // Kept in memory (a bounded number) so that re-verifying it does not read and decode it again.
        if (this.held.size < MAX_HELD) this.held.set(entry.idHex, result)
        if (source !== undefined && this.sources.size < MAX_HELD) this.sources.set(entry.idHex, source)
        this.queue.enqueue(entry.idHex)
      } else this.events.emit('status', entry)
    }
    return fresh.size
  }

  has(resultId: string): boolean {
    return this.index.has(resultId)
  }

  get size(): number {
    return this.index.size
  }

  /** Records waiting for re-verification. */
  get pending(): number {
    return this.pendingIds().length
  }

  /** The fingerprint of the whole set: equal roots mean equal ledgers. */
  root(): Uint8Array {
    return this.index.root()
  }

  /** The in-memory set, for ledger sync. */
  get keys(): LedgerIndex {
    return this.index
  }

  entry(resultId: string): { entry: LedgerEntry; reason: string | undefined } | undefined {
    const entry = this.index.get(resultId)
    return entry === undefined ? undefined : { entry, reason: this.reasons.get(resultId) }
  }

  entriesOfTask(taskIdHex: string): LedgerEntry[] {
    return this.index.ofTask(taskIdHex)
  }

  /** Reputation as of `at` (default: now), optionally as `evaluator`'s auction would see it. */
  view(opts: { at?: number; evaluator?: string; entries?: Iterable<LedgerEntry> } = {}): ReputationView {
    return this.reputation.view(opts)
  }

  /** The public view now, pending records at face value (display, peer scoring); cached briefly. */
  current(): { view: ReputationView; tallies: Map<string, Tally> } {
    return this.reputation.current()
  }

  figures(prover: string): ReputationFigures {
    return this.reputation.figures(prover)
  }

  /** Unweighted counts of the records that count about a prover (one per task round, none by a liar). */
  tally(prover: string): Tally {
    return this.reputation.tally(prover)
  }

  provers(): string[] {
    return this.reputation.provers()
  }

  /** A frozen snapshot of the current public view. */
  snapshot(): ReputationSnapshot {
    return this.reputation.snapshot()
  }

  /** The snapshot `ask`'s auction uses: records up to snapshotTime(ask), re-verified, seen by its requester. */
  async auctionSnapshot(ask: SignedAsk): Promise<AuctionSnapshot> {
    const at = snapshotTime(ask)
    const upTo = this.index.entriesIn({ lower: new Uint8Array(), upper: keyAfterTime(at) })
    await this.settled(upTo.filter((e) => e.status === undefined).map((e) => e.idHex))
    const view = this.view({ at, evaluator: ask.body.requester })
    const { root, count } = this.index.snapshotRoot(at)
    return { at, root, count, view, reputation: view.snapshot }
  }

  /** Resolves when these records are judged, or after `timeoutMs`. */
  settled(ids: readonly string[], timeoutMs = AUCTION_WAIT_MS): Promise<void> {
    return whenJudged(this.events, (id) => this.index.get(id)?.status === undefined, ids, timeoutMs)
  }

  private pendingIds(): string[] {
    return this.index.pending().map((e) => e.idHex)
  }

  private async judge(idHex: string): Promise<void> {
    const verifier = this.c.verifier
    if (verifier === undefined) throw new ZkpError('NOT_STARTED', 'no verifier')
    const result = this.held.get(idHex) ?? (await this.c.repos.results.get(idHex))
    if (result === undefined) throw new ZkpError('NOT_FOUND', `record ${idHex} missing from the store`)
    const source = this.sources.get(idHex)
    await this.setStatus(idHex, await verifier.judge(result, source === undefined ? [] : [source]))
  }

  private async setStatus(idHex: string, j: Judgement): Promise<void> {
    const entry = this.index.get(idHex)
    if (entry === undefined || entry.status !== undefined) return
    await this.saved.entries.put(idHex, this.saved.toStored({ ...entry, status: j.status }, j.reason))
    this.held.delete(idHex)
    this.sources.delete(idHex)
    if (!this.index.setStatus(idHex, j.status as RecordStatus)) return
    this.reasons.set(idHex, j.reason)
    this.reputation.invalidate()
    if (j.status === 'contradicted') this.c.log('record %s contradicted: %s', idHex.slice(0, 8), j.reason)
    this.events.emit('status', entry)
  }
}
