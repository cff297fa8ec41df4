import { describe, expect, it } from 'vitest'
import { buildConfig } from '../../cli/cmds/start/config.ts'
import { parseConfig } from '../../node/config.ts'
import { isZkpError } from '../../protocol/errors.ts'

describe('node config', () => {
  it('leaves prover.threads unset by default (every core) and keeps a value in 1..256', () => {
    expect(parseConfig({ dataDir: '/tmp/x' }).prover.threads).toBeUndefined()
    for (const threads of [1, 2, 256]) {
      expect(parseConfig({ dataDir: '/tmp/x', prover: { threads } }).prover.threads).toBe(threads)
    }
  })

  it.each([0, 1.5, 'x', 257, -1, null])(
    'rejects prover.threads %j, naming the field and the limit',
    (threads) => {
      let err: unknown
      try {
        parseConfig({ dataDir: '/tmp/x', prover: { threads } })
      } catch (e) {
        err = e
      }
      expect(isZkpError(err, 'INVALID_FIELD')).toBe(true)
      expect((err as Error).message).toBe('config.prover.threads: must be an integer 1..256')
    },
  )

  it('takes `zkp-node start --threads` into prover.threads', async () => {
    expect((await buildConfig({ dataDir: '/tmp/x', threads: 3 })).prover.threads).toBe(3)
  })
})
