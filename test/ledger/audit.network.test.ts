/**
 * Award audits over real libp2p nodes: an honest requester's award checks out on every other node; a requester
 * that awards against the rule (the dearer of two neutral provers first) is flagged by every other node, loses
 * its gossipsub standing, and shows as such through the local API and the CLI.
 */
import { defaultLogger } from '@libp2p/logger'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { main } from '../../cli/main.ts'
import { ApiServer } from '../../node/api/server.ts'
import { loadOrCreateIdentity } from '../../node/identity.ts'
import type { ZkpNode } from '../../node/node.ts'
import { bidKey } from '../../node/store/repositories.ts'
import { DEFAULT_WEIGHTS } from '../../protocol/auction/auction.ts'
import { toHex } from '../../protocol/codec/hash.ts'
import { Ask, Award, type SignedBid } from '../../protocol/task/messages.ts'
import { makeAsk, makeAward, type TestKey } from '../helpers/messages.ts'
import { circuitDir, TestNetwork, waitFor } from '../helpers/network.ts'

const options = { audit: { delayMs: 300 } }

/** Runs the CLI in this process; returns its exit code and what it printed. */
async function cli(args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = ''
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk)
    return true
  })
  try {
    return { code: await main(['node', 'zkp-node', ...args]), stdout }
  } finally {
    spy.mockRestore()
  }
}

