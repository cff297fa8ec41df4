import type { PeerId } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import type { ZkpHost } from '../network/host.ts'

/** How many of a peer's addresses a job journals, and the longest address kept. */
const MAX_JOURNALED_ADDRS = 8
const MAX_ADDR_CHARS = 256

/**
 * Where `peer` can be dialled now, to journal with work that will need to reach it after a restart (libp2p's
 * peer store lives in memory): the listen addresses it told us through identify, then the addresses of
 * connections we dialled to it (an inbound connection's remote address is an ephemeral port, not dialable).
 */
export async function dialableAddresses(host: ZkpHost, peer: PeerId): Promise<string[]> {
  const known = await host.peerStore.get(peer).then(
    (p) => p.addresses.map((a) => a.multiaddr.toString()),
    () => [],
  )
  const dialled = host
    .getConnections(peer)
    .filter((c) => c.direction === 'outbound')
    .map((c) => c.remoteAddr.toString())
  return [...new Set([...known, ...dialled])]
    .filter((a) => a.length <= MAX_ADDR_CHARS)
    .slice(0, MAX_JOURNALED_ADDRS)
}

/**
 * Puts journaled addresses of `peer` back in the peer store, so that a dial by peer id finds them at once
 * rather than waiting on peer routing (a node just restarted knows nobody). Addresses that no longer parse
 * are skipped.
 */
export async function rememberAddresses(
  host: ZkpHost,
  peer: PeerId,
  addrs: readonly string[] | undefined,
): Promise<void> {
  const parsed = (addrs ?? []).slice(0, MAX_JOURNALED_ADDRS).flatMap((a) => {
    try {
      return [multiaddr(a)]
    } catch {
      return []
    }
  })
  if (parsed.length > 0) await host.peerStore.merge(peer, { multiaddrs: parsed })
}
