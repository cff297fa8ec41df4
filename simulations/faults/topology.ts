import type { ConnectionGater, PeerId } from '@libp2p/interface'
import type { Rng } from '../random.ts'
import type { LinkFilter } from './partition.ts'

/**
 * Which nodes may hold a connection to which, as a symmetric relation over node indices. `hubs` (the bootstrap
 * node and the requesters, which every prover must reach directly for inputs and deliveries) link to everyone;
 * every other node links to at most about `degree` others: a ring, so the graph stays connected, plus random
 * chords. Without a degree, everyone may link to everyone (what the DHT then builds on a small network).
 */
export class Topology {
  private readonly links: Array<Set<number>> | undefined

  constructor(
    readonly size: number,
    hubs: ReadonlySet<number>,
    degree: number | undefined,
    rng: Rng,
  ) {
    if (degree === undefined) return
    const links = Array.from({ length: size }, () => new Set<number>())
    const link = (a: number, b: number) => {
      if (a === b) return
      links[a]!.add(b)
      links[b]!.add(a)
    }
    const plain = [...Array(size).keys()].filter((i) => !hubs.has(i))
    for (const h of hubs) for (let j = 0; j < size; j++) link(h, j)
    plain.forEach((a, k) => {
      if (plain.length > 1) link(a, plain[(k + 1) % plain.length]!)
    })
    const plainDegree = (x: number) => [...links[x]!].filter((y) => !hubs.has(y)).length
    for (const a of plain) {
      for (const b of rng.sample(plain, degree)) {
        if (plainDegree(a) >= degree) break
        if (plainDegree(b) < degree) link(a, b)
      }
    }
    this.links = links
  }

  allows(a: number, b: number): boolean {
    return this.links === undefined || a === b || this.links[a]!.has(b)
  }

  /** Peers node `a` may link to, hubs included. */
  degree(a: number): number {
    return this.links === undefined ? this.size - 1 : this.links[a]!.size
  }
}

/**
 * One node's connection gater: the topology's limits, then the partition filter (faults/partition.ts). Peers
 * the simulation does not know are let through.
 */
export function simGater(
  self: number,
  topology: Topology,
  indexOf: (peer: string) => number | undefined,
  filter: LinkFilter,
): ConnectionGater {
  const deny = (peer: PeerId): boolean => {
    const id = peer.toString()
    if (filter.blocked.has(id)) return true
    const other = indexOf(id)
    return other !== undefined && !topology.allows(self, other)
  }
  return {
    denyDialPeer: deny,
    denyInboundEncryptedConnection: deny,
    denyOutboundEncryptedConnection: deny,
  }
}