describe('award audits', () => {
  let net: TestNetwork
  let api: ApiServer
  let circuitId: string
  let honestTask: string
  let rogueTask: string
  let rogue: TestKey
  const observers = () => [net.node(0), net.node(2), net.node(3)]
  const reportOn = (n: ZkpNode, taskId: string) => n.auditor.report(taskId)

  beforeAll(async () => {
    net = await TestNetwork.create([
      { roles: ['requester'], options }, // 0: honest requester
      { roles: ['requester'], options }, // 1: rogue requester (its own identity signs the rogue award)
      { roles: ['prover'], prover: { price: 10n }, options },
      { roles: ['prover'], prover: { price: 50n }, options },
    ])
    api = new ApiServer(
      { node: net.node(2), log: defaultLogger().forComponent('test:api') },
      { dataDir: net.node(2).config.dataDir },
    )
    await api.start()
    circuitId = await net.node(0).addCircuit(circuitDir('tiny'))
    honestTask = await net.node(0).submit({
      circuitId,
      input: new TextEncoder().encode('{"a":"3","b":"11","nonce":"7"}'),
      maxPrice: 100n,
      bidWindowMs: 1200,
      provingDeadlineMs: 60_000,
      closeAfterBids: 0,
    })
    await waitFor(
      async () => (await net.node(0).task(honestTask))?.state === 'completed',
      'honest task',
      60_000,
    )
  })

  afterAll(async () => {
    await api?.stop()
    await net?.stop()
  })

  it('finds an honest award and its record in order, on every other node', async () => {
    for (const n of [net.node(1), net.node(2), net.node(3)]) {
      await waitFor(async () => (await reportOn(n, honestTask)) !== undefined, 'honest audit')
    }
    // The record arrives after the award: audit again now that every node holds and has re-verified it.
    for (const n of [net.node(1), net.node(2), net.node(3)]) {
      await waitFor(() => n.ledger.size === 1 && n.ledger.pending === 0, 'record re-verified')
      const report = await n.auditor.audit(honestTask)
      expect(report.outcome).toBe('ok')
      expect(report.bids).toEqual({ source: 'local', eligible: 2 })
      expect(report.records).toMatchObject([
        { verdict: 'valid', status: 'confirmed', prover: net.node(2).peerId },
      ])
    }
    const { code, stdout } = await cli(['audit', honestTask, '--data-dir', net.node(2).config.dataDir])
    expect(stdout).toMatch(/: OK\n/)
    expect(stdout).toMatch(/valid\s+confirmed/)
    expect(code).toBe(0)
  })

  it('flags a requester that awards against the rule, on every other node', async () => {
    rogue = { key: await loadOrCreateIdentity(net.node(1).config.dataDir), peerId: net.node(1).peerId }
    const publish = (type: 'ask' | 'award', bytes: Uint8Array) =>
      net.node(1).host.services.pubsub.publish(net.node(1).gossip.topics[type], bytes)
    const ask = await makeAsk(rogue, { circuitId, createdAt: Date.now(), maxPrice: 100n, bidWindowMs: 1500 })
    rogueTask = toHex(Ask.id(ask))
    // Gossipsub does not deliver a node's own messages to it: the rogue keeps its ask itself, as a requester does.
    await net.node(1).repos.asks.put(rogueTask, ask)
    await publish('ask', Ask.encode(ask))
    const bidOf = (n: ZkpNode, p: ZkpNode) => n.repos.bids.get(bidKey(rogueTask, p.peerId))
    await waitFor(
      async () =>
        (await bidOf(net.node(1), net.node(2))) !== undefined &&
        (await bidOf(net.node(1), net.node(3))) !== undefined,
      'both provers bid on the rogue ask',
    )
    const cheap = (await bidOf(net.node(1), net.node(2))) as SignedBid
    const dear = (await bidOf(net.node(1), net.node(3))) as SignedBid
    const held = async (n: ZkpNode) =>
      (await n.repos.bids.has(bidKey(rogueTask, net.node(2).peerId))) &&
      (await n.repos.bids.has(bidKey(rogueTask, net.node(3).peerId)))
    await waitFor(async () => (await Promise.all(observers().map(held))).every(Boolean), 'bids everywhere')
    // The right snapshot and bid set, the right weights, the wrong order: the dearer prover first.
    const createdAt = Date.now()
    const award = await makeAward(rogue, ask, [dear, cheap], {
      ledgerRoot: net.node(1).ledger.keys.snapshotRoot(ask.body.createdAt - 60_000).root,
      weights: DEFAULT_WEIGHTS,
      createdAt,
      provingDeadline: createdAt + ask.body.provingDeadlineMs,
    })
    await publish('award', Award.encode(award))
    for (const n of observers()) {
      await waitFor(
        async () => (await reportOn(n, rogueTask))?.outcome === 'violation',
        'rogue flagged',
        30_000,
      )
      const report = (await reportOn(n, rogueTask))!
      expect(report.findings.find((f) => f.check === 'ranking')?.detail).toMatch(/^rank 1: the rule gives/)
      expect(n.auditor.violations(rogue.peerId)).toBe(1)
    }
    await waitFor(() => net.node(0).host.services.pubsub.getScore(rogue.peerId) < -80, 'rogue graylisted')
  })

  it('shows the audit and the flag through the CLI', async () => {
    const audit = await cli(['audit', rogueTask, '--data-dir', net.node(2).config.dataDir])
    expect(audit.code).toBe(1)
    expect(audit.stdout).toMatch(/VIOLATION/)
    expect(audit.stdout).toMatch(/FAIL ranking/)
    const rep = await cli(['reputation', '--json', '--data-dir', net.node(2).config.dataDir])
    expect(rep.code).toBe(0)
    const summary = JSON.parse(rep.stdout)
    const row = summary.peers.find((p: { peer: string }) => p.peer === rogue.peerId)
    expect(row).toMatchObject({ auditViolations: 1, appScore: -100 })
    const winner = summary.peers.find((p: { peer: string }) => p.peer === net.node(2).peerId)
    expect(winner.records).toEqual({ valid: 1, invalid: 0, timeout: 0 })
    const table = await cli(['reputation', '--data-dir', net.node(2).config.dataDir])
    expect(table.stdout).toMatch(/awards against the rule: 1/)
  })

  it('names the field when the CLI or the API gets a bad id', async () => {
    const bad = await cli(['audit', 'xyz', '--data-dir', net.node(2).config.dataDir])
    expect(bad.code).toBe(2)
    const stranger = await cli(['reputation', '0OIl', '--data-dir', net.node(2).config.dataDir])
    expect(stranger.code).toBe(2)
    const unknown = await cli(['audit', '00'.repeat(32), '--data-dir', net.node(2).config.dataDir])
    expect(unknown.code).toBe(1)
  })
})
