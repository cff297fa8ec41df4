import type { AuditReport } from '../../../node/audit/report.ts'
import { connect, type NodeOptions } from '../../util/connect.ts'
import { shortId, shortPeer } from '../../util/print.ts'

export interface AuditOptions extends NodeOptions {
  json?: boolean
  stored?: boolean
}

const out = (line: string) => process.stdout.write(`${line}\n`)
const MARK = { ok: 'ok  ', violation: 'FAIL', inconclusive: '??  ' } as const

/** What `zkp-node audit` prints for one auction of the task. */
export function formatReport(r: AuditReport): string {
  const lines = [
    `auction ${r.taskId}: ${r.outcome.toUpperCase()}`,
    `  requester ${r.requester}, ${r.rounds} award round(s); bids from ${r.bids.source} (${r.bids.eligible} eligible);` +
      ` snapshot of ${r.snapshot.records} records up to ${new Date(r.snapshot.at).toISOString()}` +
      (r.snapshot.rebuilt ? '' : ' (not rebuilt)'),
    ...r.findings.map((f) => `  ${MARK[f.outcome]} ${f.check.padEnd(11)} ${f.detail}`),
  ]
  if (r.records.length > 0) lines.push('  records, re-verified here:')
  for (const rec of r.records) {
    lines.push(
      `    round ${rec.round}  ${shortPeer(rec.prover)}  ${rec.verdict.padEnd(7)}  ${rec.status.padEnd(12)}  ${shortId(rec.resultId)}  ${rec.reason}`,
    )
  }
  return lines.join('\n')
}

/** `zkp-node audit <task>`: 0 when every award of the task follows the rule, 1 otherwise (or unsure). */
export async function auditTask(taskId: string, opts: AuditOptions): Promise<number> {
  const client = await connect(opts)
  const { reports } = await client.json<{ reports: AuditReport[] }>(
    opts.stored === true ? 'GET' : 'POST',
    `/v1/audits/${taskId}`,
  )
  out(opts.json === true ? JSON.stringify(reports, null, 2) : reports.map(formatReport).join('\n\n'))
  return reports.every((r) => r.outcome === 'ok') ? 0 : 1
}
