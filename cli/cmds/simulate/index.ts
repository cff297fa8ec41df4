import { join } from 'node:path'
import { Command } from 'commander'
import type { ExitWith } from '../../main.ts'
import { integer } from '../../util/args.ts'
import { packageRoot } from '../../util/paths.ts'
import { runSimulate, type SimulateCliOptions } from './handler.ts'

export function simulateCommand(exitWith: ExitWith): Command {
  return new Command('simulate')
    .description(
      'Run a network scenario: real zkp-nodes on 127.0.0.1 in this process, its load and faults, its assertions checked, and a report written.',
    )
    .argument('<scenario>', 'scenario file (JSON), e.g. simulations/scenarios/happy-path.json')
    .option('--out <dir>', 'report directory (default: simulations/reports/<name>-<timestamp>/)')
    .option('--tasks <n>', 'override the scenario’s task count', integer(1, 100_000))
    .option('--seed <seed>', 'override the scenario’s seed')
    .option('--trace <file>', 'also write every task and job change of every node, one JSON line each')
    .option('--quiet', 'print only the outcome, not a line per tick', false)
    .option('--build-dir <dir>', 'where built circuits are', join(packageRoot(), 'circuits', 'build'))
    .option('--inputs-dir <dir>', 'where sample inputs are', join(packageRoot(), 'circuits', 'inputs'))
    .addHelpText(
      'after',
      `
A scenario names node groups (roles, prices, proving-time distributions, behaviours: honest, invalid-proof,
no-show, spam), the task load, faults on a time line (crash and restart, partition, heal, gossip delay and
loss) and the assertions to check. Ready ones are in simulations/scenarios/; simulations/README.md describes
every field. Writes report.json and report.html (plots, no external assets). The report says which prover
mode ran: "simulated" (provers wait a drawn time and return a stored real proof) or "real" (snarkjs).
Exit status: 0 every assertion held, 1 one failed or the run hit its time limit, 2 bad arguments or scenario.

Example:
  $ zkp-node simulate simulations/scenarios/happy-path.json --tasks 20`,
    )
    .action(async (scenario: string, opts: SimulateCliOptions) => exitWith(await runSimulate(scenario, opts)))
}
