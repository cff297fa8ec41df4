import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defaultLogger } from '@libp2p/logger'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readCircuit } from '../cli/util/circuit.ts'
import { readApiFile } from '../node/api/api-file.ts'
import { ApiServer } from '../node/api/server.ts'
import { ZkpNode } from '../node/node.ts'
import { artifactCid, type CircuitManifest, encodeManifest } from '../protocol/artifact/manifest.ts'
import { toHex } from '../protocol/codec/hash.ts'
import { LIMITS } from '../protocol/constants.ts'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const TINY = join(ROOT, 'circuits', 'build', 'tiny')
const TINY_INPUT = join(ROOT, 'circuits', 'inputs', 'tiny.json')

let dir: string
let node: ZkpNode
let server: ApiServer
let url: string
let token: string

interface Reply {
  status: number
  // biome-ignore lint/suspicious/noExplicitAny: replies are checked field by field with expect()
  body: any
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const init: RequestInit = { method, headers: { authorization: `Bearer ${token}`, ...headers } }
  if (body instanceof Uint8Array) init.body = body
  else if (body !== undefined) {
    init.body = JSON.stringify(body)
    init.headers = { ...init.headers, 'content-type': 'application/json' }
  }
  const res = await fetch(`${url}${path}`, init)
  const text = await res.text()
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) }
}

const goodTask = (circuitId: string) => ({
  circuitId,
  input: { a: '3', b: '11' },
  maxPrice: '100',
  bidWindowMs: 200,
  provingDeadlineMs: 10_000,
})

async function upload(bytes: Uint8Array): Promise<string> {
  const cid = artifactCid(bytes)
  const res = await call('PUT', `/v1/artifacts/${cid}`, bytes)
  expect(res.status).toBe(201)
  return cid
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zkp-api-'))
  node = new ZkpNode({ dataDir: join(dir, 'node'), roles: ['requester'], listen: ['/ip4/127.0.0.1/tcp/0'] })
  await node.start()
  server = new ApiServer(
    { node, log: defaultLogger().forComponent('zkp:api') },
    { dataDir: join(dir, 'node') },
  )
  await server.start()
  ;({ url, token } = await readApiFile(join(dir, 'node')))
})

afterAll(async () => {
  await server?.stop()
  await node?.stop()
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
})

