#!/usr/bin/env node
// The CLI runs from the compiled tree (npm run build, run by `npm ci` through "prepare").
let cli
try {
  cli = await import('../../dist/cli/main.js')
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli/main.js')) {
    process.stderr.write('zkp-node: dist/ is missing; run `npm run build` first\n')
    process.exit(1)
  }
  throw err
}
process.exit(await cli.main(process.argv))
