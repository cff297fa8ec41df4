import type { SimulationResult } from '../run/simulator.ts'
import { barChart, esc, histogram, lineChart, type Marker, PALETTE } from './svg.ts'

const ms = (v: number) => `${Math.round(v)} ms`

/** The four plots every report has: latency, completions over time, reputation by class, messages per task. */
export function plots(r: SimulationResult): string[] {
  const lat = r.tasks.flatMap((t) => (t.latencyMs === undefined ? [] : [t.latencyMs]))
  const faults: Marker[] = r.faults
    .filter((f) => f.kind !== 'restart')
    .slice(0, 12)
    .map((f) => ({ x: f.at / 1000, label: f.kind }))
  const t = r.samples.map((s) => s.t)
  const provers = Object.keys(r.samples.at(-1)?.reputation ?? {})
  const perTask = (n: number) => (r.tasks.length === 0 ? 0 : n / Math.max(1, r.tasks.length))
  return [
    histogram({
      plot: 'latency',
      title: `Task latency, submit → verified proof (${lat.length} tasks)`,
      xLabel: 'ms',
      yLabel: 'tasks',
      values: lat,
      markers: [
        { x: r.latency.p50, label: `p50 ${ms(r.latency.p50)}` },
        { x: r.latency.p90, label: `p90 ${ms(r.latency.p90)}` },
        { x: r.latency.p99, label: `p99 ${ms(r.latency.p99)}` },
      ],
    }),
    lineChart({
      plot: 'completed',
      title: 'Tasks over time',
      xLabel: 's since the load started',
      yLabel: 'tasks',
      series: [
        { name: 'submitted', points: r.samples.map((s, i) => [t[i]!, s.submitted]) },
        { name: 'completed', points: r.samples.map((s, i) => [t[i]!, s.completed]), color: PALETTE[2] },
        { name: 'failed', points: r.samples.map((s, i) => [t[i]!, s.failed]), color: PALETTE[1] },
      ],
      markers: faults,
    }),
    lineChart({
      plot: 'reputation',
      title: 'Mean reputation per prover class (on the first requester)',
      xLabel: 's since the load started',
      yLabel: 'reputation (0..1)',
      yMax: 1,
      series: provers.map((g) => ({
        name: g,
        points: r.samples.map((s, i): [number, number] => [t[i]!, s.reputation[g] ?? 0]),
      })),
      markers: faults,
    }),
    barChart({
      plot: 'messages',
      title: `Gossip messages accepted per task, all nodes (${r.messages.perTask.toFixed(1)} in all)`,
      xLabel: '',
      yLabel: 'deliveries per task',
      bars: Object.entries(r.messages.byType).map(([k, v]) => ({ label: k, value: perTask(v) })),
    }),
  ]
}

function table(header: string[], rows: string[][]): string {
  const th = header.map((h) => `<th>${esc(h)}</th>`).join('')
  const tr = rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')
  return `<table><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table>`
}

/** One self-contained page: inline CSS and SVG; the only script marks the page once its plots have laid out. */
export function renderHtml(r: SimulationResult): string {
  const completed = r.tasks.filter((x) => x.state === 'completed').length
  const summary = table(
    ['measure', 'value'],
    [
      ['prover mode', r.mode],
      ['nodes', String(r.resources.nodes)],
      ['tasks completed', `${completed} / ${r.tasks.length}`],
      [
        'latency p50 / p90 / p99 / max',
        [r.latency.p50, r.latency.p90, r.latency.p99, r.latency.max].map(ms).join(' / '),
      ],
      [
        'auction settle p50 / p90 (award known by winner, minus window)',
        `${ms(r.settle.p50)} / ${ms(r.settle.p90)}`,
      ],
      ['gossip deliveries per task', r.messages.perTask.toFixed(1)],
      [
        'gossip REJECTs / dropped / delayed',
        `${r.messages.rejects} / ${r.messages.dropped} / ${r.messages.delayed}`,
      ],
      ['peak RSS, CPU', `${r.resources.peakRssMb} MB, ${(r.resources.cpuMs / 1000).toFixed(1)} s`],
      ['start-up, load phase', `${ms(r.resources.startupMs)}, ${ms(r.resources.loadMs)}`],
      [
        'unhandled rejections in node code',
        `${r.unhandled.count}${r.unhandled.first[0] ? `: ${r.unhandled.first[0]}` : ''}`,
      ],
    ],
  )
  const outcomes = table(
    ['assertion', 'result', 'detail'],
    r.outcomes.map((o) => [o.name, o.ok ? 'pass' : 'FAIL', o.detail]),
  )
  const faults = table(
    ['t (s)', 'fault', 'nodes', 'detail'],
    r.faults.map((f) => [(f.at / 1000).toFixed(1), f.kind, f.nodes.join(' '), f.detail]),
  )
  const verdict = r.passed ? 'passed' : r.cut !== undefined ? `FAILED (${r.cut})` : 'FAILED'
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.scenario.name)}: ${verdict}</title>
<style>
body{font:14px/1.4 sans-serif;margin:24px;max-width:1340px;color:#222}
h1{margin:0 0 4px}.verdict{font-weight:bold;color:${r.passed ? '#2a7a2a' : '#b22'}}
.mode{background:#fff6d6;border:1px solid #e0c060;padding:8px;margin:12px 0}
.plots{display:flex;flex-wrap:wrap;gap:16px}.plots svg{border:1px solid #ddd;background:#fff}
table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
</style></head>
<body data-plots="${4}">
<h1>${esc(r.scenario.name)} <span class="verdict">${verdict}</span></h1>
<p>${esc(r.scenario.description)}</p>
<p>seed <code>${esc(r.scenario.seed)}</code>, started ${esc(r.startedAt)}</p>
<div class="mode"><b>Prover mode: ${esc(r.mode)}.</b> ${esc(r.modeNote)}</div>
<h2>Assertions</h2>${outcomes}
<h2>Summary</h2>${summary}
<h2>Plots</h2><div class="plots">${plots(r).join('\n')}</div>
<h2>Faults</h2>${r.faults.length === 0 ? '<p>none</p>' : faults}
<script>
// Marks the page once every plot has a laid-out size: what the headless-browser test reads.
addEventListener('load', () => {
  const ok = [...document.querySelectorAll('svg[data-plot]')].filter((s) => s.getBBox().width > 0).length
  document.body.setAttribute('data-rendered', String(ok))
})
</script>
</body></html>
`
}
