/**
 * `prover.threads`: the cap on the CPU threads a prover's snarkjs child runs on. The thread counts are read
 * from /proc (Linux), so this file runs only where /proc shows a process's threads.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { logger } from '@libp2p/logger'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SnarkjsEngine } from '../../node/prover/engine.ts'
import type { TaskRecord } from '../../node/task/task-record.ts'
import { circuitDir, submitTiny, TestNetwork, taskEnd } from '../helpers/network.ts'

/** The OS threads of a process. */
const threadCount = (pid: number): number => readdirSync(`/proc/${pid}/task`).length

/** The pids of this process's children whose command line holds `arg`. */
function childrenWith(arg: string): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue
    try {
      // "pid (comm) state ppid …": comm may hold spaces, so split after its closing parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid !== process.pid) continue
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(arg)) pids.push(Number(entry))
    } catch {
      // The process ended while we looked.
    }
  }
  return pids
}

/** ffjavascript's pool size on this machine: one worker thread per CPU, at most 64. */
const POOL = Math.min(cpus().length || 2, 64)

describe.skipIf(!existsSync('/proc/self/task'))('prover.threads', () => {
  let net: TestNetwork
  let task: TaskRecord
  // A prover engine capped at two threads, and a verifier: the reference the node's child is measured by.
  const engine = new SnarkjsEngine({ prove: true, verify: true }, logger('zkp:test:threads'), { threads: 2 })

  beforeAll(async () => {
    net = await TestNetwork.create([{ roles: ['requester'] }, { roles: ['prover'], prover: { threads: 1 } }])
    task = await taskEnd(net.node(0), await submitTiny(net.node(0)))
    await engine.start()
  })

  afterAll(async () => {
    await engine.stop()
    await net?.stop()
  })

  it('a prover with threads 1 delivers a proof that verifies', async () => {
    expect(task.state).toBe('completed')
    expect(task.prover).toBe(net.node(1).peerId)
    const vkey = JSON.parse(readFileSync(join(circuitDir('tiny'), 'verification_key.json'), 'utf8'))
    const { proof, publicSignals } = task.proof!
    expect(await engine.verify({ circuitId: 'tiny', vkey, proof, publicSignals })).toBe(true)
  })

  it('runs its snarkjs child with no worker threads', () => {
    const [pid, ...others] = childrenWith('--threads=1')
    expect(others).toEqual([])
    expect(pid).toBeDefined()
    // The same child with a pool of n has n more threads; with threads 1 it has none.
    const reference = engine.proverProcess!
    expect(reference.threads).toBe(Math.min(2, POOL))
    expect(threadCount(reference.pid) - threadCount(pid!)).toBe(reference.threads)
  })

  it('proves with a capped pool of two threads, and the proof verifies', async () => {
    const dir = circuitDir('tiny')
    const vkey = JSON.parse(readFileSync(join(dir, 'verification_key.json'), 'utf8'))
    const input = { a: '3', b: '11', nonce: '42' }
    const req = {
      circuitId: 'tiny',
      wasmPath: join(dir, 'tiny.wasm'),
      zkeyPath: join(dir, 'tiny.zkey'),
      input,
    }
    const { proof, publicSignals } = await engine.prove(req)
    expect(await engine.verify({ circuitId: 'tiny', vkey, proof, publicSignals })).toBe(true)
    expect(engine.proverProcess!.threads).toBe(Math.min(2, POOL))
  })
})
