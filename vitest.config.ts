import { defineConfig } from 'vitest/config'

const report = process.env.ZKP_TEST_REPORT

export default defineConfig({
  test: {
    // CI asks for a JSON report beside the usual output, to print its closing line.
    reporters: report ? ['default', 'json'] : ['default'],
    ...(report ? { outputFile: { json: report } } : {}),
    include: ['test/**/*.test.ts'],
    setupFiles: ['./node/polyfill.ts'],
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
})
