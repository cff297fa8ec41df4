import type { Command } from 'commander'
import { readApiFile } from '../../node/api/api-file.ts'
import { isZkpError } from '../../protocol/errors.ts'
import { httpUrl, token, UsageError } from './args.ts'
import { ApiClient } from './client.ts'

/** How a command finds a running node: its data dir (api.json), or an API URL with its token. */
export interface NodeOptions {
  node?: string
  token?: string
  dataDir?: string
}

export function withNodeOptions(cmd: Command): Command {
  return cmd
    .option('--data-dir <dir>', 'data dir of a running node: reads its api.json instead of --node/--token')
    .option('--node <url>', 'API URL of the node (with --token)', httpUrl)
    .option('--token <hex>', 'API token of the node (with --node)', token)
}

/** A client of the node's local API, or a UsageError naming the option that is missing or wrong. */
export async function connect(opts: NodeOptions): Promise<ApiClient> {
  const direct = opts.node !== undefined || opts.token !== undefined
  if (direct && opts.dataDir !== undefined)
    throw new UsageError('--data-dir: give either --data-dir or --node with --token')
  if (opts.dataDir !== undefined) {
    try {
      const api = await readApiFile(opts.dataDir)
      return new ApiClient(api.url, api.token)
    } catch (err) {
      if (isZkpError(err)) throw new UsageError(`--data-dir: ${err.message}`)
      throw err
    }
  }
  if (opts.node === undefined) throw new UsageError('--node: required with --token (or give --data-dir)')
  if (opts.token === undefined)
    throw new UsageError('--token: required with --node (see <data-dir>/api.json)')
  return new ApiClient(opts.node, opts.token)
}
