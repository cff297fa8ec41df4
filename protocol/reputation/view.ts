import type { ReputationSnapshot } from '../auction/auction.ts'
import { compareBytes } from '../codec/hash.ts'
import { decayPpm } from './decay.ts'
import { NEUTRAL, PPM, PRIOR_RECORDS, type ReputationFigures } from './figures.ts'
import { REPUTATION, ZERO_FIGURES } from './params.ts'
import type { LedgerEntry } from './record.ts'

/** Decayed evidence about one prover, in ppm-records (a fresh record weighs PPM). */
export interface WeightedTally {
  valid: number
  invalid: number
  timeout: number
  quality: number
  speed: number
}

export interface ViewOptions {
  /** Snapshot time: records dated later are left out; every weight decays relative to it. */
  at: number
  /** The requester whose auction this is: positive evidence counts only from its witnesses (Sybil rule). */
  evaluator?: string
}

/** Reputation as a pure function of (records, snapshot time, evaluator): docs/ledger.md states each rule. */
export interface ReputationView {
  readonly at: number
  readonly evaluator: string | undefined
  /** Requesters that signed a record re-verification contradicts (as of the snapshot). */
  readonly liars: ReadonlySet<string>
  figures(prover: string): ReputationFigures
  tally(prover: string): WeightedTally
  /** Credibility of a requester's unprovable records, ppm. */
  credibility(requester: string): number
  provers(): string[]
  /** For the auction: undefined (neutral) for a prover with no evidence. */
  readonly snapshot: ReputationSnapshot
}

const EMPTY: WeightedTally = { valid: 0, invalid: 0, timeout: 0, quality: 0, speed: 0 }
const P = BigInt(PPM)
const CAP = REPUTATION.pairCapRecords * PPM
const mulDiv = (a: number, b: number, c: number): number => Number((BigInt(a) * BigInt(b)) / BigInt(c))

/** floor((sum·PPM + prior·PRIOR·PPM) / (count + PRIOR·PPM)): the neutral prior is worth PRIOR_RECORDS records. */
function smooth(sum: number, count: number, prior: number): number {
  const k = BigInt(PRIOR_RECORDS) * P
  return Number((BigInt(sum) * P + BigInt(prior) * k) / (BigInt(count) + k))
}

export function figuresOfWeighted(t: WeightedTally): ReputationFigures {
  const n = t.valid + t.invalid + t.timeout
  const delivered = t.valid + t.invalid
  return {
    success: smooth(t.valid, n, NEUTRAL.success),
    quality: smooth(t.quality, delivered, NEUTRAL.quality),
    speed: smooth(t.speed, delivered, NEUTRAL.speed),
  }
}

/** The records that count: in the snapshot, final, one per task round (smallest id), not by a liar. */
function counting(entries: Iterable<LedgerEntry>, at: number): { kept: LedgerEntry[]; liars: Set<string> } {
  const byRound = new Map<string, LedgerEntry>()
  const liars = new Set<string>()
  for (const e of entries) {
    if (e.createdAt > at || e.status === undefined) continue
    if (e.status === 'contradicted') liars.add(e.requester)
    const prev = byRound.get(e.roundKey)
    if (prev === undefined || compareBytes(e.id, prev.id) < 0) byRound.set(e.roundKey, e)
  }
  const kept = [...byRound.values()].filter((e) => e.status !== 'contradicted' && !liars.has(e.requester))
  return { kept, liars }
}

/** Requesters whose praise counts for `evaluator`: itself, and whoever paid a prover it paid, or paid it. */
function witnessesOf(evaluator: string, kept: readonly LedgerEntry[]): Set<string> {
  const confirmedValid = kept.filter((e) => e.status === 'confirmed' && e.verdict === 'valid')
  const hired = new Set(confirmedValid.filter((e) => e.requester === evaluator).map((e) => e.prover))
  hired.add(evaluator)
  const out = new Set([evaluator])
  for (const e of confirmedValid) if (hired.has(e.prover)) out.add(e.requester)
  return out
}

interface Pair {
  pos: number
  quality: number
  speed: number
  invalid: number
  timeout: number
}

export function reputationView(entries: Iterable<LedgerEntry>, opts: ViewOptions): ReputationView {
  const { at, evaluator } = opts
  const { kept, liars } = counting(entries, at)
  const provable = new Map<string, number>()
  const total = new Map<string, number>()
  for (const e of kept) {
    total.set(e.requester, (total.get(e.requester) ?? 0) + 1)
    if (e.status === 'confirmed') provable.set(e.requester, (provable.get(e.requester) ?? 0) + 1)
  }
  const credibility = (q: string) => mulDiv((provable.get(q) ?? 0) + 1, PPM, (total.get(q) ?? 0) + 1)
  const witnesses = evaluator === undefined ? undefined : witnessesOf(evaluator, kept)
  const pairs = new Map<string, Map<string, Pair>>()
  for (const e of kept) {
    const w = decayPpm(at - e.createdAt)
    if (w === 0) continue
    const byReq = pairs.get(e.prover) ?? new Map<string, Pair>()
    pairs.set(e.prover, byReq)
    const p = byReq.get(e.requester) ?? { pos: 0, quality: 0, speed: 0, invalid: 0, timeout: 0 }
    byReq.set(e.requester, p)
    const witness = witnesses === undefined || witnesses.has(e.requester)
    if (e.status === 'confirmed' && e.verdict === 'valid') {
      if (!witness) continue
      p.pos += w
      p.quality += mulDiv(w, e.quality, PPM)
      p.speed += mulDiv(w, e.speed, PPM)
    } else if (e.status === 'confirmed') {
      p.invalid += w
    } else {
      // A timeout (or an unprovable invalid) is the requester's word: weighed by how often its word is provable.
      p.timeout += witness && witnesses !== undefined ? w : mulDiv(w, credibility(e.requester), PPM)
    }
  }
  const tallies = new Map<string, WeightedTally>()
  for (const [prover, byReq] of pairs) {
    const t = { ...EMPTY }
    for (const p of byReq.values()) {
      // One requester is one voice: cap its positive and its negative evidence separately.
      const pos = Math.min(p.pos, CAP)
      t.valid += pos
      t.quality += p.pos > CAP ? mulDiv(p.quality, CAP, p.pos) : p.quality
      t.speed += p.pos > CAP ? mulDiv(p.speed, CAP, p.pos) : p.speed
      const neg = p.invalid + p.timeout
      t.invalid += neg > CAP ? mulDiv(p.invalid, CAP, neg) : p.invalid
      t.timeout += neg > CAP ? mulDiv(p.timeout, CAP, neg) : p.timeout
    }
    tallies.set(prover, t)
  }
  const figures = (prover: string): ReputationFigures => {
    if (liars.has(prover)) return { ...ZERO_FIGURES }
    const t = tallies.get(prover)
    return t === undefined ? { ...NEUTRAL } : figuresOfWeighted(t)
  }
  return {
    at,
    evaluator,
    liars,
    figures,
    tally: (prover) => tallies.get(prover) ?? { ...EMPTY },
    credibility,
    provers: () => [...new Set([...tallies.keys(), ...liars])].sort(),
    snapshot: (prover) => (tallies.has(prover) || liars.has(prover) ? figures(prover) : undefined),
  }
}
