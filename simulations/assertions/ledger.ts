import type { ZkpNode } from '../../node/node.ts'
import { DEFAULT_WEIGHTS, reputationScore } from '../../protocol/auction/auction.ts'
import { toHex } from '../../protocol/codec/hash.ts'
import { PPM } from '../../protocol/reputation/figures.ts'
import type { Capture, Outcome, SimAssertion } from './assertions.ts'

/** A prover's reputation as the auction weighs it (default weights), 0..1, on `node`'s ledger. */
export function reputationOf(node: ZkpNode, peerId: string): number {
  return reputationScore(node.ledger.figures(peerId), DEFAULT_WEIGHTS) / PPM
}

/** Running nodes grouped by ledger root. */
export function rootsOf(c: Capture): Map<string, string[]> {
  const roots = new Map<string, string[]>()
  for (const n of c.fleet.running()) {
    const root = toHex(n.node.ledger.root())
    roots.set(root, [...(roots.get(root) ?? []), n.name])
  }
  return roots
}

/** At the end (after the settle period): every running node has the same ledger root. */
export class LedgerConverges implements SimAssertion {
  readonly name = 'ledger-converges'
  private maxSplit = 0

  tick(c: Capture): void {
    this.maxSplit = Math.max(this.maxSplit, rootsOf(c).size)
  }

  finish(c: Capture): Outcome {
    const roots = rootsOf(c)
    const sizes = c.fleet.running().map((n) => n.node.ledger.size)
    if (roots.size === 1) {
      return {
        name: this.name,
        ok: true,
        detail: `${sizes.length} nodes agree on ${sizes[0] ?? 0} records (at most ${this.maxSplit} distinct roots during the run)`,
      }
    }
    const groups = [...roots.values()].map(
      (names) => `[${names.slice(0, 6).join(' ')}${names.length > 6 ? ' …' : ''}]`,
    )
    return {
      name: this.name,
      ok: false,
      detail: `${roots.size} distinct roots; record counts ${Math.min(...sizes)}..${Math.max(...sizes)}: ${groups.join(' ')}`,
    }
  }
}

/** At the end, on every running node: every prover of `below` ranks under every prover of `above`. */
export class ReputationOrder implements SimAssertion {
  readonly name: string

  constructor(
    private readonly below: readonly string[],
    private readonly above: readonly string[],
  ) {
    this.name = `reputation-order (${below.join(',')} < ${above.join(',')})`
  }

  finish(c: Capture): Outcome {
    const members = (groups: readonly string[]) => c.fleet.nodes.filter((n) => groups.includes(n.group.group))
    const low = members(this.below)
    const high = members(this.above)
    const running = c.fleet.running()
    let worst = ''
    for (const observer of running) {
      const top = Math.max(...low.map((n) => reputationOf(observer.node, n.peerId)))
      const floor = Math.min(...high.map((n) => reputationOf(observer.node, n.peerId)))
      if (!(top < floor)) {
        worst = `on ${observer.name}: highest of ${this.below.join(',')} ${top.toFixed(3)} ≥ lowest of ${this.above.join(',')} ${floor.toFixed(3)}`
        break
      }
    }
    const ref = running.find((n) => n.group.roles.includes('requester')) ?? running[0]
    const show = (ns: typeof low) =>
      ref === undefined
        ? ''
        : ns.map((n) => `${n.name} ${reputationOf(ref.node, n.peerId).toFixed(3)}`).join(', ')
    return {
      name: this.name,
      ok: worst === '' && running.length > 0,
      detail:
        worst !== ''
          ? worst
          : `on all ${running.length} nodes; on ${ref?.name}: ${show(low)} | ${show(high)}`,
    }
  }
}
