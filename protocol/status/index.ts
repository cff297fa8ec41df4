import type { Logger, StreamHandler } from '@libp2p/interface'
import { z } from 'zod'
import { framed } from '../codec/frames.ts'
import { toHex } from '../codec/hash.ts'
import { bytes32, peerIdString, reason, uint } from '../codec/schema.ts'
import { LIMITS, PROTOCOL_PREFIX } from '../constants.ts'
import { errorMessage } from '../errors.ts'

/**
 * Task status: a prover asks a requester where one of its asks stands. Gossip is not replayed to a peer that
 * was away (crashed, partitioned), so a prover with unsettled work asks the requester directly; the answer
 * comes over the requester's own noise-authenticated connection. One Request frame, one Response frame.
 */
export const STATUS_PROTOCOL = `${PROTOCOL_PREFIX}/status/1.0.0`

export const StatusRequest = z.strictObject({ taskId: bytes32 })
export type StatusRequest = z.output<typeof StatusRequest>

export const StatusResponse = z.strictObject({
  /** The task's state; `reasked` when this ask ended with nobody to prove and a later ask replaced it. */
  state: z.enum(['bidding', 'awarded', 'completed', 'failed', 'reasked', 'unknown']),
  /** The award round within this ask (0 when not current). */
  round: uint.max(LIMITS.rankedBids),
  /** The prover of the current (or final) award of this ask, if any. */
  winner: peerIdString.nullable(),
  /** Whether this ask is the task's current one. */
  current: z.boolean(),
  reason,
})
export type StatusResponse = z.output<typeof StatusResponse>

export const STATUS_FRAME_BYTES = 4096
export const STATUS_TIMEOUT_MS = 5_000

export interface StatusSource {
  status(askIdHex: string): Promise<StatusResponse>
}

/** Answers status requests from the requester's task store. */
export function createStatusHandler(source: StatusSource, log: Logger): StreamHandler {
  return async (stream, connection) => {
    const f = framed(stream, STATUS_FRAME_BYTES)
    try {
      const req = await f.read(StatusRequest, 'status request', {
        signal: AbortSignal.timeout(STATUS_TIMEOUT_MS),
      })
      await f.write(await source.status(toHex(req.taskId)))
      await f.close()
    } catch (err) {
      log('status request from %p: %s', connection.remotePeer, errorMessage(err))
      f.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }
}
