import { join } from 'node:path'

export { LocalNetwork as TestNetwork, type NodeSpec, waitFor } from '../../simulations/local-network.ts'

/** Where sample circuit builds live; ZKP_CIRCUITS_DIR overrides it (for example to a scratch build). */
export function circuitDir(name: string): string {
  return join(
    process.env.ZKP_CIRCUITS_DIR ?? join(import.meta.dirname, '..', '..', 'circuits', 'build'),
    name,
  )
}
