import { EventEmitter } from 'node:events'
import type { Logger } from '@libp2p/interface'
import { eligibleBids } from '../../protocol/auction/auction.ts'
import { type AuditFinding, auditAward, overall } from '../../protocol/auction/audit.ts'
import { toHex } from '../../protocol/codec/hash.ts'
import { errorMessage, ZkpError } from '../../protocol/errors.ts'
import type { SignedAward } from '../../protocol/task/messages.ts'
import type { Ledger } from '../ledger/ledger.ts'
import type { LedgerSync } from '../ledger/sync.ts'
import type { Repositories } from '../store/repositories.ts'
import type { Store } from '../store/store.ts'
import { gatherBids, gatherSnapshot, SETTLE_MS } from './gather.ts'
import { type AuditedRecord, type AuditReport, auditRepository } from './report.ts'

export interface AuditorComponents {
  store: Store
  repos: Repositories
  ledger: Ledger
  sync?: LedgerSync
  network: string
  log: Logger
  now: () => number
}

export interface AuditorInit {
  /** How long after an award arrives to audit it (lets stragglers among its bids arrive first). */
  delayMs?: number
  /** Audits waiting at once; past this, new awards are not audited automatically. */
  maxScheduled?: number
}

/**
 * Audits awards: every award this node accepts is recomputed from the signed ask, the signed bids and the
 * ledger snapshot it names, and the task's records are re-verified (protocol/auction/audit.ts). Reports are
 * kept per task; a requester with a violation is flagged (and its gossipsub app score drops, standing.ts).
 */
export class Auditor {
  readonly events = new EventEmitter<{ report: [AuditReport] }>()
  private readonly reports
  private readonly scheduled = new Map<string, NodeJS.Timeout>()
  private readonly violators = new Map<string, Set<string>>()
  private started = false

  constructor(
    private readonly c: AuditorComponents,
    private readonly init: AuditorInit = {},
  ) {
    this.reports = auditRepository(c.store)
  }

  async start(): Promise<void> {
    if (this.started) return
    this.started = true
    for await (const [, r] of this.reports.values()) if (r.outcome === 'violation') this.flag(r)
  }

  stop(): void {
    if (!this.started) return
    this.started = false
    for (const t of this.scheduled.values()) clearTimeout(t)
    this.scheduled.clear()
  }

  /** An award was accepted from gossip: audit its task a little later (once per burst of rounds). */
  onAward(award: SignedAward): void {
    const taskId = toHex(award.body.taskId)
    if (
      !this.started ||
      this.scheduled.has(taskId) ||
      this.scheduled.size >= (this.init.maxScheduled ?? 1024)
    )
      return
    const timer = setTimeout(() => {
      this.scheduled.delete(taskId)
      this.audit(taskId).catch((err: unknown) =>
        this.c.log('audit of %s: %s', taskId.slice(0, 8), errorMessage(err)),
      )
    }, this.init.delayMs ?? 2_000)
    timer.unref()
    this.scheduled.set(taskId, timer)
  }

  /** Award violations found against `peer` as a requester. */
  violations(peer: string): number {
    return this.violators.get(peer)?.size ?? 0
  }

  flagged(): Array<{ requester: string; tasks: string[] }> {
    return [...this.violators].map(([requester, tasks]) => ({ requester, tasks: [...tasks] }))
  }

  report(taskId: string): Promise<AuditReport | undefined> {
    return this.reports.get(taskId)
  }

  /** Audits one task now: recomputes its award and re-verifies its records; stores and returns the report. */
  async audit(taskId: string): Promise<AuditReport> {
    const { repos } = this.c
    const ask = await repos.asks.get(taskId)
    if (ask === undefined) throw new ZkpError('NOT_FOUND', `task ${taskId}: its ask is not held here`)
    const awards: SignedAward[] = []
    for await (const [, a] of repos.awards.values(`${taskId}/`)) awards.push(a)
    const award = awards.find((a) => a.body.round === 0)
    if (award === undefined)
      throw new ZkpError('NOT_FOUND', `task ${taskId}: its round-0 award is not held here`)
    const gather = { ...this.c, log: (fmt: string, ...args: unknown[]) => this.c.log(fmt, ...args) }
    const [{ bids, source }, snap] = await Promise.all([
      gatherBids(gather, ask, award),
      gatherSnapshot(gather, ask, award),
    ])
    const result = auditAward({
      ask,
      award,
      fallbacks: awards.filter((a) => a.body.round > 0),
      bids,
      reputation: snap.reputation,
    })
    const records = await this.records(taskId)
    const contradicted = records.filter((r) => r.status === 'contradicted')
    const findings: AuditFinding[] = [
      ...result.findings,
      contradicted.length > 0
        ? {
            check: 'records',
            outcome: 'violation',
            detail: `${contradicted.length} verdicts contradicted by their proofs`,
          }
        : { check: 'records', outcome: 'ok', detail: `${records.length} records re-verified` },
    ]
    const report: AuditReport = {
      taskId,
      requester: ask.body.requester,
      auditedAt: this.c.now(),
      rounds: awards.length,
      outcome: overall(findings),
      findings,
      records,
      bids: { source, eligible: eligibleBids(ask, bids).length },
      snapshot: { at: snap.at, rebuilt: snap.reputation !== undefined, records: snap.records },
    }
    await this.reports.put(taskId, report)
    if (report.outcome === 'violation') {
      this.flag(report)
      this.c.log('audit of %s: requester %s awarded against the rule', taskId.slice(0, 8), report.requester)
    }
    this.events.emit('report', report)
    return report
  }

  private async records(taskId: string): Promise<AuditedRecord[]> {
    const entries = this.c.ledger.entriesOfTask(taskId)
    await this.c.ledger.settled(
      entries.map((e) => e.idHex),
      SETTLE_MS,
    )
    return entries.map((e) => {
      const now = this.c.ledger.entry(e.idHex)
      return {
        resultId: e.idHex,
        round: Number(e.roundKey.slice(taskId.length + 1)),
        prover: e.prover,
        verdict: e.verdict,
        status: now?.entry.status ?? 'pending',
        reason: (now?.reason ?? '').slice(0, 256),
      }
    })
  }

  private flag(r: AuditReport): void {
    const tasks = this.violators.get(r.requester) ?? new Set<string>()
    tasks.add(r.taskId)
    this.violators.set(r.requester, tasks)
  }
}
