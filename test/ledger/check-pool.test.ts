import { defaultLogger } from '@libp2p/logger'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkFrames } from '../../node/ledger/check/check.ts'
import { CheckPool } from '../../node/ledger/check/pool.ts'
import { Result } from '../../protocol/task/messages.ts'
import { CIRCUIT_ID, makeKeys, NETWORK } from '../helpers/messages.ts'
import { makeRecord } from './fixtures.ts'

describe('checking received records in worker threads', () => {
  const pool = new CheckPool(defaultLogger().forComponent('test:check'), 2)
  let frames: Uint8Array[]

  beforeAll(async () => {
    const [r, p] = await makeKeys(2, 1500)
    const records = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        makeRecord({ requester: r!, prover: p!, circuitId: CIRCUIT_ID, at: Date.now() - 3_600_000 + i }),
      ),
    )
    frames = records.map((rec) => Result.encode(rec))
    // One forged (signature zeroed), one undecodable, one from the future.
    frames[3] = Result.encode({ ...records[3]!, sig: new Uint8Array(64) })
    frames[7] = new Uint8Array([0xa1, 0x61, 0x61, 0x01])
    frames[9] = Result.encode(
      await Result.sign({ ...records[9]!.body, createdAt: Date.now() + 3_600_000 }, r!.key),
    )
  })

  afterAll(async () => {
    await pool.stop()
  })

  it('reaches exactly the verdicts the event loop reaches, in frame order', async () => {
    const now = Date.now()
    const inline = await checkFrames(frames, NETWORK, now)
    const threaded = await pool.check(frames, NETWORK, now)
    const brief = (o: (typeof inline)[number]) =>
      o.ok ? `ok ${Buffer.from(o.id).toString('hex')}` : `no ${o.code}`
    expect(threaded.map(brief)).toEqual(inline.map(brief))
    expect(inline.map((o) => (o.ok ? 'ok' : o.code))).toEqual([
      'ok',
      'ok',
      'ok',
      'BAD_SIGNATURE',
      'ok',
      'ok',
      'ok',
      'INVALID_ENCODING',
      'ok',
      'CLOCK',
      'ok',
      'ok',
    ])
    // The decoded record crosses the thread boundary intact (bigints, byte strings).
    const first = threaded[0]!
    expect(first.ok && Result.id(first.result)).toEqual(first.ok && first.id)
  })

  it('checks on the event loop once stopped, without hanging', async () => {
    const stopped = new CheckPool(defaultLogger().forComponent('test:check'), 1)
    await stopped.stop()
    expect((await stopped.check(frames.slice(0, 2), NETWORK, Date.now())).length).toBe(2)
  })
})
