import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import {
  artifactCid,
  type CircuitManifest,
  checkCid,
  checkCidDigest,
  circuitId,
  decodeManifest,
  encodeManifest,
} from '../../protocol/artifact/manifest.ts'
import { LIMITS } from '../../protocol/constants.ts'
import { ZkpError } from '../../protocol/errors.ts'

const CID_RE = /^[a-z2-7]{1,100}$/
/** Circuits remembered (manifests, and which are held in full). */
const MEMO_SIZE = 1024

/**
 * Content-addressed files under <dataDir>/artifacts/<cid>. Writes go to a temporary file and are renamed into
 * place only after the hash matches, so a crash or a lying peer never leaves a bad artifact behind.
 */
export class ArtifactStore {
  /**
   * What never changes once true: decoded manifests by id (content-addressed) and circuits held in full
   * (artifacts are only ever added). Every ask a prover sees, and every task a requester submits, asks both;
   * answering from memory spares a handful of file system round trips on the way to a bid.
   */
  private readonly manifests = new Map<string, CircuitManifest>()
  private readonly complete = new Set<string>()

  constructor(readonly dir: string) {}

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true })
  }

  path(cid: string): string {
    if (!CID_RE.test(cid))
      throw new ZkpError('INVALID_FIELD', `cid: "${cid.slice(0, 100)}" is not a base32 CID`)
    return join(this.dir, cid)
  }

  async has(cid: string): Promise<boolean> {
    return (await this.size(cid)) !== undefined
  }

  async size(cid: string): Promise<number | undefined> {
    try {
      return (await stat(this.path(cid))).size
    } catch {
      return undefined
    }
  }

  async get(cid: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await readFile(this.path(cid)))
    } catch (err) {
      throw new ZkpError('NOT_FOUND', `artifact ${cid} is not held here`, { cid }, { cause: err })
    }
  }

  /** Stores bytes whose CID is known in advance (checks it) or computed here. Returns the CID. */
  async put(bytes: Uint8Array, expected?: string): Promise<string> {
    if (bytes.byteLength > LIMITS.artifactBytes) {
      throw new ZkpError(
        'MESSAGE_TOO_LARGE',
        `artifact is ${bytes.byteLength} bytes; the limit is ${LIMITS.artifactBytes}`,
      )
    }
    let cid: string
    if (expected !== undefined) {
      checkCid(expected, bytes)
      cid = expected
    } else {
      cid = artifactCid(bytes)
    }
    if (await this.has(cid)) return cid
    const tmp = `${this.path(cid)}.${process.pid}.${Date.now()}.tmp`
    const fh = await open(tmp, 'w', 0o644)
    try {
      await fh.writeFile(bytes)
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, this.path(cid))
    return cid
  }

  /** Streams an artifact in chunks of at most `chunkBytes`. */
  async *read(cid: string, chunkBytes: number): AsyncGenerator<Uint8Array> {
    for await (const chunk of createReadStream(this.path(cid), { highWaterMark: chunkBytes })) {
      yield new Uint8Array(chunk as Buffer)
    }
  }

  /** Writes chunks to a temporary file, checking size and hash, then moves it into place. */
  async write(cid: string, size: number, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    const tmp = `${this.path(cid)}.${process.pid}.${Date.now()}.tmp`
    const fh = await open(tmp, 'w', 0o644)
    const hash = createHash('sha256')
    let received = 0
    try {
      for await (const chunk of chunks) {
        received += chunk.byteLength
        if (received > size)
          throw new ZkpError('INTEGRITY', `artifact ${cid} is longer than announced (${size} bytes)`)
        hash.update(chunk)
        await fh.write(chunk)
      }
      if (received !== size)
        throw new ZkpError('INTEGRITY', `artifact ${cid} ended after ${received} of ${size} bytes`)
      await fh.sync()
    } catch (err) {
      await fh.close()
      await rm(tmp, { force: true })
      throw err
    }
    await fh.close()
    try {
      checkCidDigest(cid, new Uint8Array(hash.digest()))
    } catch (err) {
      await rm(tmp, { force: true })
      throw err
    }
    await rename(tmp, this.path(cid))
  }

  /** Imports a circuit build directory (see circuits/build.ts): stores its artifacts, returns the manifest. */
  async importCircuit(
    dir: string,
  ): Promise<{ circuitId: string; manifest: CircuitManifest; manifestBytes: Uint8Array }> {
    const info = JSON.parse(await readFile(join(dir, 'info.json'), 'utf8')) as {
      name: string
      nConstraints: number
      nPublic: number
      files: { wasm: string; zkey: string; vkey: string }
    }
    const [wasm, zkey, vkey] = await Promise.all(
      [info.files.wasm, info.files.zkey, info.files.vkey].map(async (f) =>
        this.put(new Uint8Array(await readFile(join(dir, f)))),
      ),
    )
    const manifest: CircuitManifest = {
      v: 1,
      name: info.name,
      system: 'groth16',
      curve: 'bn128',
      wasm: wasm!,
      zkey: zkey!,
      vkey: vkey!,
      nPublic: info.nPublic,
      nConstraints: info.nConstraints,
    }
    await this.checkVerificationKey(manifest)
    const manifestBytes = encodeManifest(manifest)
    const id = circuitId(manifest)
    await this.put(manifestBytes, id)
    return { circuitId: id, manifest, manifestBytes }
  }

  /** Throws BAD_REQUEST unless the manifest's verification key is a snarkjs Groth16 key with nPublic public signals. */
  async checkVerificationKey(m: CircuitManifest): Promise<void> {
    let vkey: { protocol?: unknown; curve?: unknown; nPublic?: unknown }
    try {
      vkey = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await this.get(m.vkey)))
    } catch {
      throw new ZkpError('BAD_REQUEST', 'manifest.vkey: the verification key is not JSON')
    }
    if (vkey?.protocol !== 'groth16' || vkey.curve !== 'bn128' || vkey.nPublic !== m.nPublic) {
      throw new ZkpError(
        'BAD_REQUEST',
        `manifest.vkey: not a groth16/bn128 verification key with nPublic ${m.nPublic}`,
      )
    }
  }

  /** The manifest of a circuit held here, or undefined. */
  async manifest(id: string): Promise<CircuitManifest | undefined> {
    const known = this.manifests.get(id)
    if (known !== undefined) return known
    if (!(await this.has(id))) return undefined
    const m = decodeManifest(await this.get(id))
    if (this.manifests.size < MEMO_SIZE) this.manifests.set(id, m)
    return m
  }

  /** Whether every artifact of the circuit is held here. */
  async hasCircuit(id: string): Promise<boolean> {
    if (this.complete.has(id)) return true
    const m = await this.manifest(id).catch(() => undefined)
    if (m === undefined) return false
    const held = await Promise.all([m.wasm, m.zkey, m.vkey].map((c) => this.has(c)))
    const all = held.every(Boolean)
    if (all && this.complete.size < MEMO_SIZE) this.complete.add(id)
    return all
  }
}
