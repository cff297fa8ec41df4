import { Command } from 'commander'
import type { ExitWith } from '../../main.ts'
import { UsageError } from '../../util/args.ts'
import { withNodeOptions } from '../../util/connect.ts'
import { type ReputationOptions, showReputation } from './handler.ts'

const PEER_RE = /^[1-9A-HJ-NP-Za-km-z]{1,64}$/

export function reputationCommand(exitWith: ExitWith): Command {
  const cmd = new Command('reputation')
    .description('Show what the reputation ledger of a running node says of every peer it knows, or of one.')
    .argument('[peer]', 'a peer id: show only this peer')
    .option('--json', 'print the node’s answer as JSON')
  return withNodeOptions(cmd)
    .addHelpText(
      'after',
      `
Columns: records that count about the peer as a prover (valid/invalid/timeout, one per task round),
success, quality and speed (0..1, decayed, with a neutral prior of 0.500), the reputation part of an auction
score under the node's weights, the peer's gossipsub application score at this node, and flags: a peer that
signed a verdict its proof contradicts, awarded against the rule in an audit, or served forged sync records.

Example:
  $ zkp-node reputation --data-dir .data/a
  $ zkp-node reputation 12D3KooW… --data-dir .data/a --json`,
    )
    .action(async (peer: string | undefined, opts: ReputationOptions) => {
      if (peer !== undefined && !PEER_RE.test(peer)) {
        throw new UsageError('peer: must be a base58btc peer id (12D3KooW…), at most 64 characters')
      }
      exitWith(await showReputation(peer, opts))
    })
}
