import type { Logger } from '@libp2p/interface'
import type { ReputationSnapshot } from '../../protocol/auction/auction.ts'
import { compareBytes, sha256, toHex } from '../../protocol/codec/hash.ts'
import {
  addTally,
  EMPTY_TALLY,
  figuresOf,
  type ReputationFigures,
  type Tally,
  tallyOf,
} from '../../protocol/reputation/figures.ts'
import { Result, type SignedResult } from '../../protocol/task/messages.ts'
import type { Repositories } from '../store/repositories.ts'

export interface LedgerComponents {
  repos: Repositories
  log: Logger
}

interface Entry {
  id: Uint8Array
  prover: string
  tally: Tally
}

/**
 * The reputation ledger: a grow-only set of signed verification results, and reputation as a pure function of
 * that set. Adding a record twice, or records in any order, yields the same state. If a requester signs two
 * results for the same task round, the one with the smaller id counts (a rule every node applies alike).
 */
export class Ledger {
  private readonly ids = new Map<string, Uint8Array>()
  private readonly byRound = new Map<string, Entry>()
  private readonly tallies = new Map<string, Tally>()
  private cachedRoot: Uint8Array | undefined

  constructor(private readonly components: LedgerComponents) {}

  /** Rebuilds the in-memory view from the store. */
  async load(): Promise<void> {
    this.ids.clear()
    this.byRound.clear()
    this.tallies.clear()
    this.cachedRoot = undefined
    for await (const [, result] of this.components.repos.results.values()) this.index(result)
    this.components.log('ledger loaded %d records', this.ids.size)
  }

  /** Adds a (validated) record; returns false if it was already present. */
  async apply(result: SignedResult): Promise<boolean> {
    const id = toHex(Result.id(result))
    if (this.ids.has(id)) return false
    await this.components.repos.results.put(id, result)
    this.index(result)
    return true
  }

  has(resultId: string): boolean {
    return this.ids.has(resultId)
  }

  get size(): number {
    return this.ids.size
  }

  figures(prover: string): ReputationFigures {
    return figuresOf(this.tallies.get(prover) ?? EMPTY_TALLY)
  }

  tally(prover: string): Tally {
    return this.tallies.get(prover) ?? EMPTY_TALLY
  }

  provers(): string[] {
    return [...this.tallies.keys()].sort()
  }

  /** A frozen snapshot for the auction: later records do not change it. */
  snapshot(): ReputationSnapshot {
    const frozen = new Map(this.tallies)
    return (prover) => {
      const t = frozen.get(prover)
      return t === undefined ? undefined : figuresOf(t)
    }
  }

  /** SHA-256 over the sorted record ids: equal roots mean equal ledgers. */
  root(): Uint8Array {
    if (this.cachedRoot === undefined) this.cachedRoot = sha256(...[...this.ids.values()].sort(compareBytes))
    return this.cachedRoot
  }

  private index(result: SignedResult): void {
    const id = Result.id(result)
    this.ids.set(toHex(id), id)
    this.cachedRoot = undefined
    const roundKey = `${toHex(result.body.taskId)}/${result.body.round}`
    const prev = this.byRound.get(roundKey)
    if (prev !== undefined && compareBytes(prev.id, id) <= 0) return
    const entry: Entry = { id, prover: result.body.prover, tally: tallyOf(result) }
    if (prev !== undefined) this.adjust(prev.prover, prev.tally, -1)
    this.byRound.set(roundKey, entry)
    this.adjust(entry.prover, entry.tally, 1)
  }

  private adjust(prover: string, t: Tally, sign: 1 | -1): void {
    const signed: Tally = {
      valid: sign * t.valid,
      invalid: sign * t.invalid,
      timeout: sign * t.timeout,
      qualitySum: sign * t.qualitySum,
      speedSum: sign * t.speedSum,
    }
    this.tallies.set(prover, addTally(this.tallies.get(prover) ?? EMPTY_TALLY, signed))
  }
}
