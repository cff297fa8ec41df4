import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'

/**
 * Vitest global setup: runs once before all test files. Compiles the tree to dist/ so the CLI tests (which
 * run `node cli/bin/zkp-node.js`, i.e. dist/cli/main.js) exercise the code under test, not a stale build.
 * A type error fails the whole run here, loudly, rather than as a confusing CLI failure later.
 */
export default async function setup(): Promise<void> {
  // For quick runs of tests that do not spawn the CLI: ZKP_SKIP_BUILD=1 npx vitest run test/protocol
  if (process.env.ZKP_SKIP_BUILD === '1') return
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], {
    encoding: 'utf8',
    stdio: 'pipe',
  })
  if (result.error !== undefined || result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim()
    throw new Error(
      `global setup: \`tsc -p tsconfig.json\` failed (status ${result.status}):\n${output || result.error?.message}`,
    )
  }
}
