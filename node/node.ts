import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { ComponentLogger, ConnectionGater, Logger, PrivateKey } from '@libp2p/interface'
import { defaultLogger } from '@libp2p/logger'
import type { Multiaddr } from '@multiformats/multiaddr'
import { createArtifactHandler } from '../protocol/artifact/handler.ts'
import { ARTIFACT_PROTOCOL } from '../protocol/artifact/index.ts'
import { circuitId, decodeManifest, encodeManifest } from '../protocol/artifact/manifest.ts'
import { toHex } from '../protocol/codec/hash.ts'
import { ZkpError } from '../protocol/errors.ts'
import { INPUT_PROTOCOL } from '../protocol/input/index.ts'
import { LEDGER_SYNC, LEDGER_SYNC_PROTOCOL } from '../protocol/ledger-sync/constants.ts'
import { createLedgerSyncHandler } from '../protocol/ledger-sync/handler.ts'
import { PROOF_PROTOCOL } from '../protocol/proof/index.ts'
import { createStatusHandler, STATUS_PROTOCOL } from '../protocol/status/index.ts'
import {
  Ask,
  type SignedAsk,
  type SignedAward,
  type SignedBid,
  type SignedResult,
} from '../protocol/task/messages.ts'
import { topicsFor } from '../protocol/topics/topic.ts'
import { ArtifactStore } from './artifacts/artifact-store.ts'
import { ArtifactFetcher } from './artifacts/fetcher.ts'
import { Auditor, type AuditorInit } from './audit/auditor.ts'
import { type NodeConfig, type NodeConfigInput, parseConfig } from './config.ts'
import { NodeEvents } from './events.ts'
import { Gossip } from './gossip/gossip.ts'
import { loadOrCreateIdentity } from './identity.ts'
import { type ProofChecker, VerifierProcess } from './ledger/groth16/process.ts'
import { Ledger } from './ledger/ledger.ts'
import { appScore, type StandingComponents } from './ledger/standing.ts'
import { LedgerSync, type LedgerSyncInit } from './ledger/sync.ts'
import { ledgerSyncSource } from './ledger/sync-source.ts'
import { RecordVerifier } from './ledger/verifier.ts'
import { createHost, type ZkpHost } from './network/host.ts'
import { type ProofEngine, SnarkjsEngine } from './prover/engine.ts'
import { bidKey, createRepositories, type Repositories, roundKey } from './store/repositories.ts'
import { Store } from './store/store.ts'
import { Prover } from './task/prover.ts'
import type { ProverJob } from './task/prover-job.ts'
import { type BatchSubmitRequest, Requester, type SubmitRequest } from './task/requester.ts'
import type { TaskRecord } from './task/task-record.ts'

export interface ZkpNodeOptions {
  logger?: ComponentLogger
  now?: () => number
  /** Makes and checks proofs; snarkjs in child processes unless a simulation injects its own. */
  engine?: (roles: { prove: boolean; verify: boolean }, log: Logger) => ProofEngine
  /** Which peers may connect; tests and the simulator use it to split and heal networks. */
  connectionGater?: ConnectionGater
  /**
   * How often each connection is pinged, and whether a failed ping closes it (default: libp2p's, every 10 s,
   * closing). The simulator pings less often: a hundred nodes share one event loop, and libp2p pings every
   * connection at the same moment.
   */
  liveness?: { pingIntervalMs: number; abortOnPingFailure: boolean }
  /** Ledger sync timing (tests shorten the periodic sync) and award audits (tests shorten the delay). */
  ledgerSync?: LedgerSyncInit
  audit?: AuditorInit
  /**
   * Checks the proofs of ledger records: a Groth16 child process of this node's own unless one is given. The
   * simulator gives every node one shared checker; the node never stops a checker it was given.
   */
  checker?: ProofChecker
}

/**
 * One zkp-node: a libp2p host, a LevelDB store, the ledger, and the requester and/or prover roles. This is the
 * one place that wires components together. start() and stop() are idempotent; stop() releases every handle
 * (timers, child processes, sockets, LevelDB last) so the process can exit.
 */
export class ZkpNode {
  readonly config: NodeConfig
  readonly events = new NodeEvents()
  private readonly logger: ComponentLogger
  private readonly log: Logger
  readonly now: () => number
  private state: 'stopped' | 'starting' | 'started' | 'stopping' = 'stopped'
  private parts: Parts | undefined
  private readonly makeEngine: NonNullable<ZkpNodeOptions['engine']>

