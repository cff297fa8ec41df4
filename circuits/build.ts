/**
 * Builds every circuit in circuits/src into circuits/build/<name>/:
 *   <name>.r1cs, <name>.wasm (witness generator), <name>.zkey (Groth16 proving key),
 *   verification_key.json, info.json, and .build-stamp (cache key).
 *
 * Usage: npx tsx circuits/build.ts [--force] [--out <dir>] [--ptau <file>] [circuit names...]
 *   --force   rebuild even if the cache stamp matches
 *   --out     output directory (default circuits/build); used to check reproducibility
 *   --ptau    powers of tau file; overrides ZKP_PTAU, which overrides the committed dev file
 *
 * The build is deterministic: circom's output depends only on the sources, `zkey new` only on
 * the r1cs and ptau, and the phase-2 contribution is a beacon with a fixed hash. Rebuilding from
 * scratch therefore gives byte-identical wasm, zkey and verification key. That also means the
 * phase-2 toxic waste is public: like the dev ptau, these keys are for development only.
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import * as snarkjs from 'snarkjs'

/** Bump when a change here alters the build outputs, so cached builds are redone. */
const BUILD_VERSION = 1

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const SRC_DIR = join(ROOT, 'circuits', 'src')
const DEFAULT_OUT = join(ROOT, 'circuits', 'build')
const DEFAULT_PTAU = join(ROOT, 'circuits', 'ptau', 'pot15_final.ptau')
const NODE_MODULES = join(ROOT, 'node_modules')
const CIRCOM_CLI = join(NODE_MODULES, 'circom2', 'cli.js')

// --O2 (full linear simplification) roughly halves poseidon-chain; circom's default is --O1.
const CIRCOM_FLAGS = ['--r1cs', '--wasm', '--O2']
// Deterministic phase-2 contribution: sha256("zkp-node dev zkey beacon (INSECURE, public entropy)").
const ZKEY_BEACON_HASH = 'cc1fa18639ee11e44140044e408a342cddd70213fac23ea4e2045b377764cd88'
const ZKEY_BEACON_ITERATIONS_EXP = 10 // the minimum snarkjs allows; the delay buys nothing here

interface Options {
  force: boolean
  outDir: string
  ptau: string
  only: string[]
}

interface CircuitInfo {
  name: string
  system: 'groth16'
  curve: 'bn128'
  nConstraints: number
  nPublic: number
  files: { wasm: string; zkey: string; vkey: string; r1cs: string }
}

const execFileAsync = promisify(execFile)

