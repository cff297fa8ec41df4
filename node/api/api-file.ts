import { chmod, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { ZkpError } from '../../protocol/errors.ts'

/** Where a running node tells local clients how to reach its API: `<dataDir>/api.json`. */
export const API_FILE = 'api.json'

export const ApiFile = z.strictObject({
  url: z.url(),
  token: z.string().regex(/^[0-9a-f]{64}$/),
})
export type ApiFile = z.output<typeof ApiFile>

export function apiFilePath(dataDir: string): string {
  return join(dataDir, API_FILE)
}

/**
 * Writes api.json readable by the owner only: the token is the only thing guarding the API from other local
 * users. Written to a 0600 temporary file and renamed, so no reader ever sees a partial file or looser mode.
 */
export async function writeApiFile(dataDir: string, contents: ApiFile): Promise<void> {
  const path = apiFilePath(dataDir)
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, `${JSON.stringify(contents)}\n`, { mode: 0o600 })
  await chmod(tmp, 0o600) // the umask may have narrowed the mode; never widen, but be exact
  await rename(tmp, path)
}

export async function removeApiFile(dataDir: string): Promise<void> {
  await rm(apiFilePath(dataDir), { force: true })
}

/** Reads api.json of a running node; NOT_FOUND if the node is not running (or has no API). */
export async function readApiFile(dataDir: string): Promise<ApiFile> {
  const path = apiFilePath(dataDir)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new ZkpError(
      'NOT_FOUND',
      `${path}: not found; is a node running with this data dir?`,
      {},
      { cause: err },
    )
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new ZkpError('INVALID_ENCODING', `${path}: not valid JSON`, {}, { cause: err })
  }
  const result = ApiFile.safeParse(parsed)
  if (!result.success)
    throw new ZkpError('INVALID_FIELD', `${path}: ${result.error.issues[0]?.message ?? 'invalid'}`)
  return result.data
}
