import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Vitest's default is one file at a time on 2 cores (cores - 1), but most files spend their
    // time waiting on servers, simulators, databases and Chromium: two at a time took the suite
    // from ~1520 s to ~1160 s on CI's 2-core machine, all passing (2026-12-03).
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
})
