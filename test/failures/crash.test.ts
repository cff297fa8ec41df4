import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as snarkjs from 'snarkjs'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { checkStore } from '../../node/store/check.ts'
import { createRepositories } from '../../node/store/repositories.ts'
import { Store } from '../../node/store/store.ts'
import type { ProverJob } from '../../node/task/prover-job.ts'
import type { TaskRecord } from '../../node/task/task-record.ts'
import { Cli, freePort, ROOT, type StartedNode, startNode } from '../helpers/cli.ts'
import { waitFor } from '../helpers/network.ts'

/**
 * Crashes as they happen: real `zkp-node start` processes killed with SIGKILL mid-task. Each crash must leave
 * the store intact (every record in a legal state) and the task must still reach a clear end.
 */
const CHAIN = join(ROOT, 'circuits', 'build', 'poseidon-chain')
const CHAIN_INPUT = join(ROOT, 'circuits', 'inputs', 'poseidon-chain.json')

const root = await mkdtemp(join(tmpdir(), 'zkp-crash-'))
const running: Cli[] = []
const track = <T extends { cli: Cli } | Cli>(x: T): T => {
  running.push(x instanceof Cli ? x : x.cli)
  return x
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.kill('SIGKILL')))
})
afterAll(() => rm(root, { recursive: true, force: true }))

/** Opens a stopped (or killed) node's store and reports what checkStore finds, with its tasks and jobs. */
async function inspect(
  dataDir: string,
): Promise<{ problems: string[]; tasks: TaskRecord[]; jobs: ProverJob[]; awards: number }> {
  const store = new Store(join(dataDir, 'db'))
  await store.open()
  try {
    const repos = createRepositories(store)
    const tasks: TaskRecord[] = []
    const jobs: ProverJob[] = []
    for await (const [, t] of repos.tasks.values()) tasks.push(t)
    for await (const [, j] of repos.jobs.values()) jobs.push(j)
    let awards = 0
    for await (const _ of repos.awards.values()) awards++
    return { problems: await checkStore(repos), tasks, jobs, awards }
  } finally {
    await store.close()
  }
}

/** Waits until requester `r` sees `n` provers subscribed to the bid topic. */
const subscribed = (r: StartedNode, n: number) =>
  waitFor(async () => (await r.api('/v1/node')).body?.topics?.bid?.subscribers >= n, 'provers subscribed')

/**
 * Posts one poseidon-chain task at `r` through its API and returns its id. The deadline is far enough off that
 * only a lost award, not a slow machine, could lead to a second one.
 */
async function postChainTask(r: StartedNode, circuitId: string): Promise<string> {
  const input = JSON.parse(await readFile(CHAIN_INPUT, 'utf8'))
  const posted = await r.api('/v1/tasks', {
    method: 'POST',
    body: { circuitId, input, maxPrice: '100', bidWindowMs: 1000, provingDeadlineMs: 180_000 },
  })
  expect(posted.status).toBe(201)
  return posted.body.taskId as string
}

const taskState = async (node: StartedNode, id: string): Promise<TaskRecord | undefined> => {
  const res = await node.api(`/v1/tasks/${id}`).catch(() => undefined)
  return res?.status === 200 ? (res.body as TaskRecord) : undefined
}

describe('a prover killed with SIGKILL mid-proof', () => {
  it('loses the task to the fallback, which completes it; its store is intact and it settles on restart', async () => {
    const dirs = { r: join(root, 'a-r'), p1: join(root, 'a-p1'), p2: join(root, 'a-p2') }
    const r = track(await startNode(dirs.r, ['--role', 'requester', '--listen', '/ip4/127.0.0.1/tcp/0']))
    const p1 = track(await startNode(dirs.p1, ['--role', 'prover', '--price', '50', '--bootstrap', r.addr]))
    const p2 = track(await startNode(dirs.p2, ['--role', 'prover', '--price', '80', '--bootstrap', r.addr]))
    await subscribed(r, 2)
    const out = join(root, 'a-out')
    const submit = track(
      new Cli([
        'submit',
        '--data-dir',
        dirs.r,
        '--circuit',
        CHAIN,
        '--input',
        CHAIN_INPUT,
        '--max-price',
        '100',
        '--bid-window',
        '2000',
        '--deadline',
        // Long enough for the winner to fetch the circuit and reach proving on a loaded CI machine.
        '30000',
        '--out',
        out,
      ]),
    )
    const taskId = (await submit.waitFor(/task\s+([0-9a-f]{64})/, 60_000))[1]!
    await p1.cli.waitFor(/job \S+ proving/, 60_000)
    expect(await p1.cli.kill('SIGKILL')).toBe(null)

    expect(await submit.exited).toBe(0)
    const task = (await taskState(r, taskId))!
    expect(task.state).toBe('completed')
    const awards = task.events.filter((e) => e.kind === 'awarded').map((e) => e.detail)
    expect(awards[0]).toContain('round 0 to ')
    const timeout = task.events.find((e) => e.kind === 'timeout')?.detail ?? ''
    expect(timeout).toMatch(/no proof by the proving deadline/)
    // The killed prover timed out, and the task was completed by the other one.
    expect(task.prover).toBeDefined()
    expect(timeout.startsWith(task.prover!)).toBe(false)
    const vkey = JSON.parse(await readFile(join(out, 'verification_key.json'), 'utf8'))
    const proof = JSON.parse(await readFile(join(out, 'proof.json'), 'utf8'))
    const pub = JSON.parse(await readFile(join(out, 'public.json'), 'utf8'))
    expect(await snarkjs.groth16.verify(vkey, pub, proof)).toBe(true)

    // The killed prover's store: its job is still there, in a legal state, half-way.
    const killed = await inspect(dirs.p1)
    expect(killed.problems).toEqual([])
    // (Under load an earlier ask may have come and gone; the job it died in is there, mid-proof.)
    expect(killed.jobs.filter((j) => j.state === 'proving')).toHaveLength(1)
    // Restarted, it finds its deadline passed and learns from the requester how the task ended.
    const again = track(
      await startNode(dirs.p1, ['--role', 'prover', '--price', '50', '--bootstrap', r.addr]),
    )
    await again.cli.waitFor(/job \S+ lost: completed by/, 60_000)
    void p2
  })
})

