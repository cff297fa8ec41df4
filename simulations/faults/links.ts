import { setMaxListeners } from 'node:events'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { ZkpNode } from '../../node/node.ts'
import { type Distribution, draw, type Rng } from '../random.ts'
import { sleep } from '../sleep.ts'

/** What happens to gossip arriving at one node: held for a drawn delay, or dropped with probability `loss`. */
export interface LinkRule {
  delay?: Distribution
  loss: number
}

type Validator = NonNullable<ReturnType<ZkpNode['host']['services']['pubsub']['topicValidators']['get']>>

/**
 * Message delay and loss on the links into a node, applied where gossip enters it: each message a peer
 * relays to it waits a drawn delay before the node validates it (so it also reaches the node's own mesh
 * later: delays add up hop by hop), or is dropped (IGNORE: neither delivered nor relayed by this node, and
 * no penalty for the sender). Direct streams (inputs, proofs, artifacts, ledger sync) are not affected, and a
 * node's own messages leave it at once. attach() wraps the node's gossip validators and must be called again
 * after a restart (a new libp2p host).
 */
export class LinkConditions {
  private readonly rules = new Map<string, LinkRule>()
  private readonly wrapped = new WeakSet<Validator>()
  private readonly stops = new Map<string, AbortController>()
  dropped = 0
  delayed = 0

  constructor(private readonly rng: Rng) {}

  set(node: string, rule: LinkRule | undefined): void {
    if (rule === undefined || (rule.loss === 0 && rule.delay === undefined)) this.rules.delete(node)
    else this.rules.set(node, rule)
  }

  attach(name: string, node: ZkpNode): void {
    const pubsub = node.host.services.pubsub
    const rng = this.rng.fork(name)
    this.stops.get(name)?.abort()
    const stop = new AbortController()
    // Every message held at this node waits on this one signal.
    setMaxListeners(Number.POSITIVE_INFINITY, stop.signal)
    this.stops.set(name, stop)
    for (const topic of Object.values(node.gossip.topics)) {
      const inner = pubsub.topicValidators.get(topic)
      if (inner === undefined || this.wrapped.has(inner)) continue
      const outer: Validator = async (peer, message) => {
        const rule = this.rules.get(name)
        if (rule !== undefined) {
          if (rule.loss > 0 && rng.next() < rule.loss) {
            this.dropped++
            return TopicValidatorResult.Ignore
          }
          if (rule.delay !== undefined) {
            this.delayed++
            await sleep(draw(rng, rule.delay), stop.signal).catch(() => {})
          }
        }
        return inner(peer, message)
      }
      this.wrapped.add(outer)
      pubsub.topicValidators.set(topic, outer)
    }
  }

  /** Ends every pending delay (the node stopped). */
  detach(name: string): void {
    this.stops.get(name)?.abort()
    this.stops.delete(name)
  }
}
