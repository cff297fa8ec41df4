import { cp, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from '@libp2p/interface'
import { logger as log } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { CircuitInput } from 'snarkjs'
import { ArtifactStore } from '../../node/artifacts/artifact-store.ts'
import { loadOrCreateIdentity } from '../../node/identity.ts'
import { VerifierProcess } from '../../node/ledger/groth16/process.ts'
import type { ZkpNodeOptions } from '../../node/node.ts'
import { type ProofEngine, SnarkjsEngine } from '../../node/prover/engine.ts'
import { SimulationError } from '../errors.ts'
import { LinkFilter } from '../faults/partition.ts'
import { simGater, Topology } from '../faults/topology.ts'
import type { NodeSpec } from '../local-network.ts'
import { BehaviourEngine } from '../prover/behaviour.ts'
import { CannedProofs, readBuild } from '../prover/canned.ts'
import { SharedChecker } from '../prover/shared-checker.ts'
import { SimulatedEngine } from '../prover/simulated-engine.ts'
import type { Rng } from '../random.ts'
import type { Scenario } from '../scenario/scenario.ts'
import type { NodeGroup } from '../scenario/schema.ts'

/** One node of the simulation, as planned: which group it belongs to and what it is given. */
export interface Member {
  index: number
  /** `<group>-<n>`, as reports name it. */
  name: string
  group: NodeGroup
  peerId: string
  filter: LinkFilter
  spec: NodeSpec
}

export interface Plan {
  members: Member[]
  topology: Topology
  /** Circuit variant directories and their ids (the requesters import them). */
  circuits: Array<{ dir: string; id: string }>
  /** The input every task submits (the circuit's sample input). */
  input: Uint8Array
  /** Stored proofs (simulated mode only). */
  proofs: CannedProofs | undefined
  /** The ledger proof checker every node shares; the simulator stops it after the nodes. */
  checker: SharedChecker
}

export interface PlanPaths {
  root: string
  buildDir: string
  inputsDir: string
}

/**
 * Everything decided before a node starts: circuit variants (copies of one build under distinct names, hence
 * distinct circuit ids), the stored proofs, each node's identity (made now, so that every gater knows every
 * peer id from the start), its topology, its engine and its options. All choices come from the seed.
 */
export async function makePlan(s: Scenario, paths: PlanPaths, rng: Rng): Promise<Plan> {
  const build = await readBuild(join(paths.buildDir, s.circuit.name))
  let input: CircuitInput
  try {
    input = JSON.parse(await readFile(join(paths.inputsDir, `${s.circuit.name}.json`), 'utf8'))
  } catch (err) {
    throw new SimulationError('SETUP_FAILED', `no sample input for ${s.circuit.name}`, 'circuit.name', {
      cause: err,
    })
  }
  const circuits = await makeVariants(s, build.dir, paths.root)
  const proofs = s.mode === 'simulated' ? await CannedProofs.make(build, [input]) : undefined

  const groups = s.nodes.flatMap((g) => Array.from({ length: g.count }, (_, k) => ({ g, k })))
  const peerIds = await Promise.all(
    groups.map(async (_, i) =>
      peerIdFromPrivateKey(await loadOrCreateIdentity(join(paths.root, `n${i}`))).toString(),
    ),
  )
  const byPeer = new Map(peerIds.map((p, i) => [p, i]))
  const hubs = new Set(groups.flatMap(({ g }, i) => (i === 0 || g.roles.includes('requester') ? [i] : [])))
  const topology = new Topology(groups.length, hubs, s.topology.degree, rng.fork('topology'))
  const serveRng = rng.fork('serves')
  const checker = new SharedChecker(new VerifierProcess(log('zkp:sim:ledger-verify')))

  const members = groups.map(({ g, k }, index): Member => {
    const name = `${g.group}-${k}`
    const filter = new LinkFilter()
    const engineRng = rng.fork(`engine/${name}`)
    const engine = (roles: { prove: boolean; verify: boolean }, log: Logger): ProofEngine => {
      const core: ProofEngine =
        proofs === undefined
          ? new SnarkjsEngine(roles, log)
          : new SimulatedEngine({ proofs, proving: g.proving, rng: engineRng })
      if (g.behaviour === 'honest' && g.extraDelay === undefined) return core
      return new BehaviourEngine(core, {
        behaviour: g.behaviour,
        ...(g.extraDelay !== undefined ? { extraDelay: g.extraDelay } : {}),
        rng: engineRng.fork('behaviour'),
      })
    }
    const options: ZkpNodeOptions = {
      engine,
      connectionGater: simGater(index, topology, (p) => byPeer.get(p), filter),
      // A hundred nodes share one process: records are checked on the event loop, not in thread pools.
      ledgerSync: { intervalMs: s.nodeOptions.ledgerSyncMs, checkThreads: 0 },
      checker,
      // A hundred nodes share one event loop: ping a third as often (libp2p pings every connection at once).
      liveness: { pingIntervalMs: 30_000, abortOnPingFailure: true },
      ...(s.nodeOptions.audits ? {} : { audit: { maxScheduled: 0 } }),
    }
    const served = g.serves === undefined ? [] : serveRng.sample(circuits, g.serves).map((c) => c.id)
    const spec = {
      roles: g.roles,
      prover: { price: BigInt(g.price), maxConcurrent: g.maxConcurrent, circuits: served },
      options,
    } as NodeSpec
    return { index, name, group: g, peerId: peerIds[index]!, filter, spec }
  })
  return {
    members,
    topology,
    circuits,
    input: new TextEncoder().encode(JSON.stringify(input)),
    proofs,
    checker,
  }
}

/** Copies of one build under names `<name>-v<i>`; their ids are computed the way a node computes them. */
async function makeVariants(
  s: Scenario,
  buildDir: string,
  root: string,
): Promise<Array<{ dir: string; id: string }>> {
  const scratch = new ArtifactStore(join(root, 'circuit-ids'))
  await scratch.init()
  const info = JSON.parse(await readFile(join(buildDir, 'info.json'), 'utf8')) as { name: string }
  const out: Array<{ dir: string; id: string }> = []
  for (let v = 0; v < s.circuit.variants; v++) {
    const dir = s.circuit.variants === 1 ? buildDir : join(root, 'circuits', `${info.name}-v${v}`)
    if (dir !== buildDir) {
      await cp(buildDir, dir, { recursive: true })
      await writeFile(join(dir, 'info.json'), JSON.stringify({ ...info, name: `${info.name}-v${v}` }))
    }
    out.push({ dir, id: (await scratch.importCircuit(dir)).circuitId })
  }
  return out
}
