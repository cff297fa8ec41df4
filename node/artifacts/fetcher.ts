import type { Logger, PeerId } from '@libp2p/interface'
import { CID } from 'multiformats/cid'
import {
  ARTIFACT_FRAME_BYTES,
  ARTIFACT_PROTOCOL,
  ARTIFACT_TIMEOUT_MS,
  ArtifactHeader,
} from '../../protocol/artifact/index.ts'
import { type CircuitManifest, MANIFEST_MAX_BYTES } from '../../protocol/artifact/manifest.ts'
import { framed } from '../../protocol/codec/frames.ts'
import { LIMITS } from '../../protocol/constants.ts'
import { errorMessage, ZkpError } from '../../protocol/errors.ts'
import type { ZkpHost } from '../network/host.ts'
import type { ArtifactStore } from './artifact-store.ts'

export interface FetcherComponents {
  host: ZkpHost
  artifacts: ArtifactStore
  log: Logger
}

export interface FetchOptions {
  signal?: AbortSignal
  /** Largest size the caller expects (the artifact limit if absent); a larger announced size fails at once. */
  maxBytes?: number
  /** Announce the artifact in the DHT once held (default true). */
  announce?: boolean
}

/** How long to look for providers in the DHT before giving up on an artifact. */
const FIND_PROVIDERS_MS = 10_000
const MAX_PROVIDERS = 8
/** Longest one dial may take, and longest a download may go without receiving a chunk. */
const DIAL_ATTEMPT_MS = 5_000
const STALL_MS = 10_000

/**
 * Fetches artifacts by CID: first from the peers the caller hints at (the requester of a task holds its
 * circuit), then from providers found in the DHT. Every artifact is hash-checked before it is kept, and once
 * held it is announced in the DHT so that later provers can fetch from us.
 */
export class ArtifactFetcher {
  private readonly inflight = new Map<string, Promise<PeerId>>()
  private readonly announced = new Set<string>()

  constructor(private readonly c: FetcherComponents) {}

  /** Makes sure every artifact of a circuit is held locally; returns its manifest. */
  async fetchCircuit(circuitId: string, hints: PeerId[], signal?: AbortSignal): Promise<CircuitManifest> {
    const supplier = await this.fetch(circuitId, hints, { signal, maxBytes: MANIFEST_MAX_BYTES })
    const manifest = await this.c.artifacts.manifest(circuitId)
    if (manifest === undefined) throw new ZkpError('NOT_FOUND', `manifest ${circuitId} missing after fetch`)
    // Whoever had the manifest most likely has the rest: ask it first, before another DHT lookup.
    const next = supplier === undefined ? hints : [supplier, ...hints]
    await Promise.all(
      [manifest.wasm, manifest.zkey, manifest.vkey].map((cid) => this.fetch(cid, next, { signal })),
    )
    return manifest
  }

  /**
   * Fetches one artifact unless already held; concurrent calls for the same CID share one download. Returns
   * the peer that supplied it (undefined when it was already held). Once fetched, the artifact is announced in
   * the DHT unless `announce` is false: a node that fetched a verification key only to check ledger records
   * does not serve circuits, and a hundred such announcements per key would cost a DHT walk each.
   */
  async fetch(cid: string, hints: PeerId[], options: FetchOptions = {}): Promise<PeerId | undefined> {
    if (await this.c.artifacts.has(cid)) return undefined
    let pending = this.inflight.get(cid)
    if (pending === undefined) {
      pending = this.download(cid, hints, options.signal, options.maxBytes ?? LIMITS.artifactBytes).finally(
        () => this.inflight.delete(cid),
      )
      this.inflight.set(cid, pending)
    }
    const supplier = await pending
    if (options.announce !== false) this.announce(cid)
    return supplier
  }

  /** Announces `cid` in the background, once per fetcher. */
  private announce(cid: string): void {
    if (this.announced.has(cid)) return
    this.announced.add(cid)
    void this.provide(cid)
  }