  constructor(
    config: NodeConfigInput,
    private readonly options: ZkpNodeOptions = {},
  ) {
    this.config = parseConfig(config)
    this.logger = options.logger ?? defaultLogger()
    this.log = this.logger.forComponent('zkp:node')
    this.now = options.now ?? Date.now
    this.makeEngine =
      options.engine ??
      ((roles, log) => new SnarkjsEngine(roles, log, { threads: this.config.prover.threads }))
  }

  get started(): boolean {
    return this.state === 'started'
  }

  async start(): Promise<void> {
    if (this.state !== 'stopped') return
    this.state = 'starting'
    try {
      this.parts = await this.assemble()
      await this.startParts(this.parts)
      this.state = 'started'
      this.log('started %s on %s', this.parts.peerId, this.parts.host.getMultiaddrs().join(' '))
    } catch (err) {
      this.state = 'started'
      await this.stop()
      throw err
    }
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return
    this.state = 'stopping'
    const p = this.parts
    this.parts = undefined
    if (p !== undefined) {
      p.requester?.stop()
      await p.prover?.stop()
      p.auditor.stop()
      await p.ledgerSync.stop()
      p.gossip.stop()
      p.ledger.stop()
      if (p.host.status === 'started') {
        await p.host
          .unhandle([
            ARTIFACT_PROTOCOL,
            INPUT_PROTOCOL,
            PROOF_PROTOCOL,
            STATUS_PROTOCOL,
            LEDGER_SYNC_PROTOCOL,
          ])
          .catch(() => {})
        await p.host.stop()
      }
      await p.engine.stop()
      if (this.options.checker === undefined) await p.checker.stop()
      await p.store.close()
    }
    this.state = 'stopped'
  }

  // --- what embedders (API, CLI, tests, simulator) use -------------------------------------------------------

  get peerId(): string {
    return this.mustParts().peerId
  }

  get multiaddrs(): Multiaddr[] {
    return this.mustParts().host.getMultiaddrs()
  }

  get host(): ZkpHost {
    return this.mustParts().host
  }

  get ledger(): Ledger {
    return this.mustParts().ledger
  }

  get repos(): Repositories {
    return this.mustParts().repos
  }

  get artifacts(): ArtifactStore {
    return this.mustParts().artifacts
  }

  get gossip(): Gossip {
    return this.mustParts().gossip
  }

  get ledgerSync(): LedgerSync {
    return this.mustParts().ledgerSync
  }

  get auditor(): Auditor {
    return this.mustParts().auditor
  }

  /** Imports a circuit build directory and announces it in the DHT; returns the circuit id. */
  async addCircuit(dir: string): Promise<string> {
    const p = this.mustParts()
    const { circuitId, manifest } = await p.artifacts.importCircuit(dir)
    await p.repos.circuits.put(circuitId, new Uint8Array())
    await this.announce([circuitId, manifest.wasm, manifest.zkey, manifest.vkey])
    return circuitId
  }

  /**
   * Registers a circuit whose artifacts were uploaded one by one (see the local API): checks the manifest,
   * that every artifact it names is held, stores it and announces it. Returns the circuit id.
   */
  async addManifest(manifestBytes: Uint8Array): Promise<string> {
    const p = this.mustParts()
    const manifest = decodeManifest(manifestBytes)
    for (const [field, cid] of [
      ['wasm', manifest.wasm],
      ['zkey', manifest.zkey],
      ['vkey', manifest.vkey],
    ] as const) {
      if (!(await p.artifacts.has(cid)))
        throw new ZkpError('BAD_REQUEST', `manifest.${field}: artifact ${cid} is not held; upload it first`)
    }
    await p.artifacts.checkVerificationKey(manifest)
    const id = circuitId(manifest)
    await p.artifacts.put(encodeManifest(manifest), id)
    await p.repos.circuits.put(id, new Uint8Array())
    await this.announce([id, manifest.wasm, manifest.zkey, manifest.vkey])
    return id
  }

  /**
   * Announces CIDs in the DHT. With DHT peers it waits for the (time-bounded) announcements, so that a circuit
   * is findable once addCircuit returns; with none yet it announces in the background instead of waiting out
   * the timeout.
   */
  private async announce(cids: string[]): Promise<void> {
    const p = this.mustParts()
    const pending = Promise.all(cids.map((cid) => p.fetcher.provide(cid)))
    if (p.host.getConnections().length > 0) await pending
  }

