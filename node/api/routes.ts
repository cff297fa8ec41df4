/**
 * The local API's endpoints. JSON in and out; bigints as decimal strings, bytes as hex.
 *   GET  /v1/node                 peer id, addresses, roles, network, gossip peers per topic, ledger size and root
 *   HEAD /v1/artifacts/:cid       200 if held, 404 if not
 *   PUT  /v1/artifacts/:cid       raw body (Content-Length required, ≤ 512 MiB), kept only if it hashes to :cid
 *   POST /v1/circuits             { manifest: hex CBOR } → { circuitId }; every artifact must be held
 *   POST /v1/tasks                { circuitId, input, maxPrice, bidWindowMs, provingDeadlineMs, closeAfterBids?,
 *                                   startPrice?, maxAsks?, raisePercent? }
 *   POST /v1/batches              the same with `inputs: [ … ]` (2..256, body ≤ 16 MiB) instead of `input`
 *                                 → { batchId, taskIds }: one task per input, spread over provers (SPEC §9.4)
 *   GET  /v1/tasks                { tasks } newest first, at most 100
 *   GET  /v1/tasks/:taskId        the task record
 *   GET  /v1/tasks/:taskId/bids   { bids } this node holds for the task (every ask of it)
 *   GET  /v1/jobs                 { jobs } this node took on as a prover, newest first, at most 100
 *   GET  /v1/jobs/:taskId         one job (taskId: the ask it bid on)
 *   GET  /v1/reputation           the ledger (size, root, pending) and every known peer's figures and flags
 *   GET  /v1/reputation/:peerId   one peer's figures and flags
 *   GET  /v1/audits/:taskId       { reports } this node's last audits of the task's award(s)
 *   POST /v1/audits/:taskId       audits the task's award(s) now: { reports }
 */

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from '@libp2p/interface'
import { CID } from 'multiformats/cid'
import type { z } from 'zod'
import { fromHex, toHex } from '../../protocol/codec/hash.ts'
import { LIMITS } from '../../protocol/constants.ts'
import { Bid } from '../../protocol/task/messages.ts'
import { GOSSIP_TYPES, type GossipType } from '../../protocol/topics/topic.ts'
import { auditById, storedAudits } from '../audit/run.ts'
import { reputationSummary } from '../ledger/summary.ts'
import type { ZkpNode } from '../node.ts'
import type { SubmitRequest } from '../task/requester.ts'
import { httpError } from './errors.ts'
import { declaredLength, readJson, sendJson } from './http.ts'
import { jobView } from './job-routes.ts'
import { toJsonSafe } from './json.ts'
import {
  BATCH_BODY_BYTES,
  BatchRequest,
  CircuitRequest,
  PeerIdParam,
  parseBody,
  TaskId,
  TaskRequest,
} from './schemas.ts'

export interface RouteContext {
  node: ZkpNode
  log: Logger
  req: IncomingMessage
  res: ServerResponse
  /** Decoded path parameter (`:cid`, `:taskId`), when the route has one. */
  param: string
}

type Handler = (ctx: RouteContext) => Promise<void>

interface Route {
  method: string
  pattern: RegExp
  handler: Handler
}

const SHA2_256 = 0x12
const MAX_LISTED_TASKS = 100
const MAX_LISTED_BIDS = 256

const reply = (ctx: RouteContext, status: number, body?: unknown) => sendJson(ctx.req, ctx.res, status, body)

function taskIdParam(ctx: RouteContext): string {
  const parsed = TaskId.safeParse(ctx.param)
  if (!parsed.success)
    throw httpError(400, 'INVALID_FIELD', `taskId: ${parsed.error.issues[0]?.message ?? 'invalid'}`)
  return parsed.data
}

interface TopicPeers {
  subscribers: number
  mesh: number
}

/**
 * Peers per gossip topic: tells a user (or a test) whether provers will hear an ask before submitting one.
 * getMeshPeers is gossipsub's, not part of the PubSub interface the host type exposes, hence the guard.
 */
function topicPeers(node: ZkpNode, type: GossipType): TopicPeers {
  const pubsub = node.host.services.pubsub as unknown as {
    getSubscribers(topic: string): unknown[]
    getMeshPeers?: (topic: string) => unknown[]
  }
  const topic = node.gossip.topics[type]
  return { subscribers: pubsub.getSubscribers(topic).length, mesh: pubsub.getMeshPeers?.(topic).length ?? 0 }
}

