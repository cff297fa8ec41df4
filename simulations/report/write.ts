import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { SimulationResult } from '../run/simulator.ts'
import { renderHtml } from './html.ts'

/** bigint-safe JSON (prices in the scenario are numbers, but node records carry bigints). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2)
}

/** The default report directory: simulations/reports/<name>-<timestamp>/ under `base`. */
export function defaultReportDir(base: string, name: string, at = new Date()): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-')
  return join(base, 'simulations', 'reports', `${name}-${stamp}`)
}

/** Writes report.json and report.html into `dir`; returns their paths. */
export async function writeReport(dir: string, r: SimulationResult): Promise<{ json: string; html: string }> {
  await mkdir(dir, { recursive: true })
  const json = join(dir, 'report.json')
  const html = join(dir, 'report.html')
  await writeFile(json, toJson(r))
  await writeFile(html, renderHtml(r))
  return { json, html }
}
