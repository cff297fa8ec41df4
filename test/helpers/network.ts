import { join } from 'node:path'
import type { ZkpNode } from '../../node/node.ts'
import type { SubmitRequest } from '../../node/task/requester.ts'
import type { TaskRecord } from '../../node/task/task-record.ts'
import { waitFor } from '../../simulations/local-network.ts'

export { LocalNetwork as TestNetwork, type NodeSpec, waitFor } from '../../simulations/local-network.ts'

/** Where sample circuit builds live; ZKP_CIRCUITS_DIR overrides it (for example to a scratch build). */
export function circuitDir(name: string): string {
  return join(
    process.env.ZKP_CIRCUITS_DIR ?? join(import.meta.dirname, '..', '..', 'circuits', 'build'),
    name,
  )
}

/** The tiny circuit's sample input: 3 × 11 with public nonce 42. */
export const TINY_INPUT = new TextEncoder().encode('{"a":"3","b":"11","nonce":"42"}')

/** Adds the tiny circuit at `node` and submits one task for it; `overrides` change the request. */
export async function submitTiny(node: ZkpNode, overrides: Partial<SubmitRequest> = {}): Promise<string> {
  const circuitId = await node.addCircuit(circuitDir('tiny'))
  return node.submit({
    circuitId,
    input: TINY_INPUT,
    maxPrice: 100n,
    bidWindowMs: 800,
    provingDeadlineMs: 30_000,
    closeAfterBids: 0,
    ...overrides,
  })
}

/** Waits until a task `node` requested is completed or failed (a liveness bound), and returns its record. */
export async function taskEnd(node: ZkpNode, taskId: string, timeoutMs = 90_000): Promise<TaskRecord> {
  let task: TaskRecord | undefined
  await waitFor(
    async () => {
      task = await node.task(taskId)
      return task?.state === 'completed' || task?.state === 'failed'
    },
    'task end',
    timeoutMs,
  )
  return task!
}
