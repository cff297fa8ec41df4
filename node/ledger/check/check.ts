import { errorMessage } from '../../../protocol/errors.ts'
import { validateRecord } from '../../../protocol/reputation/record.ts'
import { Result, type SignedResult } from '../../../protocol/task/messages.ts'

/** What checking one received record found: admitted (with its id), or why not. */
export type CheckOutcome =
  | { ok: true; result: SignedResult; id: Uint8Array; bytes: Uint8Array }
  | { ok: false; bytes: Uint8Array; code: string; reason: string }

/**
 * The admission of records received on a sync, frame by frame: strict decode with the gossip size limit, then
 * validateRecord, exactly as on the result topic. Pure CPU (two Ed25519 signatures a record), so a node runs
 * it in worker threads (pool.ts); this function is also the in-thread fallback.
 */
export async function checkFrames(
  frames: readonly Uint8Array[],
  network: string,
  now: number,
): Promise<CheckOutcome[]> {
  const out: CheckOutcome[] = []
  for (const bytes of frames) {
    let result: SignedResult
    try {
      result = Result.decode(bytes)
    } catch (err) {
      out.push({ ok: false, bytes, code: 'INVALID_ENCODING', reason: errorMessage(err) })
      continue
    }
    const verdict = await validateRecord(result, { network, now })
    out.push(
      verdict.result === 'accept'
        ? { ok: true, result, id: Result.id(result), bytes }
        : { ok: false, bytes, code: verdict.code, reason: verdict.reason },
    )
  }
  return out
}
