import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ZkpNode } from '../../node/node.ts'
import type { NodeConfigInput } from '../../node/config.ts'

/** Where sample circuit builds live; ZKP_CIRCUITS_DIR overrides it (for example to a scratch build). */
export function circuitDir(name: string): string {
  return join(process.env.ZKP_CIRCUITS_DIR ?? join(import.meta.dirname, '..', '..', 'circuits', 'build'), name)
}

/** Polls `cond` until it holds; fails with `what` after `timeoutMs`. A liveness bound, not a speed assertion. */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

export type NodeSpec = Omit<NodeConfigInput, 'dataDir'>

/**
 * Real zkp-nodes over TCP on 127.0.0.1, each with its own data directory. The first node is every other node's
 * bootstrap peer. stop() always stops every node and removes the directories.
 */
export class TestNetwork {
  private constructor(
    readonly root: string,
    readonly nodes: ZkpNode[],
  ) {}

  static async create(specs: NodeSpec[]): Promise<TestNetwork> {
    const root = await mkdtemp(join(tmpdir(), 'zkp-net-'))
    const net = new TestNetwork(root, [])
    try {
      const [first, ...rest] = specs
      if (first === undefined) throw new Error('no nodes')
      const boot = new ZkpNode({ ...first, dataDir: join(root, 'n0'), listen: ['/ip4/127.0.0.1/tcp/0'] })
      net.nodes.push(boot)
      await boot.start()
      const bootstrap = [boot.multiaddrs[0]!.toString()]
      const others = rest.map(
        (spec, i) => new ZkpNode({ ...spec, dataDir: join(root, `n${i + 1}`), listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap }),
      )
      net.nodes.push(...others)
      await Promise.all(others.map((n) => n.start()))
      await net.waitForMesh()
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

  /** Waits until every node sees every other node subscribed to the ask topic. */
  async waitForMesh(): Promise<void> {
    const want = this.nodes.length - 1
    await waitFor(
      () => this.nodes.every((n) => n.host.services.pubsub.getSubscribers(n.gossip.topics.ask).length >= Math.min(want, 1) &&
        n.host.services.pubsub.getSubscribers(n.gossip.topics.result).length >= Math.min(want, 1)),
      'gossip subscriptions',
    )
    // The first node is connected to all; the others reach each other through it (gossip) or the DHT (streams).
    await waitFor(
      () => this.node(0).host.services.pubsub.getSubscribers(this.node(0).gossip.topics.bid).length >= want,
      'every node subscribed at the bootstrap node',
    )
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.nodes.map((n) => n.stop()))
    await rm(this.root, { recursive: true, force: true })
  }
}
