import { randomBytes } from 'node:crypto'
import type { ZkpNode } from '../../node/node.ts'
import type { GossipType } from '../../protocol/topics/topic.ts'

/**
 * A node that floods a gossip topic with junk (random bytes, which no validator can decode: each copy is a
 * REJECT at the peer that receives it, and costs the spammer gossipsub score there). It publishes through
 * gossipsub directly, past the node's own checks. start()/stop() are idempotent; restart after a node restart.
 */
export class Spammer {
  private timer: NodeJS.Timeout | undefined
  sent = 0

  constructor(
    private readonly perSecond: number,
    private readonly topic: GossipType,
  ) {}

  /** Unix ms before which nothing is sent (set when the load starts). */
  notBefore = Number.POSITIVE_INFINITY

  start(node: ZkpNode): void {
    if (this.timer !== undefined) return
    const topic = node.gossip.topics[this.topic]
    this.timer = setInterval(
      () => {
        if (!node.started || Date.now() < this.notBefore) return
        this.sent++
        node.host.services.pubsub.publish(topic, randomBytes(96)).catch(() => {})
      },
      Math.max(10, Math.round(1000 / this.perSecond)),
    )
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }
}