async function getNode(ctx: RouteContext): Promise<void> {
  const { node } = ctx
  const topics = Object.fromEntries(
    GOSSIP_TYPES.map((t): [GossipType, TopicPeers] => [t, topicPeers(node, t)]),
  )
  reply(ctx, 200, {
    peerId: node.peerId,
    addrs: node.multiaddrs.map((a) => a.toString()),
    roles: node.roles,
    network: node.config.network,
    peers: node.host.getPeers().length,
    topics,
    ledger: { records: node.ledger.size, root: toHex(node.ledger.root()) },
  })
}

async function headArtifact(ctx: RouteContext): Promise<void> {
  const size = await ctx.node.artifacts.size(ctx.param)
  if (size === undefined) throw httpError(404, 'NOT_FOUND', `artifact ${ctx.param} is not held`)
  reply(ctx, 200, { cid: ctx.param, size })
}

/** Rejects, before any byte is written, an id that no content could match. */
function checkArtifactCid(cid: string): void {
  let parsed: CID
  try {
    parsed = CID.parse(cid)
  } catch {
    throw httpError(400, 'INVALID_FIELD', `cid: "${cid.slice(0, 100)}" is not a base32 CIDv1`)
  }
  if (parsed.multihash.code !== SHA2_256)
    throw httpError(400, 'INVALID_FIELD', 'cid: only sha2-256 CIDs are accepted')
}

/** Streams the body to a temporary file; ArtifactStore checks size and hash before moving it into place. */
async function putArtifact(ctx: RouteContext): Promise<void> {
  const { node, req, param: cid } = ctx
  const size = declaredLength(req, LIMITS.artifactBytes)
  if (size === undefined) throw httpError(411, 'BAD_REQUEST', 'content-length: required for artifact uploads')
  checkArtifactCid(cid)
  if (await node.artifacts.has(cid)) {
    reply(ctx, 200, { cid, stored: false })
    return
  }
  await node.artifacts.write(cid, size, req)
  ctx.log('stored artifact %s (%d bytes)', cid, size)
  reply(ctx, 201, { cid, stored: true })
}

async function postCircuit(ctx: RouteContext): Promise<void> {
  const body = parseBody(CircuitRequest, await readJson(ctx.req))
  const circuitId = await ctx.node.addManifest(fromHex(body.manifest))
  reply(ctx, 201, { circuitId })
}

/** The terms a task and a batch share, from a parsed POST /v1/tasks or /v1/batches body. */
function taskTerms(body: Omit<z.output<typeof TaskRequest>, 'input'>): Omit<SubmitRequest, 'input'> {
  return {
    circuitId: body.circuitId,
    maxPrice: body.maxPrice,
    bidWindowMs: body.bidWindowMs,
    provingDeadlineMs: body.provingDeadlineMs,
    closeAfterBids: body.closeAfterBids,
    ...(body.params !== undefined ? { params: fromHex(body.params) } : {}),
    ...(body.startPrice !== undefined ? { startPrice: body.startPrice } : {}),
    ...(body.maxAsks !== undefined ? { maxAsks: body.maxAsks } : {}),
    ...(body.raisePercent !== undefined ? { raisePercent: body.raisePercent } : {}),
  }
}

async function postTask(ctx: RouteContext): Promise<void> {
  const body = parseBody(TaskRequest, await readJson(ctx.req))
  const taskId = await ctx.node.submit({ ...taskTerms(body), input: body.input })
  reply(ctx, 201, { taskId })
}

async function postBatch(ctx: RouteContext): Promise<void> {
  const body = parseBody(BatchRequest, await readJson(ctx.req, BATCH_BODY_BYTES))
  const { batchId, taskIds } = await ctx.node.submitBatch({ ...taskTerms(body), inputs: body.inputs })
  reply(ctx, 201, { batchId, taskIds })
}

async function getTask(ctx: RouteContext): Promise<void> {
  const taskId = taskIdParam(ctx)
  const task = await ctx.node.task(taskId)
  if (task === undefined) throw httpError(404, 'NOT_FOUND', `task ${taskId} is not known to this node`)
  reply(ctx, 200, toJsonSafe(task))
}

/** The bids this node holds for a task: the task record names only the winner, a user wants to see all. */
async function getBids(ctx: RouteContext): Promise<void> {
  const taskId = taskIdParam(ctx)
  const task = await ctx.node.task(taskId)
  if (task === undefined) throw httpError(404, 'NOT_FOUND', `task ${taskId} is not known`)
  const bids: unknown[] = []
  // A task that was asked again has bids under each of its asks.
  for (const auction of task.auctions) {
    for await (const [, bid] of ctx.node.repos.bids.values(`${auction}/`, MAX_LISTED_BIDS)) {
      const b = bid.body
      bids.push({
        ask: auction,
        bidId: toHex(Bid.id(bid)),
        prover: b.prover,
        price: b.price.toString(),
        estimatedMs: b.estimatedMs,
        capacity: b.capacity,
        hasCircuit: b.hasCircuit,
        createdAt: b.createdAt,
      })
    }
  }
  reply(ctx, 200, { bids })
}

