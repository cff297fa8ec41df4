import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { renderHtml } from '../../simulations/report/html.ts'
import { writeReport } from '../../simulations/report/write.ts'
import type { SimulationResult } from '../../simulations/run/simulator.ts'
import { MODE_NOTES, percentiles } from '../../simulations/run/summary.ts'
import { parseScenario } from '../../simulations/scenario/scenario.ts'

const CHROMIUM = '/usr/bin/chromium'

/** A small, made-up run: enough to draw every plot. */
function result(): SimulationResult {
  const scenario = parseScenario({
    name: 'made-up',
    seed: 7,
    description: 'a <report> & its plots',
    nodes: [
      { group: 'req', count: 1, roles: ['requester'] },
      { group: 'good', count: 2, roles: ['prover'] },
      { group: 'bad', count: 1, roles: ['prover'], behaviour: 'invalid-proof' },
    ],
    load: { tasks: 40, arrival: { dist: 'constant', ms: 100 } },
  })
  const latencies = Array.from({ length: 40 }, (_, i) => 600 + ((i * 37) % 400))
  return {
    scenario,
    mode: 'simulated',
    modeNote: MODE_NOTES.simulated,
    startedAt: new Date(0).toISOString(),
    nodes: [],
    tasks: latencies.map((l, i) => ({
      taskId: `t${i}`,
      requester: 'req-0',
      state: 'completed',
      submittedAt: i * 100,
      latencyMs: l,
      settleMs: 20,
      rounds: 1,
      asks: 1,
    })),
    latency: percentiles(latencies),
    settle: percentiles([20]),
    messages: {
      byType: { ask: 160, bid: 480, award: 160, result: 160 },
      total: 960,
      perTask: 24,
      rejects: 3,
      dropped: 0,
      delayed: 0,
    },
    resources: { nodes: 4, peakRssMb: 200, cpuMs: 1000, startupMs: 500, loadMs: 5000 },
    samples: Array.from({ length: 10 }, (_, i) => ({
      t: i / 2,
      submitted: 4 * i,
      completed: Math.max(0, 4 * i - 3),
      failed: 0,
      open: 3,
      runningNodes: 4,
      distinctRoots: 1,
      ledgerMin: i,
      ledgerMax: i,
      messages: 100 * i,
      reputation: { good: 0.5 + i / 40, bad: 0.5 - i / 40 },
      rssMb: 200,
    })),
    faults: [{ at: 2000, kind: 'crash', nodes: ['good-1'], detail: 'down for 1000 ms' }],
    outcomes: [{ name: 'tasks-complete', ok: true, detail: '40/40' }],
    passed: true,
    cut: undefined,
    unhandled: { count: 0, first: [] },
  }
}

describe('the report', () => {
  const dirs: string[] = []
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true })
  })

  it('is one self-contained page with the four plots, and says which prover mode ran', () => {
    const html = renderHtml(result())
    for (const plot of ['latency', 'completed', 'reputation', 'messages'])
      expect(html).toMatch(new RegExp(`<svg [^>]*data-plot="${plot}"`))
    expect(html).toContain('Prover mode: simulated.')
    // No external asset: nothing is loaded from anywhere.
    expect(html).not.toMatch(/<(link|img|iframe)\b|\bsrc=|url\(|https?:\/\/(?!www\.w3\.org\/2000\/svg)/)
    // Text from the scenario is escaped.
    expect(html).toContain('a &#60;report&#62; &#38; its plots')
    // One path per prover class on the reputation plot.
    const rep = html.match(/<svg [^>]*data-plot="reputation"[\s\S]*?<\/svg>/)![0]
    expect(rep.match(/<path /g)).toHaveLength(2)
  })

  it('writes report.json and report.html', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zkp-report-'))
    dirs.push(dir)
    const paths = await writeReport(dir, result())
    const json = JSON.parse(await readFile(paths.json, 'utf8')) as SimulationResult
    expect(json.mode).toBe('simulated')
    expect(json.latency.count).toBe(40)
    expect(await readFile(paths.html, 'utf8')).toContain('data-plot="latency"')
  })

  // Needs Debian's chromium (apt-get install chromium); without it the structural test above is what checks.
  it.skipIf(!existsSync(CHROMIUM))('renders in headless Chromium with every plot laid out', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zkp-report-'))
    dirs.push(dir)
    const { html } = await writeReport(dir, result())
    const run = spawnSync(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${join(dir, 'profile')}`,
        '--virtual-time-budget=2000',
        '--dump-dom',
        pathToFileURL(html).href,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    )
    expect(run.status).toBe(0)
    // The page's own script counts the plots whose SVG has a laid-out box.
    expect(run.stdout).toMatch(/<body [^>]*data-rendered="4"/)
  })
})
