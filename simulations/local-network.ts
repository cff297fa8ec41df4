import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { NodeConfigInput } from '../node/config.ts'
import { ZkpNode, type ZkpNodeOptions } from '../node/node.ts'

/** Polls `cond` until it holds; throws naming `what` after `timeoutMs`. A liveness bound, not a measurement. */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** A node's configuration (its data directory is chosen here) and, optionally, injected components. */
export type NodeSpec = Omit<NodeConfigInput, 'dataDir'> & { options?: ZkpNodeOptions }

/**
 * Real zkp-nodes over TCP on 127.0.0.1 in this process, each with its own data directory under one temporary
 * root. The first node is every other node's bootstrap peer. stop() always stops every node and removes the
 * directories. Used by the demo, the benchmarks and the multi-node tests.
 */
export class LocalNetwork {
  /** Each node's spec and configuration, kept so that a stopped node can be started again (startNode). */
  private readonly configs: Array<{ config: NodeConfigInput; options: ZkpNodeOptions | undefined }> = []
  /** The TCP port each node first listened on, recorded by rememberPorts(). */
  private readonly ports = new Map<number, number>()

  private constructor(
    readonly root: string,
    readonly nodes: ZkpNode[],
  ) {}

  static async create(
    specs: NodeSpec[],
    options: {
      root?: string
      gossipTimeoutMs?: number
      /**
       * Start the other nodes this many at a time (default: all at once). Each new node dials the bootstrap
       * node once; a hundred noise handshakes at once on one event loop can outlast libp2p's upgrade timeout.
       */
      startBatch?: number
    } = {},
  ): Promise<LocalNetwork> {
    const root = options.root ?? (await mkdtemp(join(tmpdir(), 'zkp-net-')))
    const net = new LocalNetwork(root, [])
    try {
      const [first, ...rest] = specs
      if (first === undefined) throw new Error('a network needs at least one node')
      const { options: bootOptions, ...bootConfig } = first
      const bootNodeConfig = {
        listen: ['/ip4/127.0.0.1/tcp/0'],
        localNetwork: true,
        ...bootConfig,
        dataDir: join(root, 'n0'),
      }
      const boot = new ZkpNode(bootNodeConfig, bootOptions)
      net.nodes.push(boot)
      net.configs.push({ config: bootNodeConfig, options: bootOptions })
      await boot.start()
      const bootstrap = [boot.multiaddrs[0]!.toString()]
      const others = rest.map(({ options, ...spec }, i) => {
        const dataDir = join(root, `n${i + 1}`)
        const config = { listen: ['/ip4/127.0.0.1/tcp/0'], localNetwork: true, bootstrap, ...spec, dataDir }
        net.configs.push({ config, options })
        return new ZkpNode(config, options)
      })
      net.nodes.push(...others)
      const batch = options.startBatch ?? others.length
      for (let i = 0; i < others.length; i += batch)
        await Promise.all(others.slice(i, i + batch).map((n) => n.start()))
      net.rememberPorts()
      // A bootstrap dial that failed (a handshake that timed out under load) is not retried by libp2p: dial
      // again, every few seconds, for any node still alone while the network settles.
      const redial = async () => {
        for (const n of others) {
          if (n.started && n.host.getConnections().length === 0)
            await n.host.dial(boot.multiaddrs[0]!).catch(() => {})
        }
      }
      await redial()
      const retries = setInterval(() => void redial(), 5_000)
      try {
        await net.waitForGossip(options.gossipTimeoutMs)
      } finally {
        clearInterval(retries)
      }
      return net
    } catch (err) {
      await net.stop()
      throw err
    }
  }

  node(i: number): ZkpNode {
    const n = this.nodes[i]
    if (n === undefined) throw new Error(`no node ${i}`)
    return n
  }

  /**
   * Stops node `i` as a crash would end it, keeping its data directory; startNode(i) brings it back. (An
   * in-process stop: the node closes its store and sockets cleanly, unlike a killed process.)
   */
  async stopNode(i: number): Promise<void> {
    await this.node(i).stop()
  }

  /**
   * Starts node `i` again, as a new ZkpNode on the same data directory (so the same identity, store and
   * journaled work) and the same TCP port, so that peers holding its old address reach it again.
   */
  async startNode(i: number): Promise<ZkpNode> {
    const old = this.node(i)
    if (old.started) return old
    const { config, options } = this.configs[i]!
    const port = this.ports.get(i)
    const listen = port === undefined ? config.listen : [`/ip4/127.0.0.1/tcp/${port}`]
    const node = new ZkpNode({ ...config, listen }, options)
    this.nodes[i] = node
    await node.start()
    return node
  }

  /** Records every running node's port, so that startNode reuses it. */
  rememberPorts(): void {
    this.nodes.forEach((n, i) => {
      const tcp = n.started ? /\/tcp\/(\d+)/.exec(n.multiaddrs[0]?.toString() ?? '') : null
      if (tcp !== null && !this.ports.has(i)) this.ports.set(i, Number(tcp[1]))
    })
  }

  /** Waits until the bootstrap node sees every other node on every topic, and each node sees someone. */
  async waitForGossip(timeoutMs = 30_000): Promise<void> {
    const others = this.nodes.length - 1
    if (others === 0) return
    const subs = (n: ZkpNode, topic: string) => n.host.services.pubsub.getSubscribers(topic).length
    const ready = () =>
      Object.values(this.node(0).gossip.topics).every((t) => subs(this.node(0), t) >= others) &&
      this.nodes.every((n) => Object.values(n.gossip.topics).every((t) => subs(n, t) >= 1))
    try {
      await waitFor(ready, 'gossip subscriptions', timeoutMs)
    } catch (err) {
      // Say who is missing: the bootstrap node's view per topic, and the nodes that see nobody.
      const boot = Object.values(this.node(0).gossip.topics).map((t) => subs(this.node(0), t))
      const alone = this.nodes.flatMap((n, i) =>
        Object.values(n.gossip.topics).some((t) => subs(n, t) < 1)
          ? [`n${i} (${n.host.getConnections().length} conns)`]
          : [],
      )
      throw new Error(
        `${(err as Error).message}: node 0 sees ${boot.join('/')} of ${others}; alone: ${alone.join(' ') || 'none'}`,
      )
    }
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.nodes.map((n) => n.stop()))
    await rm(this.root, { recursive: true, force: true })
  }
}
