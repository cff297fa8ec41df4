import { compareBytes } from '../../protocol/codec/hash.ts'
import {
  FULL_RANGE,
  fingerprint,
  type KeyRange,
  keyAfterTime,
  recordKey,
} from '../../protocol/ledger-sync/keys.ts'
import { indexesOf, listKeys, measure, summarize } from '../../protocol/ledger-sync/ranges.ts'
import type { RangePart } from '../../protocol/ledger-sync/schema.ts'
import type { LedgerEntry, RecordStatus } from '../../protocol/reputation/record.ts'

/**
 * The ledger's in-memory state: the set of records (as reputation entries) and their sync keys in order. A
 * grow-only set keyed by record id: adding an entry twice changes nothing, and the state reached does not
 * depend on the order entries were added in. No I/O, so property tests can drive it directly.
 */
export class LedgerIndex {
  private readonly entries = new Map<string, LedgerEntry>()
  private readonly byTask = new Map<string, string[]>()
  private keys: Uint8Array[] = []
  private sorted = true
  private cachedRoot: Uint8Array | undefined

  /** Adds an entry; false if its id is already held. */
  add(entry: LedgerEntry): boolean {
    if (this.entries.has(entry.idHex)) return false
    this.entries.set(entry.idHex, entry)
    const task = this.byTask.get(entry.taskId)
    if (task === undefined) this.byTask.set(entry.taskId, [entry.idHex])
    else task.push(entry.idHex)
    const key = recordKey(entry.createdAt, entry.id)
    // Appending in order (the usual case: new records are the newest) keeps the array sorted for free.
    const last = this.keys.at(-1)
    if (this.sorted && last !== undefined && compareBytes(last, key) > 0) this.sorted = false
    this.keys.push(key)
    this.cachedRoot = undefined
    return true
  }

  /** Records the re-verification status of an entry; a status, once set, never changes. */
  setStatus(idHex: string, status: RecordStatus): boolean {
    const e = this.entries.get(idHex)
    if (e === undefined || e.status !== undefined) return false
    e.status = status
    return true
  }

  has(idHex: string): boolean {
    return this.entries.has(idHex)
  }

  get(idHex: string): LedgerEntry | undefined {
    return this.entries.get(idHex)
  }

  get size(): number {
    return this.entries.size
  }

  all(): IterableIterator<LedgerEntry> {
    return this.entries.values()
  }

  ofTask(taskId: string): LedgerEntry[] {
    return (this.byTask.get(taskId) ?? []).map((id) => this.entries.get(id)!)
  }

  pending(): LedgerEntry[] {
    return [...this.entries.values()].filter((e) => e.status === undefined)
  }

  /** The sync keys in order. */
  sortedKeys(): readonly Uint8Array[] {
    if (!this.sorted) {
      this.keys.sort(compareBytes)
      this.sorted = true
    }
    return this.keys
  }

  /** Fingerprint of the whole set: equal roots mean equal sets. */
  root(): Uint8Array {
    if (this.cachedRoot === undefined) this.cachedRoot = fingerprint(this.sortedKeys())
    return this.cachedRoot
  }

  /** Fingerprint and size of the snapshot at time `at`: every record dated at or before it. */
  snapshotRoot(at: number): { root: Uint8Array; count: number } {
    const m = measure(this.sortedKeys(), { lower: new Uint8Array(), upper: keyAfterTime(at) })
    return { root: m.fingerprint, count: m.count }
  }

  /** The entries whose keys are in `range`. */
  entriesIn(range: KeyRange = FULL_RANGE): LedgerEntry[] {
    const keys = this.sortedKeys()
    const [s, e] = indexesOf(keys, range)
    return keys.slice(s, e).map((k) => this.entries.get(Buffer.from(k.subarray(8)).toString('hex'))!)
  }

  summarize(range: KeyRange, parts: number): RangePart[] {
    return summarize(this.sortedKeys(), range, parts)
  }

  listKeys(range: KeyRange, limit: number): { keys: Uint8Array[]; more: boolean } {
    return listKeys(this.sortedKeys(), range, limit)
  }

  measure(range: KeyRange): { count: number; fingerprint: Uint8Array } {
    return measure(this.sortedKeys(), range)
  }
}
