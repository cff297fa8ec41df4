import { spawn } from 'node:child_process'
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ZkpNode } from '../../node/node.ts'
import { isZkpError } from '../../protocol/errors.ts'
import { makeScenario } from '../helpers/messages.ts'

const root = await mkdtemp(join(tmpdir(), 'zkp-life-'))
afterAll(() => rm(root, { recursive: true, force: true }))

describe('node lifecycle', () => {
  it('exits by itself after stop: no open handles', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/fixtures/start-stop.ts', join(root, 'exit')],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d
    })
    // A liveness bound: if a handle stayed open the child never exits and we kill it.
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000)
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)))
    clearTimeout(guard)
    expect(out).toContain('stopped')
    expect(code).toBe(0)
  })

  describe('one data directory across restarts', () => {
    const dataDir = join(root, 'restart')
    let node: ZkpNode
    let peerId: string
    let resultId: string

    beforeAll(async () => {
      node = new ZkpNode({ dataDir, roles: ['requester'] })
      await node.start()
      peerId = node.peerId
      const s = await makeScenario()
      await node.ledger.apply(s.result)
      resultId = [...(await node.repos.results.values().next()).value!][0] as string
      await node.stop()
    })

    afterAll(() => node.stop())

    it('stores the identity key readable by its owner only', async () => {
      expect((await stat(join(dataDir, 'identity.key'))).mode & 0o777).toBe(0o600)
    })

    it('keeps its peer id and ledger after a restart', async () => {
      await node.start()
      expect(node.peerId).toBe(peerId)
      expect(node.ledger.size).toBe(1)
      expect(node.ledger.has(resultId)).toBe(true)
      await node.stop()
    })

    it('refuses a second node on the same store with STORE_LOCKED, and the first keeps working', async () => {
      await node.start()
      const other = new ZkpNode({ dataDir, roles: ['requester'] })
      const err = await other.start().catch((e: unknown) => e)
      expect(isZkpError(err, 'STORE_LOCKED')).toBe(true)
      expect(node.ledger.size).toBe(1)
      expect(await node.repos.results.has(resultId)).toBe(true)
      await node.stop()
    })

    it('refuses an identity key that others can read', async () => {
      await chmod(join(dataDir, 'identity.key'), 0o644)
      const err = await new ZkpNode({ dataDir }).start().catch((e: unknown) => e)
      expect(isZkpError(err, 'BAD_CONFIG')).toBe(true)
      expect((err as Error).message).toMatch(/chmod 600/)
      await chmod(join(dataDir, 'identity.key'), 0o600)
    })

    it('refuses a corrupt identity key with a clear error', async () => {
      const dir = join(root, 'corrupt')
      const first = new ZkpNode({ dataDir: dir, roles: ['requester'] })
      await first.start()
      await first.stop()
      await writeFile(join(dir, 'identity.key'), 'not a key', { mode: 0o600 })
      const err = await new ZkpNode({ dataDir: dir }).start().catch((e: unknown) => e)
      expect(isZkpError(err, 'BAD_CONFIG')).toBe(true)
    })
  })

  it('rejects a bad configuration naming the field and the limit', () => {
    const bad = (cfg: object) => {
      try {
        new ZkpNode({ dataDir: join(root, 'cfg'), ...cfg })
        return undefined
      } catch (e) {
        return e as Error
      }
    }
    expect(bad({ network: 'Bad Name!' })?.message).toMatch(/config\.network/)
    expect(bad({ prover: { maxConcurrent: 0 } })?.message).toMatch(/config\.prover\.maxConcurrent.*>=1/)
    expect(bad({ weights: { price: 1, reputation: 1, success: 1, quality: 1, speed: 1 } })?.message).toMatch(
      /weights/,
    )
    expect(bad({ unknown: true })?.message).toMatch(/unknown/i)
  })
})
