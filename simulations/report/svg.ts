/** Plots as inline SVG strings: no script, no external asset, readable in any browser. */

export const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
]

export interface Series {
  name: string
  points: Array<[number, number]>
  color?: string
}

export interface Marker {
  x: number
  label: string
}

interface Frame {
  title: string
  xLabel: string
  yLabel: string
}

const W = 640
const H = 300
const M = { left: 58, right: 16, top: 30, bottom: 44 }
const PW = W - M.left - M.right
const PH = H - M.top - M.bottom

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** About five round tick values from 0 (or min) to max. */
function ticks(min: number, max: number): number[] {
  const span = max - min || 1
  const raw = span / 5
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 2.5, 5, 10].map((k) => k * mag).find((s) => span / s <= 6) ?? raw
  const out: number[] = []
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9 && out.length < 12; v += step)
    out.push(Number(v.toPrecision(12)))
  return out
}

const fmt = (v: number) =>
  Math.abs(v) >= 10_000 ? `${(v / 1000).toFixed(0)}k` : String(Number(v.toFixed(2)))

function frame(
  f: Frame,
  plot: string,
  xr: [number, number],
  yr: [number, number],
  body: string,
  xTicks = true,
): string {
  const sx = (x: number) => M.left + ((x - xr[0]) / (xr[1] - xr[0] || 1)) * PW
  const sy = (y: number) => M.top + PH - ((y - yr[0]) / (yr[1] - yr[0] || 1)) * PH
  const xt = (xTicks ? ticks(xr[0], xr[1]) : [])
    .map(
      (v) =>
        `<line x1="${sx(v)}" x2="${sx(v)}" y1="${M.top + PH}" y2="${M.top + PH + 4}" stroke="#444"/><text x="${sx(v)}" y="${M.top + PH + 16}" text-anchor="middle">${fmt(v)}</text>`,
    )
    .join('')
  const yt = ticks(yr[0], yr[1])
    .map(
      (v) =>
        `<line x1="${M.left}" x2="${M.left + PW}" y1="${sy(v)}" y2="${sy(v)}" stroke="#eee"/><text x="${M.left - 6}" y="${sy(v) + 4}" text-anchor="end">${fmt(v)}</text>`,
    )
    .join('')
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" ` +
    `aria-label="${esc(f.title)}" data-plot="${plot}" font-family="sans-serif" font-size="11">` +
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${esc(f.title)}</text>` +
    `${yt}${xt}<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + PH}" stroke="#444"/>` +
    `<line x1="${M.left}" x2="${M.left + PW}" y1="${M.top + PH}" y2="${M.top + PH}" stroke="#444"/>` +
    `<text x="${M.left + PW / 2}" y="${H - 8}" text-anchor="middle">${esc(f.xLabel)}</text>` +
    `<text transform="translate(14 ${M.top + PH / 2}) rotate(-90)" text-anchor="middle">${esc(f.yLabel)}</text>` +
    `${body}</svg>`
  )
}

function scales(xr: [number, number], yr: [number, number]) {
  return {
    sx: (x: number) => M.left + ((x - xr[0]) / (xr[1] - xr[0] || 1)) * PW,
    sy: (y: number) => M.top + PH - ((y - yr[0]) / (yr[1] - yr[0] || 1)) * PH,
  }
}

function markerLines(markers: readonly Marker[], sx: (x: number) => number): string {
  return markers
    .map(
      (m, i) =>
        `<line x1="${sx(m.x)}" x2="${sx(m.x)}" y1="${M.top}" y2="${M.top + PH}" stroke="#888" stroke-dasharray="4 3"/>` +
        // Labels near the right edge run leftwards, so they stay inside the plot.
        (sx(m.x) > M.left + 0.8 * PW
          ? `<text x="${sx(m.x) - 3}" y="${M.top + 10 + (i % 4) * 11}" fill="#555" text-anchor="end">${esc(m.label)}</text>`
          : `<text x="${sx(m.x) + 3}" y="${M.top + 10 + (i % 4) * 11}" fill="#555">${esc(m.label)}</text>`),
    )
    .join('')
}

