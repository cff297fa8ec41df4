import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { z } from 'zod'
import { type CircuitManifest, circuitId, encodeManifest } from '../../protocol/artifact/manifest.ts'
import { UsageError } from './args.ts'

const RAW = 0x55
const SHA2_256 = 0x12

/** info.json as circuits/build.ts writes it; other fields (r1cs, system, …) are allowed and ignored. */
const CircuitInfo = z.object({
  name: z.string(),
  nConstraints: z.number().int().nonnegative(),
  nPublic: z.number().int().nonnegative(),
  files: z.object({ wasm: z.string(), zkey: z.string(), vkey: z.string() }),
})

export interface LocalArtifact {
  role: 'wasm' | 'zkey' | 'vkey'
  path: string
  size: number
  cid: string
}

export interface LocalCircuit {
  dir: string
  circuitId: string
  manifest: CircuitManifest
  manifestBytes: Uint8Array
  artifacts: LocalArtifact[]
}

/** The same CID as artifactCid(bytes), hashed as a stream so a large zkey is never loaded whole. */
export async function fileCid(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return CID.createV1(RAW, Digest.create(SHA2_256, new Uint8Array(hash.digest()))).toString()
}

/** Computes a circuit build directory's manifest locally, exactly as the node would on import. */
export async function readCircuit(dir: string): Promise<LocalCircuit> {
  let info: z.output<typeof CircuitInfo>
  try {
    const parsed = CircuitInfo.safeParse(JSON.parse(await readFile(join(dir, 'info.json'), 'utf8')))
    if (!parsed.success)
      throw new Error(`${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`)
    info = parsed.data
  } catch (err) {
    throw new UsageError(`--circuit: ${join(dir, 'info.json')} is invalid: ${(err as Error).message}`)
  }
  const artifacts: LocalArtifact[] = []
  for (const role of ['wasm', 'zkey', 'vkey'] as const) {
    const path = join(dir, info.files[role])
    const size = (await stat(path).catch(() => undefined))?.size
    if (size === undefined)
      throw new UsageError(`--circuit: ${path} (files.${role} of info.json) does not exist`)
    artifacts.push({ role, path, size, cid: await fileCid(path) })
  }
  const [wasm, zkey, vkey] = artifacts
  const manifest: CircuitManifest = {
    v: 1,
    name: info.name,
    system: 'groth16',
    curve: 'bn128',
    wasm: wasm!.cid,
    zkey: zkey!.cid,
    vkey: vkey!.cid,
    nPublic: info.nPublic,
    nConstraints: info.nConstraints,
  }
  return { dir, circuitId: circuitId(manifest), manifest, manifestBytes: encodeManifest(manifest), artifacts }
}
