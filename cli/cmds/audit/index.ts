import { Command } from 'commander'
import type { ExitWith } from '../../main.ts'
import { UsageError } from '../../util/args.ts'
import { withNodeOptions } from '../../util/connect.ts'
import { type AuditOptions, auditTask } from './handler.ts'

export function auditCommand(exitWith: ExitWith): Command {
  const cmd = new Command('audit')
    .description(
      'Recompute a task’s award from the signed ask, bids and ledger snapshot, and re-verify its records.',
    )
    .argument('<task>', 'the task id (64 hex digits): an ask id, or a task the node requested')
    .option('--json', 'print the reports as JSON')
    .option('--stored', 'show the node’s last audit instead of running one now')
  return withNodeOptions(cmd)
    .addHelpText(
      'after',
      `
The node gathers the award's bid set (its own, or the requester's over /zkp/ledger-sync/1.0.0, checked against
the award's bid-set digest) and the ledger snapshot the award names (its own records up to the snapshot time,
checked against the award's ledger root, pulling what it lacks from the requester), ranks the bids by the
rule with the weights the award records, and compares. It also re-verifies every record of the task.

Each check is ok, FAIL (the award or a record breaks the rule: provable from signed data) or ?? (this node
could not gather what the check needs). Exit status: 0 every check ok, 1 a violation or an open question,
2 bad arguments.

Example:
  $ zkp-node audit 3f9a…c2 --data-dir .data/a`,
    )
    .action(async (task: string, opts: AuditOptions) => {
      if (!/^[0-9a-f]{64}$/.test(task)) throw new UsageError('task: must be 64 lowercase hex digits')
      exitWith(await auditTask(task, opts))
    })
}
