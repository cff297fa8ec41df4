import { z } from 'zod'
import { type AuctionWeights, checkWeights, DEFAULT_WEIGHTS } from '../protocol/auction/auction.ts'
import { cidString, networkName, parseWith, price } from '../protocol/codec/schema.ts'
import { DEFAULT_NETWORK, LIMITS } from '../protocol/constants.ts'
import { ZkpError } from '../protocol/errors.ts'

export type Role = 'requester' | 'prover'

/** The most CPU threads a prover may be given (`prover.threads`); a local setting, not a wire limit. */
export const MAX_THREADS = 256
const THREADS_ERROR = `must be an integer 1..${MAX_THREADS}`

/** Everything a node can be configured with; the CLI and config files produce this, checked by NodeConfig. */
export const NodeConfig = z.strictObject({
  dataDir: z.string().min(1).max(4096),
  network: networkName.default(DEFAULT_NETWORK),
  roles: z
    .array(z.enum(['requester', 'prover']))
    .min(1)
    .max(2)
    .default(['requester', 'prover']),
  listen: z.array(z.string().max(256)).max(16).default(['/ip4/127.0.0.1/tcp/0']),
  announce: z.array(z.string().max(256)).max(16).default([]),
  bootstrap: z.array(z.string().max(512)).max(64).default([]),
  /** Loosen limits that assume peers on distinct IPs (gossipsub colocation, inbound rate): local networks. */
  localNetwork: z.boolean().default(false),
  prover: z
    .strictObject({
      price: price.default(100n),
      circuits: z.array(cidString).max(1024).default([]),
      maxConcurrent: z.number().int().min(1).max(64).default(1),
      /** CPU threads snarkjs may prove on (a donor's cap); absent: every core. */
      threads: z
        .number(THREADS_ERROR)
        .int(THREADS_ERROR)
        .min(1, THREADS_ERROR)
        .max(MAX_THREADS, THREADS_ERROR)
        .optional(),
      prefetch: z.boolean().default(true),
    })
    .default({ price: 100n, circuits: [], maxConcurrent: 1, prefetch: true }),
  weights: z
    .strictObject({
      price: z.number().int(),
      reputation: z.number().int(),
      success: z.number().int(),
      quality: z.number().int(),
      speed: z.number().int(),
    })
    .default(DEFAULT_WEIGHTS),
  api: z
    .strictObject({
      enabled: z.boolean().default(true),
      host: z.string().max(255).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(0),
    })
    .default({ enabled: true, host: '127.0.0.1', port: 0 }),
})
export type NodeConfigInput = z.input<typeof NodeConfig>
export type NodeConfig = z.output<typeof NodeConfig> & { weights: AuctionWeights }

/** Checks a configuration, naming the field and the limit it breaks. */
export function parseConfig(input: unknown): NodeConfig {
  const cfg = parseWith(NodeConfig, input, 'config')
  try {
    checkWeights(cfg.weights)
  } catch (err) {
    throw new ZkpError('BAD_CONFIG', `config.${(err as Error).message}`, { field: 'weights' })
  }
  return cfg
}

export const TASK_DEFAULTS = {
  maxPrice: 1000n,
  bidWindowMs: 2000,
  provingDeadlineMs: 60_000,
  closeAfterBids: 0,
  maxBidWindowMs: LIMITS.maxBidWindowMs,
}
