import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as snarkjs from 'snarkjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ZkpNode } from '../../node/node.ts'
import { framed } from '../../protocol/codec/frames.ts'
import { fromHex, toHex } from '../../protocol/codec/hash.ts'
import { INPUT_FRAME_BYTES, INPUT_PROTOCOL, InputResponse } from '../../protocol/input/index.ts'
import { Result } from '../../protocol/task/messages.ts'
import { circuitDir, TestNetwork, waitFor } from '../helpers/network.ts'

const enc = new TextEncoder()

/** Every file under dir, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...(await filesUnder(p)))
    else out.push(p)
  }
  return out
}

async function dirContains(dir: string, needle: string): Promise<boolean> {
  for (const f of await filesUnder(dir)) if ((await readFile(f)).includes(needle)) return true
  return false
}

async function requestInput(
  from: ZkpNode,
  to: ZkpNode,
  taskId: string,
  round: number,
): Promise<InputResponse> {
  const stream = await from.host.dialProtocol(to.host.peerId, INPUT_PROTOCOL)
  const f = framed(stream, INPUT_FRAME_BYTES)
  await f.write({ taskId: fromHex(taskId), round })
  const res = await f.read(InputResponse, 'input response')
  await f.close()
  return res
}

describe('a task across four real nodes', () => {
  let net: TestNetwork
  let taskId: string
  // A private factor that appears nowhere else, so we can look for it where it must not be.
  const marker = `${7_000_000_000_000 + Math.floor(Math.random() * 1_000_000_000)}`

  beforeAll(async () => {
    net = await TestNetwork.create([
      { roles: ['requester'] }, // 0: requester
      { roles: ['prover'], prover: { price: 50n } }, // 1: cheaper prover
      { roles: ['prover'], prover: { price: 80n } }, // 2: dearer prover
      { roles: ['requester'] }, // 3: observer (never bids)
    ])
    const req = net.node(0)
    const circuitId = await req.addCircuit(circuitDir('tiny'))
    taskId = await req.submit({
      circuitId,
      input: enc.encode(JSON.stringify({ a: marker, b: '11', nonce: '42' })),
      maxPrice: 100n,
      bidWindowMs: 1500,
      provingDeadlineMs: 60_000,
      closeAfterBids: 0,
    })
    await waitFor(
      async () => ['completed', 'failed'].includes((await req.task(taskId))?.state ?? ''),
      'task end',
      90_000,
    )
  })

  afterAll(async () => {
    await net?.stop()
  })

  it('completes with a proof the requester verified, awarded to the cheaper prover', async () => {
    const task = await net.node(0).task(taskId)
    expect(task?.state).toBe('completed')
    expect(task?.prover).toBe(net.node(1).peerId)
    const vkey = JSON.parse(await readFile(join(circuitDir('tiny'), 'verification_key.json'), 'utf8'))
    expect(await snarkjs.groth16.verify(vkey, task!.proof!.publicSignals, task!.proof!.proof)).toBe(true)
    // The public output is a * b; the private factor itself must not be public.
    expect(task!.proof!.publicSignals).toContain((BigInt(marker) * 11n).toString())
    expect(task!.proof!.publicSignals).not.toContain(marker)
    expect(task!.events.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['asked', 'awarded', 'delivered', 'completed']),
    )
  })

  it('leaves every node with the same verification result in its ledger', async () => {
    await waitFor(() => net.nodes.every((n) => n.ledger.size === 1), 'result on every node')
    const roots = net.nodes.map((n) => toHex(n.ledger.root()))
    expect(new Set(roots).size).toBe(1)
    const [, record] = (await net.node(3).repos.results.values().next()).value!
    expect(record.body.verdict).toBe('valid')
    expect(record.body.prover).toBe(net.node(1).peerId)
    expect(await Result.verify(record)).toBe(true)
    expect(net.node(3).ledger.tally(net.node(1).peerId).valid).toBe(1)
  })

  it('settles the losing prover and never gives it the private input', async () => {
    await waitFor(async () => (await net.node(2).repos.jobs.get(taskId))?.state === 'lost', 'loser settled')
    for (const i of [2, 3]) expect(await dirContains(join(net.root, `n${i}`), marker)).toBe(false)
    const res = await requestInput(net.node(2), net.node(0), taskId, 0)
    expect(res.status).toBe('denied')
    // Even the winner is refused once the task is over: the input is for the current award only.
    expect((await requestInput(net.node(1), net.node(0), taskId, 0)).status).toBe('denied')
  })
})
