import { createWriteStream } from 'node:fs'
import { resolve } from 'node:path'
import { SimulationError } from '../../../simulations/errors.ts'
import { defaultReportDir, writeReport } from '../../../simulations/report/write.ts'
import { simulate, type TraceLine } from '../../../simulations/run/simulator.ts'
import { loadScenario, parseScenario, type Scenario } from '../../../simulations/scenario/scenario.ts'
import { UsageError } from '../../util/args.ts'
import { packageRoot } from '../../util/paths.ts'
import { onShutdown } from '../../util/signals.ts'

export interface SimulateCliOptions {
  out?: string
  tasks?: number
  seed?: string
  quiet: boolean
  trace?: string
  buildDir: string
  inputsDir: string
}

const out = (line = '') => process.stdout.write(`${line}\n`)

/** `zkp-node simulate`: 0 when every assertion held, 1 when one failed or the run was cut short. */
export async function runSimulate(file: string, opts: SimulateCliOptions): Promise<number> {
  let scenario: Scenario
  try {
    scenario = await loadScenario(file)
    // Overrides go through the schema again, so that they are checked like the file.
    if (opts.tasks !== undefined || opts.seed !== undefined) {
      const raw = { ...scenario, load: { ...scenario.load } } as Record<string, unknown>
      if (opts.tasks !== undefined) (raw.load as Record<string, unknown>).tasks = opts.tasks
      if (opts.seed !== undefined) raw.seed = opts.seed
      scenario = parseScenario(raw)
    }
  } catch (err) {
    if (err instanceof SimulationError && err.code === 'BAD_SCENARIO') throw new UsageError(err.message)
    throw err
  }
  const dir = resolve(opts.out ?? defaultReportDir(packageRoot(), scenario.name))
  const shutdown = onShutdown()
  const controller = new AbortController()
  void shutdown.signal.then((s) => {
    out(`${s}: stopping the simulation (the report is still written)`)
    controller.abort()
  })
  const trace = opts.trace === undefined ? undefined : createWriteStream(resolve(opts.trace))
  try {
    out(
      `scenario ${scenario.name}: seed ${scenario.seed}, ${scenario.mode} proofs, ${scenario.load.tasks} tasks`,
    )
    const result = await simulate(scenario, {
      buildDir: opts.buildDir,
      inputsDir: opts.inputsDir,
      signal: controller.signal,
      ...(trace !== undefined
        ? { trace: (line: TraceLine) => trace.write(`${JSON.stringify(line)}\n`) }
        : {}),
      onProgress: (p) => {
        if (p.phase !== 'running' || !opts.quiet) out(`[${p.phase}] ${p.message}`)
      },
    })
    const paths = await writeReport(dir, result)
    out()
    for (const o of result.outcomes) out(`${o.ok ? 'pass' : 'FAIL'}  ${o.name}: ${o.detail}`)
    const l = result.latency
    out(
      `latency p50 ${l.p50} ms, p90 ${l.p90} ms, p99 ${l.p99} ms; ${result.messages.perTask.toFixed(1)} gossip deliveries per task; ` +
        `peak RSS ${result.resources.peakRssMb} MB`,
    )
    if (result.cut !== undefined) out(`the run was cut short: ${result.cut}`)
    if (result.unhandled.count > 0)
      out(
        `node code left ${result.unhandled.count} promise rejection(s) unhandled; first: ${result.unhandled.first[0]}`,
      )
    out(`prover mode: ${result.mode}`)
    out(`report: ${paths.html}`)
    out(`        ${paths.json}`)
    return result.passed ? 0 : 1
  } finally {
    trace?.end()
    shutdown.dispose()
  }
}