  /** A task this node requested, or undefined. */
  async task(taskId: string): Promise<TaskRecord | undefined> {
    return this.mustParts().repos.tasks.get(taskId)
  }

  /** Work this node took on as a prover, newest first, at most `limit`. */
  async jobs(limit = 100): Promise<ProverJob[]> {
    const out: ProverJob[] = []
    for await (const [, j] of this.mustParts().repos.jobs.values()) out.push(j)
    return out.sort((a, b) => b.bidAt - a.bidAt).slice(0, limit)
  }

  /** This node's job for an ask, or undefined. */
  async job(taskId: string): Promise<ProverJob | undefined> {
    return this.mustParts().repos.jobs.get(taskId)
  }

  /** Tasks this node requested, newest first, at most `limit`. */
  async tasks(limit = 100): Promise<TaskRecord[]> {
    const out: TaskRecord[] = []
    for await (const [, t] of this.mustParts().repos.tasks.values()) out.push(t)
    return out.sort((a, b) => b.createdAt - a.createdAt).slice(0, limit)
  }

  get roles(): readonly string[] {
    return this.config.roles
  }

  async submit(req: SubmitRequest): Promise<string> {
    const r = this.mustParts().requester
    if (r === undefined) throw new ZkpError('BAD_REQUEST', 'this node does not have the requester role')
    return r.submit(req)
  }

  /** Submits inputs of one circuit as a batch, one task each (see Requester.submitBatch). */
  async submitBatch(req: BatchSubmitRequest): Promise<{ batchId: string; taskIds: string[] }> {
    const r = this.mustParts().requester
    if (r === undefined) throw new ZkpError('BAD_REQUEST', 'this node does not have the requester role')
    return r.submitBatch(req)
  }

  // --- wiring -----------------------------------------------------------------------------------------------

  private mustParts(): Parts {
    if (this.parts === undefined) throw new ZkpError('NOT_STARTED', 'node is not started')
    return this.parts
  }

  private async assemble(): Promise<Parts> {
    const cfg = this.config
    await mkdir(cfg.dataDir, { recursive: true, mode: 0o700 })
    const privateKey = await loadOrCreateIdentity(cfg.dataDir)
    const store = new Store(join(cfg.dataDir, 'db'))
    await store.open()
    try {
      const repos = createRepositories(store)
      const artifacts = new ArtifactStore(join(cfg.dataDir, 'artifacts'))
      await artifacts.init()
      // The host scores peers by the ledger, which is built after it: the closure reads it once it exists.
      let standing: StandingComponents | undefined
      const host = await createHost({
        privateKey,
        listen: cfg.listen,
        announce: cfg.announce,
        bootstrap: cfg.bootstrap,
        localNetwork: cfg.localNetwork,
        topics: Object.values(topicsFor(cfg.network)),
        ...(this.options.connectionGater !== undefined
          ? { connectionGater: this.options.connectionGater }
          : {}),
        ...(this.options.liveness !== undefined ? { liveness: this.options.liveness } : {}),
        logger: this.logger,
        appScore: (peer) => (standing === undefined ? 0 : appScore(standing, peer)),
      })
      const peerId = host.peerId.toString()
      const log = (name: string) => this.logger.forComponent(`zkp:${name}`)
      const fetcher = new ArtifactFetcher({ host, artifacts, log: log('fetch') })
      const checker = this.options.checker ?? new VerifierProcess(log('ledger-verify'))
      const verifier = new RecordVerifier({ artifacts, fetcher, checker, log: log('ledger-verify') })
      const ledger = new Ledger({ store, repos, verifier, log: log('ledger'), now: this.now })
      const gossip = new Gossip({
        host,
        repos,
        log: log('gossip'),
        network: cfg.network,
        now: this.now,
        knownResult: (id) => ledger.has(toHex(id)),
      })
      const ledgerSync = new LedgerSync(
        { host, ledger, network: cfg.network, log: log('ledger-sync'), now: this.now },
        this.options.ledgerSync,
      )
      const auditor = new Auditor(
        { store, repos, ledger, sync: ledgerSync, network: cfg.network, log: log('audit'), now: this.now },
        this.options.audit,
      )
      standing = { ledger, sync: ledgerSync, violations: (peer) => auditor.violations(peer) }
      const common = {
        privateKey,
        peerId,
        network: cfg.network,
        repos,
        gossip,
        artifacts,
        events: this.events,
        now: this.now,
      }
      const isRequester = cfg.roles.includes('requester')
      const isProver = cfg.roles.includes('prover')
      const engine = this.makeEngine({ prove: isProver, verify: isRequester }, log('engine'))
      const requester = isRequester
        ? new Requester({ ...common, store, ledger, engine, log: log('requester') }, { weights: cfg.weights })
        : undefined
      const prover = isProver
        ? new Prover({ ...common, host, store, fetcher, engine, log: log('prover') }, cfg.prover)
        : undefined
      return {
        privateKey,
        peerId,
        store,
        repos,
        artifacts,
        host,
        ledger,
        gossip,
        fetcher,
        requester,
        prover,
        engine,
        checker,
        ledgerSync,
        auditor,
      }
    } catch (err) {
      await store.close()
      throw err
    }
  }

