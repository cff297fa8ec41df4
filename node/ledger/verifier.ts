import type { Logger } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { MANIFEST_MAX_BYTES } from '../../protocol/artifact/manifest.ts'
import { encode } from '../../protocol/codec/cbor.ts'
import { sha256, toHex, utf8 } from '../../protocol/codec/hash.ts'
import { ZkpError } from '../../protocol/errors.ts'
import { type Judgement, judgeRecord } from '../../protocol/reputation/record.ts'
import type { SignedResult } from '../../protocol/task/messages.ts'
import type { ArtifactStore } from '../artifacts/artifact-store.ts'
import type { ArtifactFetcher } from '../artifacts/fetcher.ts'
import type { ProofChecker } from './groth16/process.ts'
import type { VerificationKeyJson } from './groth16/verify.ts'

export interface RecordVerifierComponents {
  artifacts: ArtifactStore
  /** Fetches a verification key this node lacks (requester first, then the DHT); none: local keys only. */
  fetcher?: ArtifactFetcher
  checker: ProofChecker
  log: Logger
}

/** A verification key is a small JSON file; anything larger is not one (and is not parsed). */
const MAX_VKEY_BYTES = 1024 * 1024
const MAX_CACHED_VERDICTS = 4096
const FETCH_TIMEOUT_MS = 30_000
const NOT_A_KEY = { protocol: 'none' } as unknown as VerificationKeyJson

interface LoadedKey {
  keyId: string
  key: VerificationKeyJson
}

/**
 * Re-verifies the proof a record carries against its circuit's verification key (fetched by content hash when
 * missing) and judges the record (protocol/reputation/record.ts). Identical (key, proof, signals) are verified
 * once. Throws UNAVAILABLE / NOT_FOUND when it cannot check now: the record then stays pending.
 */
export class RecordVerifier {
  private readonly keys = new Map<string, Promise<LoadedKey>>()
  private readonly verdicts = new Map<string, boolean>()

  constructor(private readonly c: RecordVerifierComponents) {}

  /** `hints`: peers likely to hold the circuit (the peer the record came from), tried before the requester. */
  async judge(result: SignedResult, hints: readonly string[] = []): Promise<Judgement> {
    const delivery = result.body.delivery
    if (delivery === null) return judgeRecord(result, false)
    const { keyId, key } = await this.key(result.body.ask.body.circuitId, [...hints, result.body.requester])
    const { proof, publicSignals } = delivery.body
    const digest = toHex(sha256(utf8(keyId), encode({ proof, publicSignals })))
    let valid = this.verdicts.get(digest)
    if (valid === undefined) {
      valid = await this.c.checker.verify(keyId, key, proof, [...publicSignals])
      this.verdicts.set(digest, valid)
      if (this.verdicts.size > MAX_CACHED_VERDICTS) this.verdicts.delete(this.verdicts.keys().next().value!)
    }
    return judgeRecord(result, valid)
  }

  private key(circuitId: string, hints: readonly string[]): Promise<LoadedKey> {
    let pending = this.keys.get(circuitId)
    if (pending === undefined) {
      pending = this.load(circuitId, hints)
      // A failure is not remembered: the key may be fetchable later.
      pending.catch(() => this.keys.delete(circuitId))
      this.keys.set(circuitId, pending)
    }
    return pending
  }

  private async load(circuitId: string, peers: readonly string[]): Promise<LoadedKey> {
    const { artifacts, fetcher } = this.c
    const signal = AbortSignal.timeout(FETCH_TIMEOUT_MS)
    // Whoever handed us the record, then its requester (which verified the proof), then the DHT. The key is
    // not announced: checking records does not make this node a source of the circuit.
    const hints = [...new Set(peers)].map((p) => peerIdFromString(p))
    if (!(await artifacts.has(circuitId))) {
      if (fetcher === undefined) throw new ZkpError('NOT_FOUND', `circuit ${circuitId} is not held`)
      await fetcher.fetch(circuitId, hints, { signal, maxBytes: MANIFEST_MAX_BYTES, announce: false })
    }
    const manifest = await artifacts.manifest(circuitId)
    if (manifest === undefined) throw new ZkpError('NOT_FOUND', `manifest ${circuitId} missing`)
    if (!(await artifacts.has(manifest.vkey))) {
      if (fetcher === undefined)
        throw new ZkpError('NOT_FOUND', `verification key ${manifest.vkey} is not held`)
      await fetcher.fetch(manifest.vkey, hints, { signal, maxBytes: MAX_VKEY_BYTES, announce: false })
    }
    // Keys are content-addressed, so a file that is not a verification key never becomes one: every proof
    // under it is judged as not verifying (the child refuses to prepare such a key).
    let key = NOT_A_KEY
    if (((await artifacts.size(manifest.vkey)) ?? 0) <= MAX_VKEY_BYTES) {
      try {
        key = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await artifacts.get(manifest.vkey)))
      } catch {
        key = NOT_A_KEY
      }
    }
    this.c.log('verification key of %s loaded', circuitId)
    return { keyId: manifest.vkey, key }
  }
}
