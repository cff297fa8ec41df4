import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The zkp-node package root (where package.json and circuits/ live), found by walking up from this file:
 * the same answer from cli/util (tsx) and dist/cli/util (compiled), whatever the working directory.
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'zkp-node')
      return dir
    dir = dirname(dir)
  }
  return process.cwd()
}

export function packageVersion(): string {
  try {
    return (
      (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string })
        .version ?? '0.0.0'
    )
  } catch {
    return '0.0.0'
  }
}
