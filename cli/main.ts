// Must stay the first import: libp2p calls Promise.withResolvers while its modules load (missing on Node 20).
import '../node/polyfill.ts'
import { Command, CommanderError } from 'commander'
import { guardStreamRaces } from '../node/stream-guard.ts'
import { errorMessage } from '../protocol/errors.ts'
import { auditCommand } from './cmds/audit/index.ts'
import { demoCommand } from './cmds/demo/index.ts'
import { reputationCommand } from './cmds/reputation/index.ts'
import { simulateCommand } from './cmds/simulate/index.ts'
import { startCommand } from './cmds/start/index.ts'
import { submitCommand } from './cmds/submit/index.ts'
import { tasksCommand } from './cmds/tasks/index.ts'
import { UsageError } from './util/args.ts'
import { packageVersion } from './util/paths.ts'

/** Exit codes: 0 success, 1 the work failed, 2 bad arguments. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const

/** Sets the process's exit code from inside a command's action. */
export type ExitWith = (code: number) => void

/**
 * Commander's messages name the option by its flags and put the reason last; ours lead with the option:
 * `error: --max-concurrent: must be an integer 1..64 (got "abc")`.
 */
export function rewriteError(text: string): string {
  const longFlag = (flags: string) => /--[\w-]+/.exec(flags)?.[0] ?? flags
  const invalid = /^error: option '([^']+)' argument '([\s\S]*)' is invalid\. ([\s\S]*?)\s*$/.exec(text)
  if (invalid) {
    const what = invalid[3]!.replace(/^Allowed choices are (.*?)\.?$/, 'must be one of $1')
    return `error: ${longFlag(invalid[1]!)}: ${what} (got "${invalid[2]}")\n`
  }
  const required = /^error: required option '([^']+)' not specified/.exec(text)
  if (required) return `error: ${longFlag(required[1]!)}: required\n`
  const missing = /^error: option '([^']+)' argument missing/.exec(text)
  if (missing) return `error: ${longFlag(missing[1]!)}: missing value\n`
  const unknown = /^error: unknown option '([^']+)'(.*)/s.exec(text)
  if (unknown) return `error: ${unknown[1]}: unknown option${unknown[2]}\n`.replace(/\n+$/, '\n')
  return text
}

/** Every command reports errors our way and throws instead of exiting, so main() decides the exit code. */
function configure(cmd: Command): void {
  cmd.exitOverride()
  cmd.configureOutput({ outputError: (text, write) => write(rewriteError(text)) })
  cmd.showSuggestionAfterError(true)
  for (const sub of cmd.commands) configure(sub)
}

export function buildProgram(exitWith: ExitWith): Command {
  const program = new Command('zkp-node')
    .description(
      'A peer-to-peer market for zero-knowledge proofs: requesters ask, provers bid, every node runs the same auction.',
    )
    .version(packageVersion())
  program.addCommand(startCommand(exitWith))
  program.addCommand(submitCommand(exitWith))
  program.addCommand(demoCommand(exitWith))
  program.addCommand(reputationCommand(exitWith))
  program.addCommand(auditCommand(exitWith))
  program.addCommand(simulateCommand(exitWith))
  program.addCommand(tasksCommand(exitWith))
  configure(program)
  return program
}

/** Runs the CLI; resolves with the exit code (the bin exits with it). */
export async function main(argv: readonly string[]): Promise<number> {
  let code: number = EXIT.ok
  const program = buildProgram((c) => {
    code = c
  })
  // A long-running node must outlive one dead stream (see node/stream-guard.ts).
  const unguard = guardStreamRaces((m) => process.stderr.write(`warning: ${m}\n`))
  try {
    await program.parseAsync([...argv])
    return code
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; anything commander rejects is a usage error (it printed the message already).
      const benign = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code)
      return benign ? err.exitCode : EXIT.usage
    }
    process.stderr.write(`error: ${errorMessage(err)}\n`)
    return err instanceof UsageError ? EXIT.usage : EXIT.failed
  } finally {
    unguard()
  }
}