describe('a requester killed with SIGKILL mid-task and restarted', () => {
  it('completes the task with the proof the prover kept, with no duplicate award; its store is intact', async () => {
    const dirs = { r: join(root, 'b-r'), p: join(root, 'b-p') }
    const listen = ['--listen', `/ip4/127.0.0.1/tcp/${await freePort()}`]
    const rArgs = ['--role', 'requester', ...listen, '--add-circuit', CHAIN]
    let r = track(await startNode(dirs.r, rArgs))
    const circuitId = (await r.cli.waitFor(/^circuit\s+(\S+)/m))[1]!
    const p = track(await startNode(dirs.p, ['--role', 'prover', '--price', '50', '--bootstrap', r.addr]))
    await subscribed(r, 1)
    const taskId = await postChainTask(r, circuitId)

    await p.cli.waitFor(/job \S+ proving/, 60_000)
    expect(await r.cli.kill('SIGKILL')).toBe(null)
    const crashed = await inspect(dirs.r)
    expect(crashed.problems).toEqual([])
    expect(crashed.tasks.map((t) => t.state)).toEqual(['awarded'])
    // While the requester is down the prover finishes and keeps its proof, retrying delivery.
    await p.cli.waitFor(/job \S+ proved/, 60_000)

    r = track(await startNode(dirs.r, rArgs))
    await waitFor(
      async () => (await taskState(r, taskId))?.state === 'completed',
      'task completed after restart',
      60_000,
    )
    await p.cli.waitFor(/job \S+ delivered/, 30_000)
    const task = (await taskState(r, taskId))!
    expect(task.events.filter((e) => e.kind === 'awarded')).toHaveLength(1)

    // What a person sees: `zkp-node tasks` on each node.
    const list = new Cli(['tasks', '--data-dir', dirs.r])
    expect(await list.exited).toBe(0)
    expect(list.stdout).toMatch(new RegExp(`${taskId.slice(0, 12)}\\s+completed`))
    const one = new Cli(['tasks', taskId, '--data-dir', dirs.r, '--json'])
    expect(await one.exited).toBe(0)
    expect(JSON.parse(one.stdout).task.state).toBe('completed')
    const jobs = new Cli(['tasks', '--data-dir', dirs.p])
    expect(await jobs.exited).toBe(0)
    expect(jobs.stdout).toMatch(new RegExp(`${taskId.slice(0, 12)}\\s+delivered`))

    expect(await r.cli.kill('SIGTERM')).toBe(0)
    const after = await inspect(dirs.r)
    expect(after.problems).toEqual([])
    expect(after.awards).toBe(1)
    expect(after.tasks.map((t) => t.state)).toEqual(['completed'])
  })
})

describe('a prover killed with SIGKILL mid-proof and restarted within the deadline', () => {
  it('resumes its journaled job, reaches its requester (its only bootstrap peer) and delivers', async () => {
    const dirs = { r: join(root, 'c-r'), p: join(root, 'c-p') }
    const r = track(
      await startNode(dirs.r, [
        '--role',
        'requester',
        '--listen',
        '/ip4/127.0.0.1/tcp/0',
        '--add-circuit',
        CHAIN,
      ]),
    )
    const circuitId = (await r.cli.waitFor(/^circuit\s+(\S+)/m))[1]!
    const pArgs = ['--role', 'prover', '--price', '50', '--bootstrap', r.addr]
    const p = track(await startNode(dirs.p, pArgs))
    await subscribed(r, 1)
    const taskId = await postChainTask(r, circuitId)
    await p.cli.waitFor(/job \S+ proving/, 60_000)
    expect(await p.cli.kill('SIGKILL')).toBe(null)

    // Restarted, its peer store is empty: the job's journal says where its requester was.
    const again = track(await startNode(dirs.p, pArgs))
    await again.cli.waitFor(/job \S+ delivered/, 90_000)
    await waitFor(async () => (await taskState(r, taskId))?.state === 'completed', 'task completed', 30_000)
    const task = (await taskState(r, taskId))!
    expect(task.events.filter((e) => e.kind === 'awarded')).toHaveLength(1)
    expect(task.prover).toBe((await again.api('/v1/node')).body.peerId)
    expect(await again.cli.kill('SIGTERM')).toBe(0)
    const after = await inspect(dirs.p)
    expect(after.problems).toEqual([])
    expect(after.jobs.map((j) => j.state)).toEqual(['delivered'])
  })
})
