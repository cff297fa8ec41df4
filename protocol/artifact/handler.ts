import type { Logger, StreamHandler } from '@libp2p/interface'
import { framed } from '../codec/frames.ts'
import { LIMITS } from '../constants.ts'
import { errorMessage } from '../errors.ts'
import { ARTIFACT_FRAME_BYTES, ArtifactRequest } from './index.ts'

/** What the artifact handler needs from the node. */
export interface ArtifactSource {
  size(cid: string): Promise<number | undefined>
  read(cid: string, chunkBytes: number): AsyncIterable<Uint8Array>
}

export interface ArtifactHandlerComponents {
  artifacts: ArtifactSource
  log: Logger
}

const REQUEST_TIMEOUT_MS = 10_000

/** Serves artifacts this node holds to anyone who asks by CID: artifacts are public, inputs are not. */
export function createArtifactHandler({ artifacts, log }: ArtifactHandlerComponents): StreamHandler {
  return async (stream, connection) => {
    const f = framed(stream, ARTIFACT_FRAME_BYTES)
    try {
      const req = await f.read(ArtifactRequest, 'artifact request', {
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      })
      const size = await artifacts.size(req.cid)
      if (size === undefined) {
        await f.write({ status: 'not-found', reason: `${req.cid} is not held here` })
      } else {
        await f.write({ status: 'ok', size })
        for await (const chunk of artifacts.read(req.cid, LIMITS.artifactChunkBytes))
          await f.writeBytes(chunk)
        log('served %s (%d bytes) to %p', req.cid, size, connection.remotePeer)
      }
      await f.close()
    } catch (err) {
      log('artifact request from %p failed: %s', connection.remotePeer, errorMessage(err))
      f.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }
}
