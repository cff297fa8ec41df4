import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { bootstrap } from '@libp2p/bootstrap'
import { gossipsub, StrictNoSign } from '@libp2p/gossipsub'
import { createTopicScoreParams } from '@libp2p/gossipsub/score'
import { identify } from '@libp2p/identify'
import type { ComponentLogger, ConnectionGater, Libp2p, PrivateKey } from '@libp2p/interface'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { sha256 } from '../../protocol/codec/hash.ts'
import { PROTOCOL_PREFIX } from '../../protocol/constants.ts'

export interface HostInit {
  privateKey: PrivateKey
  listen: string[]
  announce?: string[]
  bootstrap: string[]
  /** Allow peers that share our IP to fill the mesh: needed for local networks and tests. */
  localNetwork: boolean
  /** Our gossip topics: each gets score parameters that penalise invalid messages. */
  topics: string[]
  /** Gossipsub's application-specific score of a peer (P5, weight 1): what the reputation ledger says of it. */
  appScore?: (peerId: string) => number
  logger?: ComponentLogger
  /** Decides which peers may connect: tests and the simulator use it to split and heal networks. */
  connectionGater?: ConnectionGater
  /** How connections are checked for liveness (see ZkpNodeOptions.liveness); libp2p's defaults if absent. */
  liveness?: { pingIntervalMs: number; abortOnPingFailure: boolean }
}

/**
 * Topic scoring: only invalid messages (validator REJECT) count, heavily. A market's topics are quiet, so
 * delivery-rate penalties, which assume steady traffic, would punish honest peers.
 */
function topicScore() {
  return createTopicScoreParams({
    topicWeight: 1,
    timeInMeshWeight: 0,
    firstMessageDeliveriesWeight: 0,
    meshMessageDeliveriesWeight: 0,
    meshFailurePenaltyWeight: 0,
    invalidMessageDeliveriesWeight: -100,
    invalidMessageDeliveriesDecay: 0.99,
  })
}

export type ZkpServices = {
  pubsub: ReturnType<ReturnType<typeof gossipsub>>
  dht: ReturnType<ReturnType<typeof kadDHT>>
  identify: ReturnType<ReturnType<typeof identify>>
  ping: ReturnType<ReturnType<typeof ping>>
}

export type ZkpHost = Libp2p<ZkpServices>

/** One libp2p host: TCP, noise, yamux, identify, ping, gossipsub and a private kad-dht in server mode. */
export async function createHost(init: HostInit): Promise<ZkpHost> {
  const peerDiscovery = init.bootstrap.length > 0 ? [bootstrap({ list: init.bootstrap, timeout: 100 })] : []
  return createLibp2p({
    privateKey: init.privateKey,
    start: false,
    ...(init.logger !== undefined ? { logger: init.logger } : {}),
    addresses: { listen: init.listen, announce: init.announce ?? [] },
    ...(init.connectionGater !== undefined ? { connectionGater: init.connectionGater } : {}),
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery,
    ...(init.liveness !== undefined
      ? {
          connectionMonitor: {
            pingInterval: init.liveness.pingIntervalMs,
            abortConnectionOnPingFailure: init.liveness.abortOnPingFailure,
          },
        }
      : {}),
    connectionManager: {
      maxConnections: 300,
      // Local networks dial in bursts from one IP; the defaults would refuse them.
      inboundConnectionThreshold: init.localNetwork ? 10_000 : 5,
      maxIncomingPendingConnections: init.localNetwork ? 1_000 : 10,
    },
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({
        protocol: `${PROTOCOL_PREFIX}/kad/1.0.0`,
        clientMode: false,
        // Loopback and private addresses are what a local network has; the default mapper drops them.
        peerInfoMapper: passthroughMapper,
      }),
      pubsub: gossipsub({
        // Messages carry their own application signatures; gossipsub's envelope would add nothing.
        globalSignaturePolicy: StrictNoSign,
        msgIdFn: (msg) => sha256(msg.data),
        fallbackToFloodsub: false,
        emitSelf: false,
        allowPublishToZeroTopicPeers: true,
        ignoreDuplicatePublishError: true,
        scoreParams: {
          topics: Object.fromEntries(init.topics.map((t) => [t, topicScore()])),
          // Peers the ledger proves dishonest are graylisted (-100 < -80); failing provers lose mesh slots first.
          appSpecificScore: init.appScore ?? (() => 0),
          appSpecificWeight: 1,
          // Peers sharing one IP is normal on a local network; elsewhere it is how Sybils look.
          ...(init.localNetwork ? { IPColocationFactorWeight: 0 } : {}),
        },
      }),
    },
  })
}