/** snarkjs reports problems through its logger (newZKey returns -1 instead of throwing), so keep them. */
function collectingLogger(errors: string[]): snarkjs.Logger {
  return {
    debug: () => {},
    info: () => {},
    warn: (message) => console.warn(`    snarkjs: ${message}`),
    error: (message) => errors.push(message),
  }
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    force: false,
    outDir: DEFAULT_OUT,
    ptau: process.env.ZKP_PTAU ? resolve(process.env.ZKP_PTAU) : DEFAULT_PTAU,
    only: [],
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const value = (): string => {
      const next = argv[++i]
      if (next === undefined) throw new Error(`${arg} needs a value`)
      return next
    }
    if (arg === '--force') options.force = true
    else if (arg === '--out') options.outDir = resolve(value())
    else if (arg === '--ptau') options.ptau = resolve(value())
    else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`)
    else options.only.push(arg)
  }
  return options
}

function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex')
}

async function packageVersion(name: string): Promise<string> {
  const pkg = JSON.parse(await readFile(join(NODE_MODULES, name, 'package.json'), 'utf8')) as {
    version: string
  }
  return pkg.version
}

/**
 * Hashes a circuit file and, recursively, every file it includes, resolved the way circom does
 * (relative to the including file, then the -l library path). Local helper templates thus
 * invalidate the cache too, not only the main file.
 */
async function hashSources(file: string, seen = new Map<string, string>()): Promise<Map<string, string>> {
  if (seen.has(file)) return seen
  const text = await readFile(file, 'utf8')
  seen.set(file, sha256(text))
  for (const match of text.matchAll(/^\s*include\s+"([^"]+)"/gm)) {
    const candidates = [resolve(dirname(file), match[1]!), resolve(NODE_MODULES, match[1]!)]
    const found = candidates.find((candidate) => existsSync(candidate))
    if (!found) throw new Error(`${display(file)}: cannot resolve include "${match[1]}"`)
    await hashSources(found, seen)
  }
  return seen
}

/** Paths inside the repository print relative to it, others in full. */
function display(path: string): string {
  const rel = relative(ROOT, path)
  return rel.startsWith('..') ? path : rel
}

/** Runs `fn`, printing how long it took; the per-step timings are part of the build report. */
async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now()
  const result = await fn()
  console.log(`  ${label.padEnd(22)} ${((performance.now() - start) / 1000).toFixed(2)} s`)
  return result
}

async function compile(source: string, workDir: string): Promise<void> {
  // circom2 is a WASI build: it sees only the preopened cwd and its parents, and takes paths
  // relative to cwd, so run it from the repository root.
  const args = [CIRCOM_CLI, relative(ROOT, source), ...CIRCOM_FLAGS, '-l', 'node_modules', '-o', workDir]
  try {
    await execFileAsync(process.execPath, args, { cwd: ROOT, maxBuffer: 64 << 20 })
  } catch (err) {
    const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string }
    throw new Error(`circom failed on ${display(source)}:\n${stdout}${stderr}`)
  }
}

async function buildCircuit(name: string, options: Options, stamp: string): Promise<void> {
  const source = join(SRC_DIR, `${name}.circom`)
  const finalDir = join(options.outDir, name)
  // Build into a scratch dir and swap it in at the end, so a failed build never leaves a
  // half-written directory that carries a valid stamp.
  const dir = join(options.outDir, `.${name}.tmp-${process.pid}`)
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
  const errors: string[] = []
  const logger = collectingLogger(errors)
  const files = {
    wasm: `${name}.wasm`,
    zkey: `${name}.zkey`,
    vkey: 'verification_key.json',
    r1cs: `${name}.r1cs`,
  }
  const initialZkey = join(dir, `${name}_0000.zkey`)

  try {
    await timed('compile (circom --O2)', () => compile(source, dir))
    // snarkjs fullProve needs only the .wasm; drop circom's JS wrappers around it.
    await rename(join(dir, `${name}_js`, files.wasm), join(dir, files.wasm))
    await rm(join(dir, `${name}_js`), { recursive: true })

    const r1cs = await snarkjs.r1cs.info(join(dir, files.r1cs))
    const nPublic = r1cs.nOutputs + r1cs.nPubInputs
    console.log(`  constraints: ${r1cs.nConstraints}, public signals: ${nPublic}`)

    const csHash = await timed('groth16 setup', () =>
      snarkjs.zKey.newZKey(join(dir, files.r1cs), options.ptau, initialZkey, logger),
    )
    if (csHash === -1) throw new Error(`zkey new failed: ${errors.join('; ') || 'unknown error'}`)

    const contribution = await timed('phase-2 beacon', () =>
      snarkjs.zKey.beacon(
        initialZkey,
        join(dir, files.zkey),
        `${name} dev beacon`,
        ZKEY_BEACON_HASH,
        ZKEY_BEACON_ITERATIONS_EXP,
        logger,
      ),
    )
    if (contribution === false) throw new Error(`zkey beacon failed: ${errors.join('; ') || 'unknown error'}`)
    await rm(initialZkey)

    const vkey = await timed('export vkey', () => snarkjs.zKey.exportVerificationKey(join(dir, files.zkey)))
    await writeFile(join(dir, files.vkey), `${JSON.stringify(vkey, null, 2)}\n`)

    const info: CircuitInfo = {
      name,
      system: 'groth16',
      curve: 'bn128',
      nConstraints: r1cs.nConstraints,
      nPublic,
      files,
    }
    await writeFile(join(dir, 'info.json'), `${JSON.stringify(info, null, 2)}\n`)
    await writeFile(join(dir, '.build-stamp'), `${stamp}\n`)

    await rm(finalDir, { recursive: true, force: true })
    await rename(dir, finalDir)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2))
  if (!existsSync(options.ptau)) {
    throw new Error(
      `powers of tau file not found: ${options.ptau}\n` +
        'Regenerate the dev file with `bash circuits/ptau/generate.sh`, or point ZKP_PTAU / --ptau at one.',
    )
  }

  const available = (await readdir(SRC_DIR)).filter((f) => f.endsWith('.circom')).map((f) => f.slice(0, -7))
  const unknown = options.only.filter((name) => !available.includes(name))
  if (unknown.length > 0) {
    throw new Error(`no such circuit: ${unknown.join(', ')} (have ${available.join(', ')})`)
  }
  const names = options.only.length > 0 ? options.only : available.sort()

  // Everything that determines the outputs, except the circuit's own sources (added per circuit).
  const common = {
    buildVersion: BUILD_VERSION,
    circomFlags: CIRCOM_FLAGS,
    zkeyBeacon: [ZKEY_BEACON_HASH, ZKEY_BEACON_ITERATIONS_EXP],
    circom2: await packageVersion('circom2'),
    circomlib: await packageVersion('circomlib'),
    snarkjs: await packageVersion('snarkjs'),
    ptau: await timed('hash ptau', async () => sha256(await readFile(options.ptau))),
  }
  console.log(`ptau: ${display(options.ptau)} (sha256 ${common.ptau.slice(0, 16)}...)`)

  const total = performance.now()
  for (const name of names) {
    const sources = await hashSources(join(SRC_DIR, `${name}.circom`))
    const sourceHashes = Object.fromEntries([...sources].map(([file, hash]) => [relative(ROOT, file), hash]))
    const stamp = sha256(JSON.stringify({ ...common, sources: sourceHashes }))
    const stampFile = join(options.outDir, name, '.build-stamp')
    const previous = existsSync(stampFile) ? (await readFile(stampFile, 'utf8')).trim() : ''
    if (!options.force && previous === stamp) {
      console.log(`${name}: up to date (use --force to rebuild)`)
      continue
    }
    console.log(`${name}:`)
    const start = performance.now()
    await buildCircuit(name, options, stamp)
    console.log(`  ${'total'.padEnd(22)} ${((performance.now() - start) / 1000).toFixed(2)} s`)
  }
  console.log(`done in ${((performance.now() - total) / 1000).toFixed(2)} s -> ${display(options.outDir)}`)
}

try {
  await main()
} catch (err) {
  console.error(`circuits build failed: ${err instanceof Error ? err.message : String(err)}`)
  process.exitCode = 1
} finally {
  // snarkjs's bn128 worker threads would otherwise keep the process alive.
  await globalThis.curve_bn128?.terminate()
}
