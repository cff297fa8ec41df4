import { z } from 'zod'

/** Durations in scenario files are whole milliseconds, at most a day. */
const ms = z.number().int().min(0).max(86_400_000)
const positiveMs = z.number().int().min(1).max(86_400_000)
const name = z.string().regex(/^[a-z0-9][a-z0-9-]{0,47}$/, 'must match [a-z0-9][a-z0-9-]{0,47}')

export const DistributionSchema = z.discriminatedUnion('dist', [
  z.strictObject({ dist: z.literal('constant'), ms }),
  z
    .strictObject({ dist: z.literal('uniform'), min: ms, max: ms })
    .refine((d) => d.min <= d.max, { message: 'min must be ≤ max', path: ['min'] }),
  z.strictObject({ dist: z.literal('normal'), mean: ms, sd: ms }),
  z.strictObject({ dist: z.literal('lognormal'), median: positiveMs, sigma: z.number().min(0).max(3) }),
  z.strictObject({ dist: z.literal('exponential'), mean: positiveMs }),
])

/**
 * How a prover group behaves. `honest` proves; `invalid-proof` delivers proofs that do not verify;
 * `no-show` bids and wins but never delivers (a bid it cannot honour).
 */
export const Behaviour = z.enum(['honest', 'invalid-proof', 'no-show'])
export type Behaviour = z.output<typeof Behaviour>

export const NodeGroup = z.strictObject({
  group: name,
  count: z.number().int().min(1).max(300),
  roles: z
    .array(z.enum(['requester', 'prover']))
    .min(1)
    .max(2),
  /** Prover: price per proof. */
  price: z.number().int().min(0).max(1_000_000_000).default(100),
  /** Prover: proofs at once. */
  maxConcurrent: z.number().int().min(1).max(64).default(1),
  /** Prover: how many of the circuit variants each node serves (chosen by seed); default all. */
  serves: z.number().int().min(1).max(64).optional(),
  /** Simulated mode: the proving time of one proof. Ignored with real proofs. */
  proving: DistributionSchema.default({ dist: 'lognormal', median: 300, sigma: 0.25 }),
  /** Both modes: a wait added before each proof (a slow machine). */
  extraDelay: DistributionSchema.optional(),
  behaviour: Behaviour.default('honest'),
  /** Gossip spam: junk messages this many times a second on one topic (each one is a REJECT at its peers). */
  spam: z
    .strictObject({
      perSecond: z.number().min(0.1).max(100),
      topic: z.enum(['ask', 'bid', 'award', 'result']).default('bid'),
      /** When the spam starts, in ms after the load starts. */
      after: ms.default(0),
    })
    .optional(),
})
export type NodeGroup = z.output<typeof NodeGroup>

/** Some nodes of some groups: all of them, `count` of them, or a `fraction` of them, chosen by seed. */
export const Selector = z
  .strictObject({
    group: z.union([name, z.array(name).min(1).max(32)]),
    count: z.number().int().min(0).max(300).optional(),
    fraction: z.number().min(0).max(1).optional(),
  })
  .refine((s) => s.count === undefined || s.fraction === undefined, {
    message: 'give count or fraction, not both',
    path: ['count'],
  })
export type Selector = z.output<typeof Selector>

export const Fault = z.discriminatedUnion('kind', [
  /**
   * Stop nodes (ZkpNode.stop) and start them again on the same data directory after `downMs`. With `on`, each
   * chosen node is stopped the first time one of its jobs reaches that state after `at` (mid-task).
   */
  z.strictObject({
    kind: z.literal('crash'),
    nodes: Selector,
    at: ms.default(0),
    on: z.enum(['awarded', 'proving']).optional(),
    downMs: ms,
  }),
  /** Cut every link between `sides[0]` and `sides[1]` (default: everyone else) with the connection gater. */
  z.strictObject({
    kind: z.literal('partition'),
    at: ms,
    sides: z.tuple([Selector]).or(z.tuple([Selector, Selector])),
  }),
  z.strictObject({ kind: z.literal('heal'), at: ms }),
  /** From `at` on, gossip arriving at these nodes is delayed and/or lost (see faults/links.ts). */
  z.strictObject({
    kind: z.literal('links'),
    at: ms,
    nodes: Selector.optional(),
    delay: DistributionSchema.optional(),
    loss: z.number().min(0).max(0.9).default(0),
  }),
])
export type Fault = z.output<typeof Fault>

export const Assertion = z.discriminatedUnion('kind', [
  /** At the end, at least `min` of the submitted tasks completed (1: all), and every task ended. */
  z.strictObject({ kind: z.literal('tasks-complete'), min: z.number().min(0).max(1).default(1) }),
  /** At every tick, no task is still bidding or awarded `graceMs` past its window or proving deadline. */
  z.strictObject({ kind: z.literal('no-stuck-task'), graceMs: ms.default(5_000) }),
  /** At the end, every running node has the same ledger root (node.ledger.root()). */
  z.strictObject({ kind: z.literal('ledger-converges') }),
  /** At the end, on every requester: every prover of `below` has a lower reputation than every one of `above`. */
  z.strictObject({
    kind: z.literal('reputation-order'),
    below: z.array(name).min(1).max(32),
    above: z.array(name).min(1).max(32),
  }),
  /** Spam was seen and refused: at least `min` messages were REJECTed across the network. */
  z.strictObject({ kind: z.literal('spam-rejected'), min: z.number().int().min(1).default(1) }),
])
export type Assertion = z.output<typeof Assertion>
