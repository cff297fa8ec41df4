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
  private constructor(
    readonly root: string,
    readonly nodes: ZkpNode[],
  ) {}

  static async create(specs: NodeSpec[], options: { root?: string } = {}): Promise<LocalNetwork> {
    const root = options.root ?? (await mkdtemp(join(tmpdir(), 'zkp-net-')))
    const net = new LocalNetwork(root, [])
    try {
      const [first, ...rest] = specs
      if (first === undefined) throw new Error('a network needs at least one node')
      const { options: bootOptions, ...bootConfig } = first
      const boot = new ZkpNode(
        { listen: ['/ip4/127.0.0.1/tcp/0'], localNetwork: true, ...bootConfig, dataDir: join(root, 'n0') },
        bootOptions,
      )
      net.nodes.push(boot)
      await boot.start()
      const bootstrap = [boot.multiaddrs[0]!.toString()]
      const others = rest.map(({ options, ...spec }, i) => {
        const dataDir = join(root, `n${i + 1}`)
        return new ZkpNode(
          { listen: ['/ip4/127.0.0.1/tcp/0'], localNetwork: true, bootstrap, ...spec, dataDir },
          options,
        )
      })
      net.nodes.push(...others)
      await Promise.all(others.map((n) => n.start()))
      await net.waitForGossip()
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

  /** Waits until the bootstrap node sees every other node on every topic, and each node sees someone. */
  async waitForGossip(timeoutMs = 30_000): Promise<void> {
    const others = this.nodes.length - 1
    if (others === 0) return
    const subs = (n: ZkpNode, topic: string) => n.host.services.pubsub.getSubscribers(topic).length
    await waitFor(
      () =>
        Object.values(this.node(0).gossip.topics).every((t) => subs(this.node(0), t) >= others) &&
        this.nodes.every((n) => Object.values(n.gossip.topics).every((t) => subs(n, t) >= 1)),
      'gossip subscriptions',
      timeoutMs,
    )
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.nodes.map((n) => n.stop()))
    await rm(this.root, { recursive: true, force: true })
  }
}
