import { createHash } from 'node:crypto'

/**
 * Seeded randomness for simulations: sfc32, seeded by SHA-256 of (seed, label). Every consumer forks its own
 * stream by label (the load, each node's prover, each link), so what one draws does not depend on how the
 * network interleaved the others' draws: the same seed gives the same schedule, delays and fault choices.
 */
export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(readonly seed: string) {
    const h = createHash('sha256').update(seed).digest()
    this.a = h.readUInt32LE(0)
    this.b = h.readUInt32LE(4)
    this.c = h.readUInt32LE(8)
    this.d = h.readUInt32LE(12)
    // Discard the first outputs, as sfc32's authors advise, so close seeds diverge at once.
    for (let i = 0; i < 12; i++) this.next()
  }

  /** An independent stream for `label`. */
  fork(label: string): Rng {
    return new Rng(`${this.seed}/${label}`)
  }

  /** A float in [0, 1). */
  next(): number {
    this.a >>>= 0
    this.b >>>= 0
    this.c >>>= 0
    this.d >>>= 0
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return (t >>> 0) / 4294967296
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** A standard normal draw (Box-Muller). */
  normal(): number {
    const u = 1 - this.next()
    const v = this.next()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }

  /** `k` distinct items of `items`, in a seeded order. */
  sample<T>(items: readonly T[], k: number): T[] {
    const copy = [...items]
    for (let i = copy.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      ;[copy[i], copy[j]] = [copy[j]!, copy[i]!]
    }
    return copy.slice(0, Math.max(0, Math.min(k, copy.length)))
  }
}

/** A distribution of durations in milliseconds, as scenarios write them. */
export type Distribution =
  | { dist: 'constant'; ms: number }
  | { dist: 'uniform'; min: number; max: number }
  | { dist: 'normal'; mean: number; sd: number }
  /** Heavy-tailed: the median and the spread (sigma of the underlying normal). */
  | { dist: 'lognormal'; median: number; sigma: number }
  | { dist: 'exponential'; mean: number }

/** One draw, never negative, in whole milliseconds. */
export function draw(rng: Rng, d: Distribution): number {
  let v: number
  switch (d.dist) {
    case 'constant':
      v = d.ms
      break
    case 'uniform':
      v = d.min + rng.next() * (d.max - d.min)
      break
    case 'normal':
      v = d.mean + d.sd * rng.normal()
      break
    case 'lognormal':
      v = d.median * Math.exp(d.sigma * rng.normal())
      break
    case 'exponential':
      v = -d.mean * Math.log(1 - rng.next())
      break
  }
  return Math.max(0, Math.round(v))
}

/** The distribution's mean, for reports. */
export function meanOf(d: Distribution): number {
  switch (d.dist) {
    case 'constant':
      return d.ms
    case 'uniform':
      return (d.min + d.max) / 2
    case 'normal':
      return d.mean
    case 'lognormal':
      return d.median * Math.exp((d.sigma * d.sigma) / 2)
    case 'exponential':
      return d.mean
  }
}