describe('local API', () => {
  it('writes api.json readable by the owner only, bound to loopback', async () => {
    const st = await stat(join(dir, 'node', 'api.json'))
    expect(st.mode & 0o777).toBe(0o600)
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(server.url).toBe(url)
  })

  it('refuses requests without the token', async () => {
    const none = await fetch(`${url}/v1/node`)
    expect(none.status).toBe(401)
    expect((await none.json()).error.code).toBe('NOT_AUTHORISED')
    const wrong = await fetch(`${url}/v1/node`, { headers: { authorization: `Bearer ${'0'.repeat(64)}` } })
    expect(wrong.status).toBe(401)
  })

  it('describes the node', async () => {
    const res = await call('GET', '/v1/node')
    expect(res.status).toBe(200)
    expect(res.body.peerId).toBe(node.peerId)
    expect(res.body.roles).toEqual(['requester'])
    expect(res.body.network).toBe('devnet')
    expect(res.body.addrs[0]).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//)
    expect(res.body.ledger).toEqual({ records: 0, root: expect.stringMatching(/^[0-9a-f]{64}$/) })
  })

  it('answers 404 for unknown paths and tasks, 405 for a wrong method', async () => {
    expect((await call('GET', '/v1/nope')).status).toBe(404)
    expect((await call('GET', `/v1/tasks/${'ab'.repeat(32)}`)).status).toBe(404)
    expect((await call('DELETE', '/v1/node')).status).toBe(405)
    const bad = await call('GET', '/v1/tasks/xyz')
    expect(bad.status).toBe(400)
    expect(bad.body.error.message).toMatch(/^taskId: /)
  })

  it('rejects an upload whose bytes do not match the CID, and keeps nothing', async () => {
    const cid = artifactCid(randomBytes(64))
    const res = await call('PUT', `/v1/artifacts/${cid}`, randomBytes(64))
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('INTEGRITY')
    expect((await call('HEAD', `/v1/artifacts/${cid}`)).status).toBe(404)
    expect(await node.artifacts.has(cid)).toBe(false)
    const malformed = await call('PUT', '/v1/artifacts/notacid', randomBytes(8))
    expect(malformed.status).toBe(400)
    expect(malformed.body.error.message).toMatch(/^cid: /)
  })

  it('stores an upload that matches its CID', async () => {
    const bytes = randomBytes(100_000)
    const cid = artifactCid(bytes)
    expect((await call('HEAD', `/v1/artifacts/${cid}`)).status).toBe(404)
    await upload(bytes)
    expect((await call('HEAD', `/v1/artifacts/${cid}`)).status).toBe(200)
    expect(Buffer.compare(await readFile(node.artifacts.path(cid)), bytes)).toBe(0)
  })

  it('refuses a manifest naming an artifact it does not hold', async () => {
    const held = await upload(randomBytes(32))
    const manifest: CircuitManifest = {
      v: 1,
      name: 'missing',
      system: 'groth16',
      curve: 'bn128',
      wasm: held,
      zkey: artifactCid(randomBytes(32)),
      vkey: held,
      nPublic: 1,
      nConstraints: 1,
    }
    const res = await call('POST', '/v1/circuits', { manifest: toHex(encodeManifest(manifest)) })
    expect(res.status).toBe(400)
    expect(res.body.error.message).toMatch(/^manifest\.zkey: /)
    const junk = await call('POST', '/v1/circuits', { manifest: 'zz' })
    expect(junk.status).toBe(400)
    expect(junk.body.error.message).toMatch(/^manifest: /)
  })

  it('registers an uploaded circuit and accepts a task for it', async () => {
    expect(existsSync(join(TINY, 'info.json')), `${TINY} is missing: run \`npm run circuits\` first`).toBe(
      true,
    )
    const circuit = await readCircuit(TINY)
    for (const a of circuit.artifacts) await upload(new Uint8Array(await readFile(a.path)))
    const reg = await call('POST', '/v1/circuits', { manifest: toHex(circuit.manifestBytes) })
    expect(reg.status).toBe(201)
    expect(reg.body.circuitId).toBe(circuit.circuitId)
    const input = JSON.parse(await readFile(TINY_INPUT, 'utf8'))
    const posted = await call('POST', '/v1/tasks', { ...goodTask(circuit.circuitId), input })
    expect(posted.status, JSON.stringify(posted.body)).toBe(201)
    const task = await call('GET', `/v1/tasks/${posted.body.taskId}`)
    expect(task.status).toBe(200)
    expect(task.body).toMatchObject({
      taskId: posted.body.taskId,
      circuitId: circuit.circuitId,
      events: [expect.objectContaining({ kind: 'asked' })],
    })
    const list = await call('GET', '/v1/tasks')
    expect(list.body.tasks.map((t: { taskId: string }) => t.taskId)).toContain(posted.body.taskId)
    const bids = await call('GET', `/v1/tasks/${posted.body.taskId}/bids`)
    expect(bids.body).toEqual({ bids: [] })
    // An input the circuit rejects, or a circuit the node does not hold, is a bad request, not a server error.
    const wrong = await call('POST', '/v1/tasks', { ...goodTask(circuit.circuitId), input: { nope: '1' } })
    expect(wrong.status).toBe(400)
    expect(wrong.body.error.message).toMatch(/^input: /)
    const unknown = await call('POST', '/v1/tasks', goodTask(artifactCid(randomBytes(8))))
    expect(unknown.status).toBe(400)
    expect(unknown.body.error.message).toMatch(/^circuitId: /)

    // A batch: one task per input, each knowing its place; a malformed input refuses all of it.
    const inputs = [input, { ...input, nonce: '7' }, { ...input, nonce: '8' }]
    const { input: _, ...terms } = { ...goodTask(circuit.circuitId), input }
    const batch = await call('POST', '/v1/batches', { ...terms, inputs })
    expect(batch.status, JSON.stringify(batch.body)).toBe(201)
    expect(batch.body.taskIds).toHaveLength(3)
    for (const [index, taskId] of (batch.body.taskIds as string[]).entries()) {
      const t = await call('GET', `/v1/tasks/${taskId}`)
      expect(t.body.batch).toEqual({ id: batch.body.batchId, index, size: 3 })
    }
    const before = (await call('GET', '/v1/tasks')).body.tasks.length
    const mixed = await call('POST', '/v1/batches', { ...terms, inputs: [input, [1]] })
    expect(mixed.status).toBe(400)
    expect(mixed.body.error.message).toMatch(/^inputs\.1: must be a JSON object/)
    const lone = await call('POST', '/v1/batches', { ...terms, inputs: [input] })
    expect(lone.body.error.message).toMatch(/^inputs: must hold 2\.\.256 inputs/)
    expect((await call('GET', '/v1/tasks')).body.tasks.length).toBe(before)
  })

  it('names the field and the limit for a bad task', async () => {
    const cid = artifactCid(randomBytes(8))
    const priceLimit = `2\\^${LIMITS.maxPrice.toString(2).length}-1`
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [
        { ...goodTask(cid), maxPrice: 'abc' },
        new RegExp(`^maxPrice: must be a decimal integer ≤ ${priceLimit}$`),
      ],
      [
        { ...goodTask(cid), maxPrice: (LIMITS.maxPrice + 1n).toString() },
        new RegExp(`^maxPrice: .*${priceLimit}$`),
      ],
      [{ ...goodTask(cid), maxPrice: 100 }, /^maxPrice: /],
      [{ ...goodTask(cid), input: { x: 'y'.repeat(1024 * 1024) } }, /^input: must be at most 1048576 bytes/],
      [{ ...goodTask(cid), input: [1, 2] }, /^input: must be a JSON object/],
      [{ ...goodTask(cid), bidWindowMs: 0 }, /^bidWindowMs: /],
      [{ ...goodTask(cid), provingDeadlineMs: 1e12 }, /^provingDeadlineMs: must be ≤ 86400000/],
      [{ ...goodTask(cid), surprise: 1 }, /^surprise: unknown field$/],
      [{ circuitId: cid }, /^input: required$/],
    ]
    for (const [body, message] of cases) {
      const res = await call('POST', '/v1/tasks', body)
      expect(res.status, JSON.stringify(res.body)).toBe(400)
      expect(res.body.error.message).toMatch(message)
    }
    const notJson = await call('POST', '/v1/tasks', new TextEncoder().encode('{'))
    expect(notJson.status).toBe(400)
  })

  it('answers 413 to a body over the limit', async () => {
    const big = { ...goodTask('x'), input: { x: 'y'.repeat(2 * 1024 * 1024) } }
    const res = await call('POST', '/v1/tasks', big)
    expect(res.status).toBe(413)
    expect(res.body.error.code).toBe('MESSAGE_TOO_LARGE')
  })

  it('answers 413 to an upload declared over 512 MiB, without reading it', async () => {
    const status = await new Promise<number>((done, fail) => {
      const req = request(`${url}/v1/artifacts/${artifactCid(randomBytes(8))}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-length': 513 * 1024 * 1024 },
      })
      req.on('response', (res) => {
        res.resume()
        done(res.statusCode ?? 0)
        req.destroy()
      })
      req.on('error', fail)
      req.write(randomBytes(1024))
    })
    expect(status).toBe(413)
  })

  it('still serves after all of the above', async () => {
    const res = await call('GET', '/v1/node')
    expect(res.status).toBe(200)
    expect(node.started).toBe(true)
  })
})
