/** Worker thread: checks batches of received records (check.ts) off the node's event loop. */
import { parentPort } from 'node:worker_threads'
import { errorMessage } from '../../../protocol/errors.ts'
import { checkFrames } from './check.ts'

export interface CheckRequest {
  id: number
  frames: Uint8Array[]
  network: string
  now: number
}

parentPort?.on('message', (req: CheckRequest) => {
  checkFrames(req.frames, req.network, req.now).then(
    (outcomes) => parentPort?.postMessage({ id: req.id, outcomes }),
    (err: unknown) => parentPort?.postMessage({ id: req.id, error: errorMessage(err) }),
  )
})
