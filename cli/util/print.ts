/** Formatting for humans. The CLI is the only place that prints; these helpers only build strings. */

/** 12D3KooWArnT…LdZg: enough to tell peers apart in a table. */
export function shortPeer(peerId: string): string {
  return peerId.length <= 16 ? peerId : `${peerId.slice(0, 10)}…${peerId.slice(-4)}`
}

export function shortId(id: string): string {
  return id.slice(0, 8)
}

/** +1.042s */
export function elapsed(ms: number): string {
  return `+${(ms / 1000).toFixed(3)}s`
}

export function ms(value: number | undefined): string {
  return value === undefined ? '-' : `${Math.round(value)} ms`
}

/** 12:34:56.789, local time: for log lines of a long-running node. */
export function clock(at = Date.now()): string {
  const d = new Date(at)
  const p = (n: number, w = 2) => String(n).padStart(w, '0')
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`
}

/** Parts per million as a fraction with three decimals: 700000 → 0.700. */
export function ppm(value: number): string {
  return (value / 1_000_000).toFixed(3)
}

/** A plain text table: a header row, a rule, then rows; numbers right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const numeric = header.map(
    (_, i) => rows.length > 0 && rows.every((r) => /^[-+]?[0-9.,]+( ms)?$|^-$/.test(r[i] ?? '')),
  )
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}
