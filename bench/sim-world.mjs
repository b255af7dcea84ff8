// How long the simulator takes to generate its world, and what the world keeps
// on the heap, against the issue's budget (100,000 issues in under 5 s, holding
// no more than they need). Run with --expose-gc so retained memory is measured
// after a collection:
//   npm run bench:world
import { generateWorld } from '../dist/sim/data/generate.js'
import { recordResult } from './results.mjs'

const issues = Number(process.argv.slice(2).find((arg) => /^\d+$/.test(arg)) ?? 100_000)
const BUDGET_MS = 5000
const anchor = Date.UTC(2026, 10, 28)
globalThis.gc?.()
const before = process.memoryUsage()
const start = performance.now()
const world = generateWorld({ seed: 1, issues, anchor })
const elapsed = performance.now() - start
globalThis.gc?.()
const after = process.memoryUsage()
const retained = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers)
const count = world.issues.reduce((sum, table) => sum + table.count, 0)
const line =
  `generateWorld(${count} issues): ${elapsed.toFixed(0)} ms = **${((elapsed / BUDGET_MS) * 100).toFixed(1)}% of the 5 s budget**; ` +
  `retained ${(retained / 1024 / 1024).toFixed(1)} MB (${(retained / count).toFixed(0)} bytes an issue; text is derived on demand)` +
  (globalThis.gc ? '' : ' — run with --expose-gc for an exact retained size')
console.log(line)
if (!process.argv.includes('--no-write'))
  recordResult('Simulator: world generation', 'npm run bench:world', line)
