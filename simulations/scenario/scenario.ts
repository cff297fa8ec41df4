import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { SimulationError } from '../errors.ts'
import { Assertion, DistributionSchema, Fault, NodeGroup, type Selector } from './schema.ts'

const ms = z.number().int().min(0).max(86_400_000)

export const Load = z.strictObject({
  tasks: z.number().int().min(1).max(100_000),
  /** Time between two submissions (the whole network's arrival process). */
  arrival: DistributionSchema,
  /** Requester groups that submit, each task by a seeded choice among their running nodes; default all. */
  requesters: z.array(z.string()).min(1).max(32).optional(),
  bidWindowMs: z.number().int().min(1).max(600_000).default(1_000),
  provingDeadlineMs: z.number().int().min(1).max(3_600_000).default(10_000),
  closeAfterBids: z.number().int().min(0).max(64).default(0),
  maxPrice: z.number().int().min(0).max(1_000_000_000).default(1_000),
  /** At most this many tasks open at once: a submission waits until one ends (1: one task at a time). */
  maxInFlight: z.number().int().min(1).max(100_000).optional(),
  /** Asks per task before giving up (re-asks at rising prices). */
  maxAsks: z.number().int().min(1).max(10).default(3),
})

export const ScenarioSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,47}$/, 'must match [a-z0-9][a-z0-9-]{0,47}'),
    description: z.string().max(2000).default(''),
    seed: z.union([z.string().min(1).max(128), z.number().int()]).transform(String),
    /** `simulated`: provers wait and return a stored proof (simulations/prover); `real`: snarkjs. */
    mode: z.enum(['simulated', 'real']).default('simulated'),
    circuit: z
      .strictObject({
        /** A build under circuits/build/ with a sample input under circuits/inputs/. */
        name: z
          .string()
          .regex(/^[a-z0-9-]{1,64}$/, 'must match [a-z0-9-]{1,64}')
          .default('tiny'),
        /** Distinct circuit ids made from the same build (a market of several circuits). */
        variants: z.number().int().min(1).max(64).default(1),
        /**
         * Provers hold the circuits they serve from the start (a warm market). false: they fetch them from the
         * requester on their first ask, as a new prover does (the manifest fetch can outlast a short window).
         */
        preload: z.boolean().default(true),
      })
      .default({ name: 'tiny', variants: 1, preload: true }),
    nodes: z.array(NodeGroup).min(1).max(32),
    /** Each node other than requesters and the bootstrap node keeps at most `degree` peers (connection gater). */
    topology: z.strictObject({ degree: z.number().int().min(2).max(300).optional() }).default({}),
    load: Load,
    faults: z.array(Fault).max(256).default([]),
    assertions: z.array(Assertion).max(32).default([]),
    /**
     * Before the load: one task per requester, not counted, and a wait until every node has re-verified its
     * records, so that one-time start costs (each node's ledger verifier process) fall before t = 0.
     */
    warmup: z.boolean().default(true),
    /** How often every node's state is captured and checked. */
    tickMs: z.number().int().min(50).max(60_000).default(1_000),
    limits: z
      .strictObject({
        /** The whole run, start to report, at most (the run stops itself). */
        durationMs: z.number().int().min(1_000).max(3_600_000).default(300_000),
        /** After the last task ends: how long to wait for the ledgers to agree. */
        settleMs: ms.default(30_000),
      })
      .default({ durationMs: 300_000, settleMs: 30_000 }),
    /** Node options that trade fidelity for scale (documented in simulations/README.md). */
    nodeOptions: z
      .strictObject({
        /** Periodic ledger sync with a random peer (ms); 0 leaves only the sync on (re)connect. */
        ledgerSyncMs: ms.default(30_000),
        /** Whether every node audits every award it hears (the default node behaviour). */
        audits: z.boolean().default(true),
      })
      .default({ ledgerSyncMs: 30_000, audits: true }),
  })
  .superRefine((s, ctx) => {
    const groups = new Map(s.nodes.map((g) => [g.group, g]))
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message })
    s.nodes.forEach((g, i) => {
      if (s.nodes.findIndex((h) => h.group === g.group) !== i) issue(['nodes', i, 'group'], 'duplicate group')
    })
    const total = s.nodes.reduce((n, g) => n + g.count, 0)
    if (total > 300) issue(['nodes'], `at most 300 nodes in all (got ${total})`)
    const provers = s.nodes.filter((g) => g.roles.includes('prover')).reduce((n, g) => n + g.count, 0)
    if (provers === 0) issue(['nodes'], 'needs at least one prover')
    if (s.mode === 'real' && provers > 16)
      issue(['mode'], `real proofs run a snarkjs process per prover: at most 16 provers (got ${provers})`)
    const check = (path: (string | number)[], names: readonly string[], role?: 'requester' | 'prover') => {
      names.forEach((n, i) => {
        const g = groups.get(n)
        if (g === undefined) issue([...path, i], `no node group "${n}"`)
        else if (role !== undefined && !g.roles.includes(role))
          issue([...path, i], `group "${n}" is not a ${role}`)
      })
    }
    const requesters =
      s.load.requesters ?? s.nodes.filter((g) => g.roles.includes('requester')).map((g) => g.group)
    if (requesters.length === 0) issue(['load', 'requesters'], 'no requester group')
    check(['load', 'requesters'], requesters, 'requester')
    const sel = (path: (string | number)[], x: Selector) =>
      check([...path, 'group'], typeof x.group === 'string' ? [x.group] : x.group)
    s.faults.forEach((f, i) => {
      if (f.kind === 'crash') sel(['faults', i, 'nodes'], f.nodes)
      if (f.kind === 'partition')
        for (const [j, side] of f.sides.entries()) sel(['faults', i, 'sides', j], side)
      if (f.kind === 'links' && f.nodes !== undefined) sel(['faults', i, 'nodes'], f.nodes)
    })
    s.assertions.forEach((a, i) => {
      if (a.kind !== 'reputation-order') return
      check(['assertions', i, 'below'], a.below, 'prover')
      check(['assertions', i, 'above'], a.above, 'prover')
    })
    s.nodes.forEach((g, i) => {
      if (g.serves !== undefined && g.serves > s.circuit.variants)
        issue(['nodes', i, 'serves'], `only ${s.circuit.variants} circuit variant(s)`)
    })
  })
export type Scenario = z.output<typeof ScenarioSchema>
export type ScenarioInput = z.input<typeof ScenarioSchema>

/** Checks a scenario; the error names the first field that is wrong, as `scenario.<path>: <what>`. */
export function parseScenario(value: unknown): Scenario {
  const result = ScenarioSchema.safeParse(value)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const field = ['scenario', ...(issue?.path ?? []).map(String)].join('.')
  throw new SimulationError('BAD_SCENARIO', `${field}: ${issue?.message ?? 'invalid'}`, field)
}

/** Reads and checks a scenario file. */
export async function loadScenario(path: string): Promise<Scenario> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new SimulationError('BAD_SCENARIO', `${path}: cannot read (${(err as Error).message})`, undefined, {
      cause: err,
    })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new SimulationError('BAD_SCENARIO', `${path}: not JSON (${(err as Error).message})`)
  }
  return parseScenario(json)
}

/** The requester groups that submit tasks. */
export function requesterGroups(s: Scenario): string[] {
  return s.load.requesters ?? s.nodes.filter((g) => g.roles.includes('requester')).map((g) => g.group)
}
