import { readFile } from 'node:fs/promises'
import { type NodeConfig, type NodeConfigInput, parseConfig } from '../../../node/config.ts'
import { errorMessage } from '../../../protocol/errors.ts'
import { UsageError } from '../../util/args.ts'

export interface StartOptions {
  role?: 'requester' | 'prover' | 'both'
  listen?: string[]
  bootstrap?: string[]
  dataDir?: string
  network?: string
  price?: bigint
  maxConcurrent?: number
  threads?: number
  circuits?: string[]
  addCircuit?: string[]
  apiPort?: number
  localNetwork?: boolean
  announce?: string[]
  config?: string
}

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

async function readConfigFile(path: string): Promise<Json> {
  let parsed: unknown
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'))
  } catch (err) {
    throw new UsageError(`--config: ${path} is not valid JSON (${errorMessage(err)})`)
  }
  if (!isObject(parsed)) throw new UsageError(`--config: ${path} must hold a JSON object`)
  // JSON numbers cannot carry a uint64 exactly, so a config file may give the price as a decimal string.
  const prover = parsed.prover
  if (isObject(prover) && typeof prover.price === 'string' && /^[0-9]{1,40}$/.test(prover.price)) {
    parsed.prover = { ...prover, price: BigInt(prover.price) }
  }
  return parsed
}

/** The node's configuration: the --config file, then the flags on top; checked by NodeConfig. */
export async function buildConfig(opts: StartOptions): Promise<NodeConfig> {
  const file = opts.config === undefined ? {} : await readConfigFile(opts.config)
  const cfg: Json = { ...file }
  const prover: Json = isObject(file.prover) ? { ...file.prover } : {}
  const api: Json = isObject(file.api) ? { ...file.api } : {}
  if (opts.dataDir !== undefined) cfg.dataDir = opts.dataDir
  if (opts.network !== undefined) cfg.network = opts.network
  if (opts.role !== undefined) cfg.roles = opts.role === 'both' ? ['requester', 'prover'] : [opts.role]
  if (opts.listen !== undefined) cfg.listen = opts.listen
  if (opts.bootstrap !== undefined) cfg.bootstrap = opts.bootstrap
  if (opts.price !== undefined) prover.price = opts.price
  if (opts.maxConcurrent !== undefined) prover.maxConcurrent = opts.maxConcurrent
  if (opts.threads !== undefined) prover.threads = opts.threads
  if (opts.circuits !== undefined) prover.circuits = opts.circuits
  if (opts.apiPort !== undefined) api.port = opts.apiPort
  if (opts.localNetwork !== undefined) cfg.localNetwork = opts.localNetwork
  if (opts.announce !== undefined) cfg.announce = opts.announce
  if (Object.keys(prover).length > 0) cfg.prover = prover
  if (Object.keys(api).length > 0) cfg.api = api
  if (cfg.dataDir === undefined)
    throw new UsageError('--data-dir: required (or "dataDir" in the --config file)')
  try {
    return parseConfig(cfg as NodeConfigInput)
  } catch (err) {
    // parseConfig names the field (config.prover.price: …); a bad config is a usage error.
    throw new UsageError(errorMessage(err))
  }
}