function legend(series: readonly Series[]): string {
  return series
    .map((s, i) => {
      const c = s.color ?? PALETTE[i % PALETTE.length]!
      const x = M.left + 8 + (i % 4) * 140
      const y = M.top + 8 + Math.floor(i / 4) * 14
      return `<rect x="${x}" y="${y - 8}" width="10" height="10" fill="${c}"/><text x="${x + 14}" y="${y + 1}">${esc(s.name)}</text>`
    })
    .join('')
}

/** Lines over a shared x axis, with optional vertical markers (faults) and a legend. */
export function lineChart(
  f: Frame & { plot: string; series: Series[]; markers?: Marker[]; yMax?: number },
): string {
  const all = f.series.flatMap((s) => s.points)
  const xr: [number, number] = [Math.min(0, ...all.map((p) => p[0])), Math.max(1, ...all.map((p) => p[0]))]
  const yr: [number, number] = [0, f.yMax ?? Math.max(1, ...all.map((p) => p[1])) * 1.05]
  const { sx, sy } = scales(xr, yr)
  const lines = f.series
    .map((s, i) => {
      const d = s.points
        .map(([x, y], k) => `${k === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`)
        .join('')
      return `<path d="${d}" fill="none" stroke="${s.color ?? PALETTE[i % PALETTE.length]}" stroke-width="2"/>`
    })
    .join('')
  return frame(f, f.plot, xr, yr, `${markerLines(f.markers ?? [], sx)}${lines}${legend(f.series)}`)
}

/** A histogram of `values` in `bins` equal bins, with vertical markers (percentiles). */
export function histogram(
  f: Frame & { plot: string; values: number[]; bins?: number; markers?: Marker[] },
): string {
  const n = f.bins ?? 30
  const max = Math.max(1, ...f.values) * 1.02
  const width = max / n
  const counts = new Array<number>(n).fill(0)
  for (const v of f.values) counts[Math.min(n - 1, Math.floor(v / width))]!++
  const xr: [number, number] = [0, max]
  const yr: [number, number] = [0, Math.max(1, ...counts) * 1.1]
  const { sx, sy } = scales(xr, yr)
  const bars = counts
    .map((c, i) => {
      const x = sx(i * width)
      const w = Math.max(1, sx((i + 1) * width) - x - 1)
      return `<rect x="${x.toFixed(1)}" y="${sy(c).toFixed(1)}" width="${w.toFixed(1)}" height="${(sy(0) - sy(c)).toFixed(1)}" fill="${PALETTE[0]}"/>`
    })
    .join('')
  return frame(f, f.plot, xr, yr, `${bars}${markerLines(f.markers ?? [], sx)}`)
}

/** Labelled vertical bars. */
export function barChart(f: Frame & { plot: string; bars: Array<{ label: string; value: number }> }): string {
  const k = Math.max(1, f.bars.length)
  const xr: [number, number] = [0, k]
  const yr: [number, number] = [0, Math.max(1, ...f.bars.map((b) => b.value)) * 1.15]
  const { sx, sy } = scales(xr, yr)
  const body = f.bars
    .map((b, i) => {
      const x = sx(i + 0.15)
      const w = sx(i + 0.85) - x
      return (
        `<rect x="${x.toFixed(1)}" y="${sy(b.value).toFixed(1)}" width="${w.toFixed(1)}" height="${(sy(0) - sy(b.value)).toFixed(1)}" fill="${PALETTE[i % PALETTE.length]}"/>` +
        `<text x="${sx(i + 0.5)}" y="${sy(b.value) - 4}" text-anchor="middle">${b.value.toFixed(1)}</text>` +
        `<text x="${sx(i + 0.5)}" y="${M.top + PH + 30}" text-anchor="middle">${esc(b.label)}</text>`
      )
    })
    .join('')
  return frame({ ...f, xLabel: '' }, f.plot, xr, yr, body, false)
}
