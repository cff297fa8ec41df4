import { Command, Option } from 'commander'
import type { ExitWith } from '../../main.ts'
import {
  cid,
  circuitDir,
  existingFile,
  integer,
  many,
  multiaddrArg,
  network,
  peerAddr,
  price,
} from '../../util/args.ts'
import type { StartOptions } from './config.ts'
import { startNode } from './handler.ts'

export function startCommand(exitWith: ExitWith): Command {
  return new Command('start')
    .description(
      'Run a node until SIGINT/SIGTERM: join the network, ask and/or bid for proofs, serve the local API.',
    )
    .addOption(
      new Option('--role <role>', 'what this node does')
        .choices(['requester', 'prover', 'both'])
        .default(undefined, 'both'),
    )
    .option(
      '--listen <multiaddr...>',
      'addresses to listen on (default /ip4/127.0.0.1/tcp/0)',
      many(multiaddrArg),
    )
    .option(
      '--bootstrap <multiaddr...>',
      'peers to dial first, each ending in /p2p/<peer id>',
      many(peerAddr),
    )
    .option('--data-dir <dir>', 'where the identity, database, artifacts and api.json live')
    .option(
      '--network <name>',
      'network name; nodes on other networks are not heard (default devnet)',
      network,
    )
    .option('--price <units>', 'prover: price asked per proof, in the smallest unit (default 100)', price)
    .option('--max-concurrent <n>', 'prover: proofs run at once, 1..64 (default 1)', integer(1, 64))
    .option(
      '--threads <n>',
      'prover: CPU threads proving may use, 1..256 (default: every core)',
      integer(1, 256),
    )
    .option('--circuits <cid...>', 'prover: bid only for these circuit ids (default: any)', many(cid))
    .option(
      '--add-circuit <dir...>',
      'import circuit build directories (circuits/build/<name>) at start',
      many(circuitDir),
    )
    .option(
      '--api-port <n>',
      'local API port on 127.0.0.1; 0 picks a free one (default 0)',
      integer(0, 65535),
    )
    .option(
      '--local-network',
      'many peers on one IP (a test network on one machine): no gossipsub IP-colocation penalty, higher inbound rate',
    )
    .option(
      '--announce <multiaddr...>',
      'addresses to announce instead of the listen addresses',
      many(multiaddrArg),
    )
    .option('--config <file.json>', 'NodeConfig JSON file; flags given here override it', existingFile)
    .addHelpText(
      'after',
      `
The node prints its peer id, its listen addresses (with /p2p/<id>, ready for --bootstrap) and the API URL,
then one line per task or job change. The API token is in <data-dir>/api.json (mode 0600).

Examples:
  $ zkp-node start --role requester --data-dir .data/r --listen /ip4/127.0.0.1/tcp/4001
  $ zkp-node start --role prover --data-dir .data/p --price 50 \\
      --bootstrap /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...`,
    )
    .action(async (opts: StartOptions) => exitWith(await startNode(opts)))
}