  private async startParts(p: Parts): Promise<void> {
    await p.ledger.load()
    await p.engine.start()
    await p.host.start()
    // Re-verification may fetch verification keys from peers: only once the host runs.
    p.ledger.start()
    await p.host.handle(
      LEDGER_SYNC_PROTOCOL,
      createLedgerSyncHandler({
        source: ledgerSyncSource(p.ledger, p.store, p.repos),
        log: this.logger.forComponent('zkp:ledger-sync'),
      }),
      { maxInboundStreams: LEDGER_SYNC.maxInboundStreams },
    )
    await p.host.handle(
      ARTIFACT_PROTOCOL,
      createArtifactHandler({ artifacts: p.artifacts, log: this.logger.forComponent('zkp:artifact') }),
      {
        maxInboundStreams: 32,
      },
    )
    if (p.requester !== undefined) {
      await p.host.handle(INPUT_PROTOCOL, p.requester.handleInput, { maxInboundStreams: 64 })
      await p.host.handle(PROOF_PROTOCOL, p.requester.handleProof, { maxInboundStreams: 64 })
      await p.host.handle(
        STATUS_PROTOCOL,
        createStatusHandler(p.requester, this.logger.forComponent('zkp:status')),
        {
          maxInboundStreams: 64,
        },
      )
    }
    p.gossip.start({
      ask: (ask) => this.onAsk(p, ask),
      bid: (bid) => this.onBid(p, bid),
      award: (award) => this.onAward(p, award),
      result: (result) => this.onResult(p, result),
    })
    await p.prover?.start()
    await p.requester?.start()
    await p.auditor.start()
    p.ledgerSync.start()
  }

  // Every node keeps what it accepts from gossip, so it can validate later messages and audit awards.
  private async onAsk(p: Parts, ask: SignedAsk): Promise<void> {
    const taskId = toHex(Ask.id(ask))
    // The prover weighs the ask while it is written (it journals its bid only once the ask is stored).
    const stored = (async () => {
      if (!(await p.repos.asks.has(taskId))) await p.repos.asks.put(taskId, ask)
    })()
    await Promise.all([stored, p.prover?.onAsk(ask, stored)])
  }

  private async onBid(p: Parts, bid: SignedBid): Promise<void> {
    await p.repos.bids.put(bidKey(toHex(bid.body.taskId), bid.body.prover), bid)
    await p.requester?.onBid(bid)
  }

  private async onAward(p: Parts, award: SignedAward): Promise<void> {
    // The prover takes the award while it is written: the winner journals the award with its job in one write
    // (the path from award to work), the others change their job only once the award is stored.
    const stored = p.repos.awards.put(roundKey(toHex(award.body.taskId), award.body.round), award)
    await Promise.all([stored, p.prover?.onAward(award, stored)])
    p.auditor.onAward(award)
  }

  private async onResult(p: Parts, result: SignedResult): Promise<void> {
    await p.ledger.apply(result)
    await p.prover?.onResult(result)
  }
}

interface Parts {
  privateKey: PrivateKey
  peerId: string
  store: Store
  repos: Repositories
  artifacts: ArtifactStore
  host: ZkpHost
  ledger: Ledger
  gossip: Gossip
  fetcher: ArtifactFetcher
  requester: Requester | undefined
  prover: Prover | undefined
  engine: ProofEngine
  checker: ProofChecker
  ledgerSync: LedgerSync
  auditor: Auditor
}
