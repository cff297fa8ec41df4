import { chmod, mkdir, open, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { ZkpError } from '../protocol/errors.ts'

export const IDENTITY_FILE = 'identity.key'

/**
 * Loads the node's Ed25519 key from <dataDir>/identity.key, creating it (mode 0600) on first start. A key file
 * that others can read is refused, as ssh refuses a private key with open permissions.
 */
export async function loadOrCreateIdentity(dataDir: string): Promise<PrivateKey> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const path = join(dataDir, IDENTITY_FILE)
  let bytes: Uint8Array
  try {
    const st = await stat(path)
    if ((st.mode & 0o077) !== 0) {
      throw new ZkpError(
        'BAD_CONFIG',
        `${path} has permissions ${(st.mode & 0o777).toString(8)}; it must be readable by its owner only (chmod 600)`,
      )
    }
    bytes = new Uint8Array(await readFile(path))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    const key = await generateKeyPair('Ed25519')
    // 'wx' fails if another process created the file meanwhile, instead of overwriting its key.
    const fh = await open(path, 'wx', 0o600)
    try {
      await fh.writeFile(privateKeyToProtobuf(key))
      await fh.sync()
    } finally {
      await fh.close()
    }
    await chmod(path, 0o600)
    return key
  }
  try {
    const key = privateKeyFromProtobuf(bytes)
    if (key.type !== 'Ed25519') throw new Error(`key type ${key.type}`)
    return key
  } catch (err) {
    throw new ZkpError('BAD_CONFIG', `${path} is not an Ed25519 libp2p private key`, {}, { cause: err })
  }
}
