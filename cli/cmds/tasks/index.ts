import { Command } from 'commander'
import type { ExitWith } from '../../main.ts'
import { UsageError } from '../../util/args.ts'
import { withNodeOptions } from '../../util/connect.ts'
import { showTasks, type TasksOptions } from './handler.ts'

const TASK_RE = /^[0-9a-f]{64}$/

export function tasksCommand(exitWith: ExitWith): Command {
  const cmd = new Command('tasks')
    .description('List the tasks a running node requested and the jobs it took on as a prover, or show one.')
    .argument('[task]', 'a task id (64 hex digits): show its whole history')
    .option('--json', 'print the node’s answer as JSON')
  return withNodeOptions(cmd)
    .addHelpText(
      'after',
      `
Without a task id: one line per task (state, which ask of how many, award round, prover, why it ended) and
one per prover job. With one: every event of the task (asks and their prices, bids, awards, deliveries,
verdicts, timeouts, fallbacks) and the bids it drew, or the node's job for it.

Example:
  $ zkp-node tasks --data-dir .data/a
  $ zkp-node tasks 5f2c…e1 --data-dir .data/a --json`,
    )
    .action(async (task: string | undefined, opts: TasksOptions) => {
      if (task !== undefined && !TASK_RE.test(task))
        throw new UsageError('task: must be a task id of 64 hex digits')
      exitWith(await showTasks(task, opts))
    })
}
