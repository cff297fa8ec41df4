/**
 * The replicated ledger over real libp2p nodes on 127.0.0.1: records spread by gossip, a partition heals, a
 * node restarts, a node joins late, and every node ends with the same ledger root and the same verdicts on
 * every record (re-verified with real Groth16 proofs of the tiny circuit).
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadOrCreateIdentity } from '../../node/identity.ts'
import { ZkpNode, type ZkpNodeOptions } from '../../node/node.ts'
import { toHex } from '../../protocol/codec/hash.ts'
import { Result, type SignedResult } from '../../protocol/task/messages.ts'
import { heal, LinkFilter, partition } from '../../simulations/faults/partition.ts'
import { makeKeys, type TestKey } from '../helpers/messages.ts'
import { circuitDir, TestNetwork, waitFor } from '../helpers/network.ts'
import { broken, makeRecord, type RealProof, realProofs } from './fixtures.ts'

const fast: ZkpNodeOptions = { ledgerSync: { intervalMs: 1_000, minPeerIntervalMs: 300 } }

describe('ledger replication', () => {
  let net: TestNetwork
  let keys: TestKey[]
  let proofs: RealProof[]
  let circuitId: string
  let serial = 0
  const localOnly: SignedResult[] = []
  const filters = [new LinkFilter(), new LinkFilter(), new LinkFilter()]
  const member = (i: number) => ({ node: net.node(i), filter: filters[i]! })

  /** A record with a real proof (or a timeout), by one of the test requesters. */
  const record = (opts: { proof?: RealProof; verdict?: 'valid' | 'invalid'; requester?: TestKey } = {}) =>
    makeRecord({
      requester: opts.requester ?? keys[serial % 2]!,
      prover: keys[2 + (serial++ % 2)]!,
      circuitId,
      ...(opts.proof !== undefined ? { proof: opts.proof } : {}),
      ...(opts.verdict !== undefined ? { verdict: opts.verdict } : {}),
    })
  /** Gossips records from node i (which keeps them itself: gossipsub does not deliver to the sender). */
  const publish = async (i: number, records: SignedResult[]) => {
    for (const r of records) {
      await net.node(i).ledger.apply(r)
      await net.node(i).gossip.publishResult(r)
    }
  }
  const roots = (nodes: ZkpNode[]) => new Set(nodes.map((n) => toHex(n.ledger.root())))
  const converged = (nodes: ZkpNode[], size: number, what: string) =>
    waitFor(() => nodes.every((n) => n.ledger.size === size) && roots(nodes).size === 1, what, 45_000)
  const verdicts = (n: ZkpNode) =>
    [...n.ledger.keys.all()].map((e) => `${e.idHex.slice(0, 8)}:${e.status ?? 'pending'}`).sort()

  beforeAll(async () => {
    keys = await makeKeys(4, 1400)
    proofs = await realProofs(3)
    net = await TestNetwork.create(
      filters.map((f) => ({ roles: ['requester' as const], options: { ...fast, connectionGater: f.gater } })),
    )
    // Node 0 holds the circuit: the others fetch its verification key (requester hint, then the DHT).
    circuitId = await net.node(0).addCircuit(circuitDir('tiny'))
  })

  afterAll(async () => {
    await net?.stop()
  })

  it('spreads records by gossip to every node', async () => {
    await publish(0, [await record({ proof: proofs[0] }), await record(), await record({ proof: proofs[1] })])
    await converged(net.nodes, 3, 'gossiped records everywhere')
  })

  it('after a partition heals, every node holds the records of both sides', async () => {
    await partition([member(2)], [member(0), member(1)])
    await publish(0, [
      await record({ proof: proofs[2] }),
      await record({ proof: broken(proofs[0]!), verdict: 'invalid' }),
    ])
    // Records node 2 made alone on its side of the cut: they travel by sync only, never by gossip.
    localOnly.push(await record(), await record({ proof: proofs[1] }))
    await net.node(2).ledger.applyMany(localOnly)
    await waitFor(() => net.node(1).ledger.size === 5, 'gossip within the majority side')
    expect(net.node(2).ledger.size).toBe(5)
    expect(roots(net.nodes).size).toBe(2)
    await heal([member(0), member(1), member(2)])
    await converged(net.nodes, 7, 'ledgers merged after the partition')
  })

  it('a node that was down catches up when it restarts', async () => {
    const n1 = net.node(1)
    await n1.stop()
    await publish(0, [await record({ proof: proofs[0] }), await record()])
    await waitFor(() => net.node(2).ledger.size === 9, 'records while node 1 is down')
    await n1.start()
    expect(n1.ledger.size).toBe(7)
    await converged(net.nodes, 9, 'restarted node caught up')
  })

  it('a node that joins late syncs everything, and re-verifies every record as the others did', async () => {
    const late = new ZkpNode(
      {
        roles: ['requester'],
        listen: ['/ip4/127.0.0.1/tcp/0'],
        localNetwork: true,
        bootstrap: [net.node(0).multiaddrs[0]!.toString()],
        dataDir: join(net.root, 'late'),
      },
      fast,
    )
    net.nodes.push(late)
    await late.start()
    await converged(net.nodes, 9, 'late joiner synced')
    await waitFor(() => net.nodes.every((n) => n.ledger.pending === 0), 're-verified everywhere', 45_000)
    const expected = verdicts(net.node(0))
    for (const n of net.nodes) expect(verdicts(n)).toEqual(expected)
    expect(expected.filter((v) => v.endsWith(':confirmed')).length).toBe(6)
  })

  it('ignores a replayed record and rejects a forged one, on every node', async () => {
    // A record every node holds but that was never gossiped, so gossipsub's seen cache cannot drop it.
    const replay = localOnly[1]!
    const forged = { ...replay, body: { ...replay.body, verdict: 'invalid' as const } }
    const root = toHex(net.node(0).ledger.root())
    const count = (key: string) => net.nodes.slice(1).reduce((n, x) => n + (x.gossip.counters[key] ?? 0), 0)
    await net.node(0).host.services.pubsub.publish(net.node(0).gossip.topics.result, Result.encode(replay))
    await net.node(0).host.services.pubsub.publish(net.node(0).gossip.topics.result, Result.encode(forged))
    await waitFor(() => count('result.reject.BAD_SIGNATURE') >= 1, 'forgery rejected')
    await waitFor(() => count('result.ignore.DUPLICATE') >= 1, 'replay ignored')
    for (const n of net.nodes) {
      expect(n.ledger.has(toHex(Result.id(forged)))).toBe(false)
      expect(toHex(n.ledger.root())).toBe(root)
    }
  })

  it('brands the signer of a contradicted record on every node, and graylists it', async () => {
    // The late joiner signs a verdict its proof contradicts: a proof that does not verify, judged valid.
    const late = net.nodes[3]!
    const liar = { key: await loadOrCreateIdentity(late.config.dataDir), peerId: late.peerId }
    const lie = await record({ proof: broken(proofs[1]!), requester: liar })
    const before = net.node(0).ledger.tally(lie.body.prover)
    await publish(3, [lie])
    await waitFor(
      () => net.nodes.every((n) => n.ledger.view().liars.has(liar.peerId)),
      'liar known everywhere',
      45_000,
    )
    for (const n of net.nodes)
      expect(n.ledger.entry(toHex(Result.id(lie)))?.entry.status).toBe('contradicted')
    // The lie does not count for (or against) the prover it names.
    expect(net.node(0).ledger.tally(lie.body.prover)).toEqual(before)
    await waitFor(() => net.node(0).host.services.pubsub.getScore(liar.peerId) < -80, 'liar graylisted')
    expect(net.node(0).host.services.pubsub.getScore(net.node(1).peerId)).toBeGreaterThanOrEqual(0)
  })
})
