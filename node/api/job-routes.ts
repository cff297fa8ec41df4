import type { ProverJob } from '../task/prover-job.ts'
import { toJsonSafe } from './json.ts'

/** A prover job as the API shows it: the journaled delivery bytes become a flag, not a blob. */
export function jobView(job: ProverJob): unknown {
  const { delivery, ...rest } = job
  return toJsonSafe({ ...rest, proofHeld: delivery !== undefined })
}
