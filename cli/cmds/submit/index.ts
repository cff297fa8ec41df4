import { Command } from 'commander'
import { LIMITS } from '../../../protocol/constants.ts'
import type { ExitWith } from '../../main.ts'
import { circuitDir, existingFiles, httpUrl, integer, price, token } from '../../util/args.ts'
import { type SubmitOptions, submitTask } from './handler.ts'

export function submitCommand(exitWith: ExitWith): Command {
  return new Command('submit')
    .description(
      'Ask the network for a proof through a running node, follow the auction and save the verified proof.',
    )
    .requiredOption(
      '--circuit <dir>',
      'circuit build directory (with info.json), e.g. circuits/build/tiny',
      circuitDir,
    )
    .requiredOption(
      '--input <file.json...>',
      `private input, a JSON object of at most ${LIMITS.inputBytes} bytes; several (up to ${LIMITS.batchSize}) ` +
        'make a batch, one task each, spread over provers',
      existingFiles,
    )
    .requiredOption('--max-price <units>', 'highest price accepted, in the smallest unit', price)
    .option(
      '--bid-window <ms>',
      `how long provers may bid, 1..${LIMITS.maxBidWindowMs}`,
      integer(1, LIMITS.maxBidWindowMs),
      2000,
    )
    .option(
      '--deadline <ms>',
      `time the winner has to deliver, 1..${LIMITS.maxProvingDeadlineMs}`,
      integer(1, LIMITS.maxProvingDeadlineMs),
      60_000,
    )
    .option(
      '--close-after-bids <n>',
      `close the window early after n eligible bids (0: never)`,
      integer(0, LIMITS.rankedBids),
      0,
    )
    .option(
      '--start-price <units>',
      'price of the first ask (default: --max-price); later asks raise it',
      price,
    )
    .option(
      '--max-asks <n>',
      'asks in all when nobody bids or every prover fails, 1..16 (default 3)',
      integer(1, 16),
    )
    .option(
      '--raise <percent>',
      'how much each new ask raises the price, 0..1000 (default 50)',
      integer(0, 1000),
    )
    .option('--node <url>', 'API URL of the node (with --token)', httpUrl)
    .option('--token <hex>', 'API token of the node (with --node)', token)
    .option('--data-dir <dir>', 'data dir of a running node: reads its api.json instead of --node/--token')
    .requiredOption('--out <dir>', 'where to write proof.json, public.json and verification_key.json')
    .option(
      '--timeout <ms>',
      'give up after this long (default: bid window + deadline + 60 s)',
      integer(1, 7 * 24 * 3600_000),
    )
    .addHelpText(
      'after',
      `
Uploads the circuit's artifacts the node lacks, registers the circuit, posts the task, prints each bid and
event as it happens, then writes snarkjs-format files that \`snarkjs groth16 verify\` accepts:
  <out>/verification_key.json <out>/public.json <out>/proof.json

With several inputs (\`--input a.json b.json …\`) the tasks go out as one batch: the auction spreads them over
provers whose bids are within 5% of the best, and each proof is written to <out>/<n>/ (n = 0, 1, … in the order
of the inputs).

Exit status: 0 every verified proof was saved, 1 a task failed or timed out, 2 bad arguments.

Example:
  $ zkp-node submit --data-dir .data/r --circuit circuits/build/tiny --input circuits/inputs/tiny.json \\
      --max-price 100 --bid-window 1500 --out out/`,
    )
    .action(async (opts: SubmitOptions) => exitWith(await submitTask(opts)))
}
