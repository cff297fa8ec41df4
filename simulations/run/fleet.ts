import type { ZkpNode } from '../../node/node.ts'
import { LinkConditions } from '../faults/links.ts'
import { Spammer } from '../faults/spam.ts'
import { LocalNetwork } from '../local-network.ts'
import type { Rng } from '../random.ts'
import type { Selector } from '../scenario/schema.ts'
import type { Member, Plan } from './plan.ts'

/** A planned member and what it is now. */
export interface SimNode extends Member {
  /** The running ZkpNode, or undefined while it is down. */
  node: ZkpNode | undefined
  spammer: Spammer | undefined
  /** How many times it was started (1 at first). */
  starts: number
}

export type StartHook = (n: SimNode, node: ZkpNode) => void

/**
 * The simulation's nodes: a LocalNetwork of real ZkpNodes, plus what the simulator attaches to each one
 * (link conditions, spam, listeners), attached again on every restart. Gossip counters of stopped node
 * instances are kept, so message counts survive crashes. stop() is idempotent and always stops everything.
 */
export class Fleet {
  readonly nodes: SimNode[]
  readonly links: LinkConditions
  /** Gossip counters of node instances that stopped. */
  readonly retired: Record<string, number> = {}
  private readonly hooks: StartHook[] = []
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly restarting = new Set<Promise<void>>()
  private stopped = false

  private readonly allows: (a: number, b: number) => boolean

  private constructor(
    readonly net: LocalNetwork,
    plan: Plan,
    rng: Rng,
  ) {
    this.allows = (a, b) => plan.topology.allows(a, b)
    this.links = new LinkConditions(rng.fork('links'))
    this.nodes = plan.members.map((m, i) => ({
      ...m,
      node: net.node(i),
      spammer:
        m.group.spam === undefined ? undefined : new Spammer(m.group.spam.perSecond, m.group.spam.topic),
      starts: 1,
    }))
  }

  static async start(plan: Plan, root: string, rng: Rng, gossipTimeoutMs: number): Promise<Fleet> {
    const net = await LocalNetwork.create(
      plan.members.map((m) => m.spec),
      { root, gossipTimeoutMs, startBatch: 10 },
    )
    return new Fleet(net, plan, rng)
  }

  /** Runs `hook` for every running node now and for every node started later. */
  onStart(hook: StartHook): void {
    this.hooks.push(hook)
    for (const n of this.nodes) if (n.node !== undefined) hook(n, n.node)
  }

  /** Attaches link conditions and spam to every node; spam starts its `after` ms past `t0`. */
  arm(t0: number): void {
    for (const n of this.nodes)
      if (n.spammer !== undefined) n.spammer.notBefore = t0 + (n.group.spam?.after ?? 0)
    this.onStart((n, node) => {
      this.links.attach(n.name, node)
      n.spammer?.start(node)
    })
  }

  running(): Array<SimNode & { node: ZkpNode }> {
    return this.nodes.filter((n): n is SimNode & { node: ZkpNode } => n.node?.started === true)
  }

  /** The nodes a selector names, chosen by `rng` when it asks for a count or a fraction. */
  select(sel: Selector, rng: Rng): SimNode[] {
    const groups = typeof sel.group === 'string' ? [sel.group] : sel.group
    const pool = this.nodes.filter((n) => groups.includes(n.group.group))
    const k =
      sel.count !== undefined
        ? sel.count
        : sel.fraction !== undefined
          ? Math.round(sel.fraction * pool.length)
          : pool.length
    return rng.sample(pool, k).sort((a, b) => a.index - b.index)
  }

  /** Stops a node (as a crash would end it) and starts it again on the same data directory after `downMs`. */
  async crash(n: SimNode, downMs: number, onRestart?: (n: SimNode) => void): Promise<void> {
    const node = n.node
    if (node === undefined || this.stopped) return
    n.node = undefined
    n.spammer?.stop()
    this.links.detach(n.name)
    for (const [k, v] of Object.entries(node.gossip.counters)) this.retired[k] = (this.retired[k] ?? 0) + v
    await this.net.stopNode(n.index)
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      if (this.stopped) return
      const restart = this.net.startNode(n.index).then(
        async (fresh) => {
          if (this.stopped) return
          await this.rejoin(n, fresh)
          n.node = fresh
          n.starts++
          for (const hook of this.hooks) hook(n, fresh)
          onRestart?.(n)
        },
        () => {},
      )
      this.restarting.add(restart)
      void restart.finally(() => this.restarting.delete(restart))
    }, downMs)
    this.timers.add(timer)
  }

  /**
   * Dials a few running peers the restarted node may link to, other than hubs: what the address book of a
   * long-running node would give it (libp2p's peer store is in memory, so a restart forgets every address
   * but its bootstrap list and the requesters its jobs journaled).
   */
  private async rejoin(n: SimNode, node: ZkpNode): Promise<void> {
    const peers = this.running().filter((m) => m !== n && !m.group.roles.includes('requester'))
    const allowed = peers.filter((m) => this.allows(n.index, m.index)).slice(0, 3)
    await Promise.all(allowed.map((m) => node.host.dial(m.node.multiaddrs[0]!).catch(() => {})))
  }

  /** Gossip verdict counters summed over every node instance, stopped ones included. */
  counters(): Record<string, number> {
    const sum: Record<string, number> = { ...this.retired }
    for (const n of this.running()) {
      for (const [k, v] of Object.entries(n.node.gossip.counters)) sum[k] = (sum[k] ?? 0) + v
    }
    return sum
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    // A node half way through starting again would escape the network's stop.
    await Promise.allSettled(this.restarting)
    for (const n of this.nodes) {
      n.spammer?.stop()
      this.links.detach(n.name)
    }
    await this.net.stop()
  }
}
