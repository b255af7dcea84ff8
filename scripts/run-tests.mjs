// Runs the Vitest suite and ends with one plain line, `N passed, N failed`, so a
// reader of the log (CI included) sees the count without knowing Vitest's format.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const dir = mkdtempSync(join(tmpdir(), 'quarry-tests-'))
const report = join(dir, 'report.json')
const run = spawnSync(
  process.execPath,
  [
    'node_modules/vitest/vitest.mjs',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
)
let summary
try {
  const result = JSON.parse(readFileSync(report, 'utf8'))
  summary = `${result.numPassedTests} passed, ${result.numFailedTests} failed`
  if (result.numPendingTests + result.numTodoTests > 0)
    summary += `, ${result.numPendingTests + result.numTodoTests} skipped`
  if (result.numTotalTests === 0) {
    console.error('no test ran')
    process.exitCode = 1
  }
} catch {
  summary = 'tests did not report a result'
  process.exitCode = 1
}
rmSync(dir, { recursive: true, force: true })
console.log(`\nTests: ${summary}`)
if (run.status !== 0) process.exitCode = run.status ?? 1
