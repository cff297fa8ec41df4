import { setTimeout as sleep } from 'node:timers/promises'
import { defaultLogger } from '@libp2p/logger'
import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ArtifactFetcher } from '../../node/artifacts/fetcher.ts'
import { ARTIFACT_FRAME_BYTES, ARTIFACT_PROTOCOL, ArtifactRequest } from '../../protocol/artifact/index.ts'
import { artifactCid } from '../../protocol/artifact/manifest.ts'
import { framed } from '../../protocol/codec/frames.ts'
import { isZkpError } from '../../protocol/errors.ts'
import { circuitDir, TestNetwork } from '../helpers/network.ts'

/** Artifacts travel by content hash: found through the DHT, checked against their CID, cached. */
describe('artifact exchange', () => {
  let net: TestNetwork
  let circuitId: string

  beforeAll(async () => {
    // 0 bootstraps everyone; 1 holds the circuit; 2 and 3 fetch it; 3 will lie about what it serves.
    net = await TestNetwork.create([
      { roles: ['requester'] },
      { roles: ['requester'] },
      { roles: ['prover'] },
      { roles: ['prover'] },
    ])
    circuitId = await net.node(1).addCircuit(circuitDir('tiny'))
  })

  afterAll(async () => {
    await net?.stop()
  })

  const fetcherOf = (i: number) =>
    new ArtifactFetcher({
      host: net.node(i).host,
      artifacts: net.node(i).artifacts,
      log: defaultLogger().forComponent('test:fetch'),
    })

  it('finds a circuit through the DHT with no hint, and caches every artifact', async () => {
    const manifest = await fetcherOf(2).fetchCircuit(circuitId, [])
    expect(await net.node(2).artifacts.hasCircuit(circuitId)).toBe(true)
    const original = await net.node(1).artifacts.get(manifest.zkey)
    expect(Buffer.compare(await net.node(2).artifacts.get(manifest.zkey), original)).toBe(0)
  })

  it('skips a peer whose bytes do not match the CID and takes the artifact from an honest provider', async () => {
    const liar = net.node(3)
    const manifest = (await net.node(1).artifacts.manifest(circuitId))!
    await liar.host.unhandle(ARTIFACT_PROTOCOL)
    await liar.host.handle(ARTIFACT_PROTOCOL, async (stream) => {
      const f = framed(stream, ARTIFACT_FRAME_BYTES)
      await f.read(ArtifactRequest, 'request')
      const junk = new Uint8Array(1000).fill(7)
      await f.write({ status: 'ok', size: junk.byteLength })
      await f.writeBytes(junk)
      await f.close()
    })
    // The liar is the only hint, so it is tried first; its bytes fail the hash check, and the DHT then
    // names node 1, which holds the true artifact.
    const supplier = await fetcherOf(0).fetch(manifest.vkey, [liar.host.peerId], {
      signal: AbortSignal.timeout(30_000),
    })
    expect(supplier?.toString()).toBe(net.node(1).peerId)
    const kept = await net.node(0).artifacts.get(manifest.vkey)
    expect(Buffer.compare(kept, await net.node(1).artifacts.get(manifest.vkey))).toBe(0)
  })

  it('announces what it fetched, unless the caller fetched only to check records', async () => {
    const manifest = (await net.node(1).artifacts.manifest(circuitId))!
    const fetcher = fetcherOf(0)
    const signal = AbortSignal.timeout(30_000)
    await fetcher.fetch(manifest.wasm, [net.node(1).host.peerId], { signal, announce: false })
    await fetcher.fetch(manifest.zkey, [net.node(1).host.peerId], { signal })
    const providers = async (cid: string) => {
      const ids = new Set<string>()
      for await (const p of net.node(2).host.contentRouting.findProviders(CID.parse(cid), { signal }))
        ids.add(p.id.toString())
      return ids
    }
    const me = net.node(0).peerId
    // The announcement runs in the background: wait (boundedly) for the zkey's to land.
    for (let i = 0; i < 40 && !(await providers(manifest.zkey)).has(me); i++) await sleep(250)
    expect((await providers(manifest.zkey)).has(me)).toBe(true)
    const wasm = await providers(manifest.wasm)
    expect(wasm.has(net.node(1).peerId)).toBe(true)
    expect(wasm.has(me)).toBe(false)
  })

  it('reports the integrity failure when the liar is the only source', async () => {
    const liar = net.node(3)
    const store = net.node(0).artifacts
    // An artifact nobody honest announces: its CID is real but only the liar "has" it.
    const cid = artifactCid(new TextEncoder().encode('a file only the liar claims to have'))
    const err = await fetcherOf(0)
      .fetch(cid, [liar.host.peerId], { signal: AbortSignal.timeout(20_000) })
      .then(
        () => undefined,
        (e: unknown) => e,
      )
    expect(isZkpError(err, 'NOT_FOUND')).toBe(true)
    expect((err as Error).message).toMatch(/does not match/)
    expect(await store.has(cid)).toBe(false)
  })
})
