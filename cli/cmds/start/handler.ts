import { rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { PeerId } from '@libp2p/interface'
import { defaultLogger } from '@libp2p/logger'
import { ApiServer } from '../../../node/api/server.ts'
import { ZkpNode } from '../../../node/node.ts'
import type { ProverJob } from '../../../node/task/prover-job.ts'
import type { TaskRecord } from '../../../node/task/task-record.ts'
import { errorMessage } from '../../../protocol/errors.ts'
import { clock, shortId, shortPeer } from '../../util/print.ts'
import { onShutdown } from '../../util/signals.ts'
import { buildConfig, type StartOptions } from './config.ts'

/** `<dataDir>/node.json`: how scripts (docker/compose.yml) learn a running node's peer id and addresses. */
const nodeFilePath = (dataDir: string) => join(dataDir, 'node.json')

async function writeNodeFile(dataDir: string, node: ZkpNode, api: string | undefined): Promise<void> {
  const info = {
    peerId: node.peerId,
    addrs: node.multiaddrs.map((a) => a.toString()),
    ...(api === undefined ? {} : { api }),
  }
  const tmp = `${nodeFilePath(dataDir)}.${process.pid}.tmp`
  await writeFile(tmp, `${JSON.stringify(info, null, 2)}\n`)
  await rename(tmp, nodeFilePath(dataDir))
}

const out = (line: string) => process.stdout.write(`${line}\n`)

function taskLine(t: TaskRecord): string {
  const last = t.events.at(-1)
  return `${clock()} task ${shortId(t.taskId)} ${last === undefined ? t.state : `${last.kind}: ${last.detail}`}`
}

function jobLine(j: ProverJob): string {
  return `${clock()} job ${shortId(j.taskId)} ${j.state}${j.provingMs === undefined ? '' : ` (${j.provingMs} ms proving)`}${j.reason === undefined ? '' : `: ${j.reason}`}`
}

/** `zkp-node start`: runs until SIGINT/SIGTERM, then stops the API and the node in order; resolves 0. */
export async function startNode(opts: StartOptions): Promise<number> {
  const config = await buildConfig(opts)
  const logger = defaultLogger()
  const node = new ZkpNode(config, { logger })
  const api = config.api.enabled
    ? new ApiServer(
        { node, log: logger.forComponent('zkp:api') },
        { host: config.api.host, port: config.api.port, dataDir: config.dataDir },
      )
    : undefined
  const onTask = (t: TaskRecord) => out(taskLine(t))
  const onJob = (j: ProverJob) => out(jobLine(j))
  const onConnect = (e: CustomEvent<PeerId>) =>
    out(`${clock()} peer connected ${shortPeer(e.detail.toString())}`)
  const onDisconnect = (e: CustomEvent<PeerId>) =>
    out(`${clock()} peer disconnected ${shortPeer(e.detail.toString())}`)

  // Register before starting, so a signal during a slow start still stops what was started.
  const shutdown = onShutdown()
  let wroteNodeFile = false
  try {
    await node.start()
    await api?.start()
    out(`peer id  ${node.peerId}`)
    out(`roles    ${node.roles.join(', ')} on network ${config.network}`)
    for (const addr of node.multiaddrs) out(`listen   ${addr.toString()}`)
    out(api === undefined ? 'api      disabled' : `api      ${api.url} (token in ${config.dataDir}/api.json)`)
    node.events.on('task', onTask)
    node.events.on('job', onJob)
    node.host.addEventListener('peer:connect', onConnect)
    node.host.addEventListener('peer:disconnect', onDisconnect)
    // After the addresses are out: importing announces in the DHT, which can take seconds with few peers.
    for (const dir of opts.addCircuit ?? []) out(`circuit  ${await node.addCircuit(dir)} (${dir})`)
    await writeNodeFile(config.dataDir, node, api?.url)
    wroteNodeFile = true
    out('ready')
    const signal = await shutdown.signal
    out(`${clock()} ${signal}: stopping`)
  } finally {
    node.events.off('task', onTask)
    node.events.off('job', onJob)
    if (node.started) {
      node.host.removeEventListener('peer:connect', onConnect)
      node.host.removeEventListener('peer:disconnect', onDisconnect)
    }
    // The API first: no request may reach a node that is closing its store.
    await api
      ?.stop()
      .catch((err: unknown) => process.stderr.write(`error: stopping the API: ${errorMessage(err)}\n`))
    await node.stop()
    if (wroteNodeFile) await rm(nodeFilePath(config.dataDir), { force: true })
    shutdown.dispose()
  }
  out(`${clock()} stopped`)
  return 0
}
