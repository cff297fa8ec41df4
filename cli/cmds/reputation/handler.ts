import type { ReputationRow, ReputationSummary } from '../../../node/ledger/summary.ts'
import { connect, type NodeOptions } from '../../util/connect.ts'
import { clock, ppm, shortPeer, table } from '../../util/print.ts'

export interface ReputationOptions extends NodeOptions {
  json?: boolean
}

const out = (line: string) => process.stdout.write(`${line}\n`)

function flags(r: ReputationRow): string {
  const f: string[] = []
  if (r.liar) f.push('contradicted')
  if (r.auditViolations > 0) f.push(`awards against the rule: ${r.auditViolations}`)
  if (r.syncMisbehaviour) f.push('forged sync records')
  return f.join(', ')
}

/** The table `zkp-node reputation` prints. */
export function formatSummary(s: ReputationSummary): string {
  const rows = s.peers.map((r) => [
    shortPeer(r.peer),
    `${r.records.valid}/${r.records.invalid}/${r.records.timeout}`,
    ppm(r.success),
    ppm(r.quality),
    ppm(r.speed),
    ppm(r.reputation),
    String(r.appScore),
    flags(r),
  ])
  return [
    `ledger  ${s.records} records (${s.pending} awaiting re-verification), root ${s.root.slice(0, 16)}…, as of ${clock(s.at)}`,
    rows.length === 0
      ? 'no peer has records yet: every prover counts as neutral (0.500)'
      : table(
          ['peer', 'valid/inv/timeout', 'success', 'quality', 'speed', 'reputation', 'score', 'flags'],
          rows,
        ),
  ].join('\n')
}

/** `zkp-node reputation [peer]`: 0 when the node answered. */
export async function showReputation(peer: string | undefined, opts: ReputationOptions): Promise<number> {
  const client = await connect(opts)
  const summary = await client.json<ReputationSummary>(
    'GET',
    peer === undefined ? '/v1/reputation' : `/v1/reputation/${peer}`,
  )
  out(opts.json === true ? JSON.stringify(summary, null, 2) : formatSummary(summary))
  return 0
}
