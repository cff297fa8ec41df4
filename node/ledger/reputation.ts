import type { ReputationSnapshot } from '../../protocol/auction/auction.ts'
import { keyAfterTime } from '../../protocol/ledger-sync/keys.ts'
import type { ReputationFigures, Tally } from '../../protocol/reputation/figures.ts'
import type { LedgerEntry } from '../../protocol/reputation/record.ts'
import { type ReputationView, reputationView } from '../../protocol/reputation/view.ts'
import type { LedgerIndex } from './ledger-index.ts'
import { faceValue, rawTallies } from './tallies.ts'

const NO_TALLY: Tally = { valid: 0, invalid: 0, timeout: 0, qualitySum: 0, speedSum: 0 }

/**
 * Reputation read from the ledger's set: views at a snapshot time (auctions, audits), and the current public
 * view with pending records at face value (display, peer scoring), cached for a second or until the set
 * changes.
 */
export class LedgerReputation {
  private cache: { view: ReputationView; tallies: Map<string, Tally>; until: number } | undefined

  constructor(
    private readonly index: () => LedgerIndex,
    private readonly now: () => number,
  ) {}

  invalidate(): void {
    this.cache = undefined
  }

  /** Reputation as of `at` (default: now), optionally as `evaluator`'s auction would see it. */
  view(opts: { at?: number; evaluator?: string; entries?: Iterable<LedgerEntry> } = {}): ReputationView {
    const at = opts.at ?? this.now()
    const entries =
      opts.entries ?? this.index().entriesIn({ lower: new Uint8Array(), upper: keyAfterTime(at) })
    return reputationView(entries, {
      at,
      ...(opts.evaluator !== undefined ? { evaluator: opts.evaluator } : {}),
    })
  }

  current(): { view: ReputationView; tallies: Map<string, Tally> } {
    const now = this.now()
    if (this.cache === undefined || now > this.cache.until) {
      const entries = [...this.index().all()].map(faceValue)
      this.cache = {
        view: reputationView(entries, { at: now }),
        tallies: rawTallies(entries),
        until: now + 1_000,
      }
    }
    return this.cache
  }

  figures(prover: string): ReputationFigures {
    return this.current().view.figures(prover)
  }

  tally(prover: string): Tally {
    return this.current().tallies.get(prover) ?? { ...NO_TALLY }
  }

  provers(): string[] {
    return this.current().view.provers()
  }

  snapshot(): ReputationSnapshot {
    return this.current().view.snapshot
  }
}
