import type { ConnectionGater, PeerId } from '@libp2p/interface'
import type { ZkpNode } from '../../node/node.ts'

/**
 * A node's view of which peers it may not reach: a libp2p connection gater backed by a mutable block list.
 * Give each node its own (LocalNetwork's per-node `options.connectionGater`), then split and heal with
 * `partition` and `heal`. Real connections are refused and closed; nothing is simulated.
 */
export class LinkFilter {
  readonly blocked = new Set<string>()

  readonly gater: ConnectionGater = {
    denyDialPeer: (peer: PeerId) => this.blocked.has(peer.toString()),
    denyInboundEncryptedConnection: (peer: PeerId) => this.blocked.has(peer.toString()),
    denyOutboundEncryptedConnection: (peer: PeerId) => this.blocked.has(peer.toString()),
  }
}

/** Cuts every link between the two groups (both directions) and closes the connections they had. */
export async function partition(
  groupA: Array<{ node: ZkpNode; filter: LinkFilter }>,
  groupB: Array<{ node: ZkpNode; filter: LinkFilter }>,
): Promise<void> {
  for (const a of groupA) {
    for (const b of groupB) {
      a.filter.blocked.add(b.node.peerId)
      b.filter.blocked.add(a.node.peerId)
    }
  }
  await Promise.all(
    groupA.flatMap((a) => groupB.map((b) => a.node.host.hangUp(b.node.host.peerId).catch(() => {}))),
  )
}

/** Lifts every block and reconnects each node to the others it knows. */
export async function heal(members: Array<{ node: ZkpNode; filter: LinkFilter }>): Promise<void> {
  for (const m of members) m.filter.blocked.clear()
  await Promise.all(
    members.flatMap((a) =>
      members.filter((b) => b !== a).map((b) => a.node.host.dial(b.node.multiaddrs[0]!).catch(() => {})),
    ),
  )
}
