import { ZkpError } from '../../protocol/errors.ts'
import { type Repositories, roundKey } from '../store/repositories.ts'
import type { Auditor } from './auditor.ts'
import type { AuditReport } from './report.ts'

/**
 * Audits what an id names: an auction (an ask id, as every node knows tasks), and, on the node that requested
 * it, every auction of the task (a task that re-asked has several). NOT_FOUND if no award is held.
 */
export async function auditById(auditor: Auditor, repos: Repositories, id: string): Promise<AuditReport[]> {
  const task = await repos.tasks.get(id)
  const auctions = [...new Set([id, ...(task?.auctions ?? [])])]
  const reports: AuditReport[] = []
  for (const auction of auctions) {
    if (await repos.awards.has(roundKey(auction, 0))) reports.push(await auditor.audit(auction))
  }
  if (reports.length === 0) throw new ZkpError('NOT_FOUND', `task ${id}: no award of it is held by this node`)
  return reports
}

/** The stored reports for an id (see auditById), without running anything. */
export async function storedAudits(
  auditor: Auditor,
  repos: Repositories,
  id: string,
): Promise<AuditReport[]> {
  const task = await repos.tasks.get(id)
  const auctions = [...new Set([id, ...(task?.auctions ?? [])])]
  const reports = await Promise.all(auctions.map((a) => auditor.report(a)))
  return reports.filter((r): r is AuditReport => r !== undefined)
}
