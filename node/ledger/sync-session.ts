import type { PeerId } from '@libp2p/interface'
import type { z } from 'zod'
import { decode } from '../../protocol/codec/cbor.ts'
import { type FramedStream, framed } from '../../protocol/codec/frames.ts'
import { bytesEqual, compareBytes, toHex } from '../../protocol/codec/hash.ts'
import { parseWith } from '../../protocol/codec/schema.ts'
import { ZkpError } from '../../protocol/errors.ts'
import { LEDGER_SYNC, LEDGER_SYNC_PROTOCOL } from '../../protocol/ledger-sync/constants.ts'
import { inRange, type KeyRange } from '../../protocol/ledger-sync/keys.ts'
import {
  keysResponse,
  type RangePart,
  type SyncRequest,
  streamHeader,
  summaryResponse,
} from '../../protocol/ledger-sync/schema.ts'
import type { ZkpHost } from '../network/host.ts'

/** What one session may spend: it ends, with LIMIT_EXCEEDED or TIMEOUT, at the first cap reached. */
export interface SessionBudget {
  deadline: number
  records: number
  bytes: number
  requests: number
}

export const newBudget = (now: number): SessionBudget => ({
  deadline: now + LEDGER_SYNC.sessionTimeoutMs,
  records: LEDGER_SYNC.sessionMaxRecords,
  bytes: LEDGER_SYNC.sessionMaxBytes,
  requests: LEDGER_SYNC.sessionMaxRequests,
})

const misbehaviour = (peer: PeerId, what: string) =>
  new ZkpError('MISBEHAVIOUR', `ledger sync: ${peer.toString().slice(-8)} ${what}`, { peer: peer.toString() })

/**
 * The dialer's side of /zkp/ledger-sync/1.0.0 with one peer: one stream per request, every reply checked
 * against the request (ranges, order, counts) and charged to the session's budget. Records and bids come back
 * as raw signed bytes; the caller decodes and checks them.
 */
export class SyncSession {
  constructor(
    private readonly host: ZkpHost,
    readonly peer: PeerId,
    private readonly budget: SessionBudget,
    private readonly signal?: AbortSignal,
  ) {}

  get requestsLeft(): number {
    return this.budget.requests
  }

  /** Fingerprints of the remote's parts of `range`; the parts must tile the range in order. */
  async summary(range: KeyRange, parts: number): Promise<RangePart[]> {
    const reply = await this.exchange(
      { type: 'summary', lower: range.lower, upper: range.upper ?? null, parts },
      (f, s) => this.readFrame(f, summaryResponse, 'summary', s),
    )
    if (reply.status !== 'ok')
      throw new ZkpError('UNAVAILABLE', `ledger sync: peer is ${reply.status}: ${reply.reason}`)
    let lower = range.lower
    for (const [i, p] of reply.parts.entries()) {
      if (i === reply.parts.length - 1) {
        // The last part ends where the range ends.
        const ends =
          p.upper === null
            ? range.upper === undefined
            : range.upper !== undefined && bytesEqual(p.upper, range.upper)
        if (!ends) throw misbehaviour(this.peer, 'sent summary parts that do not end with the range')
      } else {
        // Inner cuts move strictly forward, inside the range.
        if (p.upper === null || compareBytes(p.upper, lower) <= 0 || !inRange(p.upper, range)) {
          throw misbehaviour(this.peer, 'sent summary parts that do not tile the range')
        }
        lower = p.upper
      }
    }
    return reply.parts
  }

  /** One page of the remote's keys in `range`: sorted, inside the range, at most `limit`. */
  async keys(range: KeyRange, limit: number): Promise<{ keys: Uint8Array[]; more: boolean }> {
    const reply = await this.exchange(
      { type: 'keys', lower: range.lower, upper: range.upper ?? null, limit },
      (f, s) => this.readFrame(f, keysResponse, 'keys', s),
    )
    if (reply.status !== 'ok')
      throw new ZkpError('UNAVAILABLE', `ledger sync: peer is ${reply.status}: ${reply.reason}`)
    const ordered = reply.keys.every(
      (k, i) => inRange(k, range) && (i === 0 || compareBytes(reply.keys[i - 1]!, k) < 0),
    )
    if (!ordered || reply.keys.length > limit)
      throw misbehaviour(this.peer, 'sent keys out of order or range')
    return reply
  }

  /** The signed bytes of the records with these ids (each at most one gossip message long). */
  async records(ids: readonly Uint8Array[]): Promise<Uint8Array[]> {
    if (this.budget.records < ids.length)
      throw new ZkpError('LIMIT_EXCEEDED', 'ledger sync: session record cap')
    this.budget.records -= ids.length
    return this.frames({ type: 'records', ids: [...ids] }, ids.length)
  }

  /** The signed bytes of the bids the remote holds for a task. */
  async bids(taskId: Uint8Array): Promise<Uint8Array[]> {
    return this.frames({ type: 'bids', taskId }, LEDGER_SYNC.maxBids)
  }

  private frames(req: SyncRequest, max: number): Promise<Uint8Array[]> {
    return this.exchange(req, async (f, s) => {
      const header = await this.readFrame(f, streamHeader, 'header', s)
      if (header.status !== 'ok') throw new ZkpError('UNAVAILABLE', `ledger sync: peer is ${header.status}`)
      if (header.count > max) throw misbehaviour(this.peer, `announced ${header.count} frames for ${max}`)
      const out: Uint8Array[] = []
      for (let i = 0; i < header.count; i++) out.push(this.charge(await f.readBytes({ signal: s })))
      return out
    })
  }

  private async exchange<T>(
    req: SyncRequest,
    read: (f: FramedStream, s: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const left = this.budget.deadline - Date.now()
    if (left <= 0) throw new ZkpError('TIMEOUT', 'ledger sync: session time is up')
    if (--this.budget.requests < 0) throw new ZkpError('LIMIT_EXCEEDED', 'ledger sync: session request cap')
    const timeout = AbortSignal.timeout(Math.min(left, LEDGER_SYNC.exchangeTimeoutMs))
    const s = this.signal === undefined ? timeout : AbortSignal.any([this.signal, timeout])
    const stream = await this.host.dialProtocol(this.peer, LEDGER_SYNC_PROTOCOL, { signal: s })
    const f = framed(stream, LEDGER_SYNC.frameBytes)
    try {
      await f.write(req, { signal: s })
      const out = await read(f, s)
      await f.close({ signal: s })
      return out
    } catch (err) {
      f.abort(err instanceof Error ? err : new Error(String(err)))
      throw err
    }
  }

  private async readFrame<S extends z.ZodType>(f: FramedStream, schema: S, what: string, s: AbortSignal) {
    const bytes = this.charge(await f.readBytes({ signal: s }))
    try {
      return parseWith(
        schema,
        decode(bytes, LEDGER_SYNC.frameBytes, `ledger sync ${what}`),
        `ledger sync ${what}`,
      )
    } catch (err) {
      throw misbehaviour(this.peer, `sent a malformed ${what}: ${(err as Error).message}`)
    }
  }

  private charge(bytes: Uint8Array): Uint8Array {
    this.budget.bytes -= bytes.byteLength
    if (this.budget.bytes < 0) throw new ZkpError('LIMIT_EXCEEDED', 'ledger sync: session byte cap')
    return bytes
  }
}

export const keyIdHex = (key: Uint8Array): string => toHex(key.subarray(8))
