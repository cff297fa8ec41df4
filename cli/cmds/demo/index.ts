import { join } from 'node:path'
import { Command } from 'commander'
import { LIMITS } from '../../../protocol/constants.ts'
import type { ExitWith } from '../../main.ts'
import { integer } from '../../util/args.ts'
import { packageRoot } from '../../util/paths.ts'
import { type DemoOptions, runDemo } from './handler.ts'

export function demoCommand(exitWith: ExitWith): Command {
  return new Command('demo')
    .description(
      'Run a whole market in this process: one requester and N provers on 127.0.0.1, one proof, explained.',
    )
    .option('--provers <n>', 'provers to start, each asking a different price (1..16)', integer(1, 16), 2)
    .option('--circuit <name>', 'sample circuit under circuits/build/', 'poseidon-chain')
    .option('--bid-window <ms>', 'how long provers may bid', integer(1, LIMITS.maxBidWindowMs), 1500)
    .option(
      '--deadline <ms>',
      'time the winner has to deliver',
      integer(1, LIMITS.maxProvingDeadlineMs),
      120_000,
    )
    .option('--build-dir <dir>', 'where built circuits are', join(packageRoot(), 'circuits', 'build'))
    .option('--inputs-dir <dir>', 'where sample inputs are', join(packageRoot(), 'circuits', 'inputs'))
    .addHelpText(
      'after',
      `
Data directories live in a temporary directory, removed at the end. Build the sample circuits first with
\`npm run circuits\`. Prints the bids, the auction's ranking with each score, the timings and the verdict;
exits 0 when the proof verified.

Example:
  $ zkp-node demo --provers 3 --circuit tiny`,
    )
    .action(async (opts: DemoOptions) => exitWith(await runDemo(opts)))
}
