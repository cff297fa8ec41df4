import type { ZkpNode } from '../../../node/node.ts'
import { ZkpError } from '../../../protocol/errors.ts'
import { LocalNetwork, waitFor } from '../../../simulations/local-network.ts'

export interface DemoProver {
  label: string
  price: bigint
  node: ZkpNode
}

export interface DemoNetwork {
  net: LocalNetwork
  requester: ZkpNode
  provers: DemoProver[]
  /** Peer id → a readable name (requester, prover-1, …). */
  labels: Map<string, string>
}

/** Prices step up so the auction has something to choose between: 100, 150, 200, … */
export const proverPrice = (i: number): bigint => 100n + 50n * BigInt(i)

/**
 * One requester (the bootstrap node) and `count` provers in this process, data under `root`. LocalNetwork
 * waits for gossip subscriptions; we also wait for the requester's ask mesh, which relays (our own publishes
 * are flooded to subscribers anyway), up to gossipsub's low-water mark of 4 peers.
 */
export async function startDemoNetwork(root: string, count: number): Promise<DemoNetwork> {
  const prices = Array.from({ length: count }, (_, i) => proverPrice(i))
  const net = await LocalNetwork.create(
    [{ roles: ['requester'] }, ...prices.map((price) => ({ roles: ['prover' as const], prover: { price } }))],
    { root },
  )
  const requester = net.node(0)
  const provers = prices.map((price, i) => ({ label: `prover-${i + 1}`, price, node: net.node(i + 1) }))
  const labels = new Map([
    [requester.peerId, 'requester'],
    ...provers.map((p): [string, string] => [p.node.peerId, p.label]),
  ])
  try {
    await waitFor(() => meshSize(requester) >= Math.min(count, 4), "the requester's gossip mesh", 30_000)
  } catch (err) {
    await net.stop()
    throw new ZkpError('TIMEOUT', `provers did not join the requester's gossip mesh`, {}, { cause: err })
  }
  return { net, requester, provers, labels }
}

/** getMeshPeers is gossipsub's own, not on the PubSub interface the host type exposes. */
export function meshSize(node: ZkpNode): number {
  const pubsub = node.host.services.pubsub as unknown as { getMeshPeers?: (topic: string) => string[] }
  return pubsub.getMeshPeers?.(node.gossip.topics.ask).length ?? Number.POSITIVE_INFINITY
}