  /** Announces that we hold `cid`; best effort (provide resolves even when it reached nobody). */
  async provide(cid: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.c.host.contentRouting.provide(CID.parse(cid), {
        signal: signal ?? AbortSignal.timeout(10_000),
      })
    } catch (err) {
      this.c.log('provide %s: %s', cid, errorMessage(err))
    }
  }

  private async download(
    cid: string,
    hints: PeerId[],
    signal: AbortSignal | undefined,
    maxBytes: number,
  ): Promise<PeerId> {
    const tried = new Set<string>()
    const errors: string[] = []
    const attempt = async (peer: PeerId): Promise<boolean> => {
      if (tried.has(peer.toString()) || peer.equals(this.c.host.peerId)) return false
      tried.add(peer.toString())
      try {
        await this.downloadFrom(peer, cid, signal, maxBytes)
        return true
      } catch (err) {
        errors.push(`${peer.toString().slice(-8)}: ${errorMessage(err)}`)
        return false
      }
    }
    for (const peer of hints) if (await attempt(peer)) return peer
    for await (const peer of this.providers(cid, signal)) if (await attempt(peer)) return peer
    throw new ZkpError('NOT_FOUND', `no peer could supply ${cid} (${errors.join('; ') || 'no providers'})`, {
      cid,
    })
  }

  private async *providers(cid: string, signal?: AbortSignal): AsyncGenerator<PeerId> {
    const timeout = AbortSignal.timeout(FIND_PROVIDERS_MS)
    const s = signal === undefined ? timeout : AbortSignal.any([signal, timeout])
    let n = 0
    try {
      for await (const p of this.c.host.contentRouting.findProviders(CID.parse(cid), { signal: s })) {
        yield p.id
        if (++n >= MAX_PROVIDERS) return
      }
    } catch (err) {
      this.c.log('findProviders %s: %s', cid, errorMessage(err))
    }
  }

  private async downloadFrom(
    peer: PeerId,
    cid: string,
    signal: AbortSignal | undefined,
    maxBytes: number,
  ): Promise<void> {
    const timeout = AbortSignal.timeout(ARTIFACT_TIMEOUT_MS)
    const s = signal === undefined ? timeout : AbortSignal.any([signal, timeout])
    const stream = await this.c.host.dialProtocol(peer, ARTIFACT_PROTOCOL, {
      signal: AbortSignal.any([s, AbortSignal.timeout(DIAL_ATTEMPT_MS)]),
    })
    const f = framed(stream, ARTIFACT_FRAME_BYTES)
    try {
      await f.write({ cid }, { signal: s })
      const header = await f.read(ArtifactHeader, 'artifact header', { signal: s })
      if (header.status !== 'ok') throw new ZkpError('NOT_FOUND', `${header.status}: ${header.reason}`)
      const size = header.size
      // What the caller expects bounds what it downloads: a manifest is a few hundred bytes, not 512 MiB.
      if (size > maxBytes) {
        throw new ZkpError(
          'MESSAGE_TOO_LARGE',
          `${cid} is announced at ${size} bytes; at most ${maxBytes} expected`,
        )
      }
      async function* chunks(): AsyncGenerator<Uint8Array> {
        let got = 0
        while (got < size) {
          // A download that stops making progress fails fast, so the caller's next attempt starts afresh
          // instead of waiting out the whole artifact timeout.
          const chunk = await f.readBytes({ signal: AbortSignal.any([s, AbortSignal.timeout(STALL_MS)]) })
          got += chunk.byteLength
          yield chunk
        }
      }
      await this.c.artifacts.write(cid, size, chunks())
      await f.close()
      this.c.log('fetched %s (%d bytes) from %p', cid, size, peer)
    } catch (err) {
      f.abort(err instanceof Error ? err : new Error(String(err)))
      throw err
    }
  }
}
