/**
 * The CLI as a user drives it: `node cli/bin/zkp-node.js …` in child processes (the compiled dist/, which
 * test/global-setup.ts rebuilds). Two `start` processes and one `submit` produce a proof that snarkjs accepts.
 */
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import * as snarkjs from 'snarkjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Cli, ROOT } from './helpers/cli.ts'

const TINY = join(ROOT, 'circuits', 'build', 'tiny')
const TINY_INPUT = join(ROOT, 'circuits', 'inputs', 'tiny.json')

const spawned: Cli[] = []
const cli = (...args: string[]) => {
  const c = new Cli(args)
  spawned.push(c)
  return c
}

/** Runs a command to completion. */
async function run(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const c = cli(...args)
  const code = await c.exited
  return { code, stdout: c.stdout, stderr: c.stderr }
}

let dir: string
let fakeCircuit: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zkp-cli-'))
  // Enough of a build directory for argument checks, which must not depend on `npm run circuits`.
  fakeCircuit = join(dir, 'fake-circuit')
  await mkdir(fakeCircuit)
  await writeFile(join(fakeCircuit, 'info.json'), '{}')
})

afterAll(async () => {
  for (const c of spawned)
    if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL')
  await Promise.all(spawned.map((c) => c.exited))
  await globalThis.curve_bn128?.terminate()
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
})

describe('zkp-node CLI', () => {
  it.each([
    [[], ['start', 'submit', 'demo']],
    [
      ['start'],
      [
        '--role',
        '--listen',
        '--bootstrap',
        '--data-dir',
        '--network',
        '--price',
        '--max-concurrent',
        '--threads',
        '--circuits',
        '--api-port',
        '--config',
        '--add-circuit',
      ],
    ],
    [
      ['submit'],
      [
        '--circuit',
        '--input',
        '--max-price',
        '--bid-window',
        '--deadline',
        '--close-after-bids',
        '--node',
        '--token',
        '--data-dir',
        '--out',
        '--timeout',
      ],
    ],
    [['demo'], ['--provers', '--circuit', '--bid-window']],
  ])('%j --help exits 0 and lists its options', async (cmd, options) => {
    const r = await run(...cmd, '--help')
    expect(r.code).toBe(0)
    for (const o of options) expect(r.stdout).toContain(o)
  })

  it('exits 2 naming the option for a bad argument', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['start', '--max-concurrent', 'abc'], /^error: --max-concurrent: must be an integer 1\.\.64/m],
      [['start', '--threads', '0'], /^error: --threads: must be an integer 1\.\.256/m],
      [['start', '--role', 'oracle'], /^error: --role: must be one of requester, prover, both/m],
      [['start', '--listen', 'not-an-addr'], /^error: --listen: not a multiaddr/m],
      [
        ['start', '--bootstrap', '/ip4/127.0.0.1/tcp/1'],
        /^error: --bootstrap: must end with \/p2p\/<peer id>/m,
      ],
      [['start', '--data-dir', dir, '--config', join(ROOT, 'nope.json')], /^error: --config: no such file/m],
      [
        ['submit', '--circuit', ROOT, '--max-price', '1', '--out', dir],
        /^error: --circuit: not a circuit build directory/m,
      ],
      [['submit', '--circuit', fakeCircuit, '--max-price', '1', '--out', dir], /^error: --input: required/m],
      [['submit', '--max-price', '1e3'], /^error: --max-price: must be a decimal integer/m],
      [['demo', '--provers', '0'], /^error: --provers: must be an integer 1\.\.16/m],
    ]
    const results = await Promise.all(cases.map(([args]) => run(...args)))
    results.forEach((r, i) => {
      const [args, message] = cases[i]!
      expect(r.stderr, args.join(' ')).toMatch(message)
      expect(r.code, args.join(' ')).toBe(2)
    })
  })

  it('exits 2 naming the field of an invalid config file', async () => {
    const config = join(dir, 'bad-config.json')
    await writeFile(config, JSON.stringify({ dataDir: join(dir, 'x'), prover: { maxConcurrent: 0 } }))
    const r = await run('start', '--config', config)
    expect(r.stderr).toMatch(/^error: config\.prover\.maxConcurrent: /m)
    expect(r.code).toBe(2)
  })

  it('two started nodes and a submit produce a proof that snarkjs verifies; SIGTERM stops them cleanly', async () => {
    expect(existsSync(join(TINY, 'info.json')), `${TINY} is missing: run \`npm run circuits\` first`).toBe(
      true,
    )
    const reqDir = join(dir, 'requester')
    const requester = cli(
      'start',
      '--role',
      'requester',
      '--data-dir',
      reqDir,
      '--listen',
      '/ip4/127.0.0.1/tcp/0',
    )
    const [, addr] = (await requester.waitFor(/^listen\s+(\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/\w+)$/m)) as [
      string,
      string,
    ]
    await requester.waitFor(/^ready$/m)
    const prover = cli(
      'start',
      '--role',
      'prover',
      '--data-dir',
      join(dir, 'prover'),
      '--bootstrap',
      addr,
      '--price',
      '40',
    )
    await prover.waitFor(/^ready$/m)

    // As a user would check before asking: the requester sees the prover on the ask topic.
    const api = JSON.parse(await readFile(join(reqDir, 'api.json'), 'utf8')) as { url: string; token: string }
    for (;;) {
      const res = await fetch(`${api.url}/v1/node`, { headers: { authorization: `Bearer ${api.token}` } })
      const node = (await res.json()) as { topics: { ask: { subscribers: number } } }
      if (node.topics.ask.subscribers >= 1) break
      await sleep(100)
    }

    const out = join(dir, 'out')
    const submit = await run(
      'submit',
      '--data-dir',
      reqDir,
      '--circuit',
      TINY,
      '--input',
      TINY_INPUT,
      '--max-price',
      '100',
      '--bid-window',
      '1500',
      '--close-after-bids',
      '1',
      '--deadline',
      '60000',
      '--out',
      out,
    )
    expect(submit.code, submit.stdout + submit.stderr).toBe(0)
    expect(submit.stdout).toMatch(/bid\s+\S+ price 40/)
    expect(submit.stdout).toMatch(/completed/)

    const read = async (f: string) => JSON.parse(await readFile(join(out, f), 'utf8'))
    const [vkey, publicSignals, proof] = await Promise.all([
      read('verification_key.json'),
      read('public.json'),
      read('proof.json'),
    ])
    expect(await snarkjs.groth16.verify(vkey, publicSignals, proof)).toBe(true)

    // A price ceiling below the prover's price: no eligible bid, the task fails and submit says why.
    const cheap = await run(
      'submit',
      '--data-dir',
      reqDir,
      '--circuit',
      TINY,
      '--input',
      TINY_INPUT,
      '--max-price',
      '10',
      '--bid-window',
      '500',
      '--out',
      join(dir, 'out-cheap'),
    )
    expect(cheap.stdout).toMatch(/already held/)
    expect(cheap.stdout).toMatch(/^failed: no eligible bid/m)
    expect(cheap.code).toBe(1)

    await requester.waitFor(/task \w+ completed/)
    await prover.waitFor(/job \w+ delivered/)
    requester.child.kill('SIGTERM')
    prover.child.kill('SIGTERM')
    expect(await requester.exited).toBe(0)
    expect(await prover.exited).toBe(0)
    expect(requester.stdout).toMatch(/stopped$/m)
  })
})