async function listJobs(ctx: RouteContext): Promise<void> {
  const jobs = await ctx.node.jobs(MAX_LISTED_TASKS)
  reply(ctx, 200, { jobs: jobs.map(jobView) })
}

async function getJob(ctx: RouteContext): Promise<void> {
  const taskId = taskIdParam(ctx)
  const job = await ctx.node.job(taskId)
  if (job === undefined) throw httpError(404, 'NOT_FOUND', `this node has no job for task ${taskId}`)
  reply(ctx, 200, jobView(job))
}

async function listTasks(ctx: RouteContext): Promise<void> {
  const tasks = await ctx.node.tasks(MAX_LISTED_TASKS)
  reply(ctx, 200, { tasks: tasks.map((t) => toJsonSafe(t)) })
}

// --- reputation and audits (docs/ledger.md) ----------------------------------------------------------------

const summaryOf = (node: ZkpNode, peer?: string) =>
  reputationSummary(
    {
      ledger: node.ledger,
      sync: node.ledgerSync,
      auditor: node.auditor,
      weights: node.config.weights,
      now: node.now,
    },
    peer,
  )

async function getReputation(ctx: RouteContext): Promise<void> {
  reply(ctx, 200, summaryOf(ctx.node))
}

async function getPeerReputation(ctx: RouteContext): Promise<void> {
  const parsed = PeerIdParam.safeParse(ctx.param)
  if (!parsed.success)
    throw httpError(400, 'INVALID_FIELD', `peerId: ${parsed.error.issues[0]?.message ?? 'invalid'}`)
  reply(ctx, 200, summaryOf(ctx.node, parsed.data))
}

async function getAudits(ctx: RouteContext): Promise<void> {
  const taskId = taskIdParam(ctx)
  const reports = await storedAudits(ctx.node.auditor, ctx.node.repos, taskId)
  if (reports.length === 0) throw httpError(404, 'NOT_FOUND', `task ${taskId}: not audited here yet`)
  reply(ctx, 200, { reports })
}

async function postAudits(ctx: RouteContext): Promise<void> {
  reply(ctx, 200, { reports: await auditById(ctx.node.auditor, ctx.node.repos, taskIdParam(ctx)) })
}

/** Loose on purpose: a malformed id should get a 400 naming it, not a 404 for an unknown path. */
const PARAM = '([^/]{1,200})'

export const ROUTES: Route[] = [
  { method: 'GET', pattern: /^\/v1\/node$/, handler: getNode },
  { method: 'HEAD', pattern: new RegExp(`^/v1/artifacts/${PARAM}$`), handler: headArtifact },
  { method: 'PUT', pattern: new RegExp(`^/v1/artifacts/${PARAM}$`), handler: putArtifact },
  { method: 'POST', pattern: /^\/v1\/circuits$/, handler: postCircuit },
  { method: 'POST', pattern: /^\/v1\/tasks$/, handler: postTask },
  { method: 'POST', pattern: /^\/v1\/batches$/, handler: postBatch },
  { method: 'GET', pattern: /^\/v1\/tasks$/, handler: listTasks },
  { method: 'GET', pattern: /^\/v1\/jobs$/, handler: listJobs },
  { method: 'GET', pattern: new RegExp(`^/v1/jobs/${PARAM}$`), handler: getJob },
  { method: 'GET', pattern: new RegExp(`^/v1/tasks/${PARAM}$`), handler: getTask },
  { method: 'GET', pattern: new RegExp(`^/v1/tasks/${PARAM}/bids$`), handler: getBids },
  { method: 'GET', pattern: /^\/v1\/reputation$/, handler: getReputation },
  { method: 'GET', pattern: new RegExp(`^/v1/reputation/${PARAM}$`), handler: getPeerReputation },
  { method: 'GET', pattern: new RegExp(`^/v1/audits/${PARAM}$`), handler: getAudits },
  { method: 'POST', pattern: new RegExp(`^/v1/audits/${PARAM}$`), handler: postAudits },
]

/** The handler for a method and path, with its path parameter; 404 or 405 when there is none. */
export function route(method: string, path: string): { handler: Handler; param: string } {
  let pathMatched = false
  for (const r of ROUTES) {
    const m = r.pattern.exec(path)
    if (m === null) continue
    pathMatched = true
    if (r.method === method) return { handler: r.handler, param: m[1] ?? '' }
  }
  if (pathMatched) throw httpError(405, 'BAD_REQUEST', `${method} ${path}: method not allowed`)
  throw httpError(404, 'NOT_FOUND', `${path}: no such endpoint`)
}
