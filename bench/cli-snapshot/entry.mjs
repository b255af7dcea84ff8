// Issue 18 spike (bench/cli-snapshot/build.mjs): dist/cli/main.js as one script for a startup
// snapshot. Everything a cached `quarry run` loads is loaded at build time (zod-mode, the program's
// modules, run-command's); main.js's body runs when the snapshot is deserialized. Spike limits:
// zod-mode decided `jitless` from the builder's argv (so `serve` would parse without zod's JIT).
import '../../dist/cli/zod-mode.js'
import { failureOf } from '../../dist/cli/failure.js'
import { buildProgram } from '../../dist/cli/program.js'
import '../../dist/cli/run-command.js'

async function main() {
  const debug = process.argv.includes('--debug')
  const lastResort = (error) => {
    const failure = failureOf(error, debug)
    process.stderr.write(failure.text)
    process.exit(failure.exitCode)
  }
  process.on('uncaughtException', lastResort)
  process.on('unhandledRejection', (reason) => {
    if (process.listenerCount('unhandledRejection') === 1) lastResort(reason)
  })
  const program = await buildProgram()
  process.stdout.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error
    process.stdout.write = () => true
  })
  try {
    await program.parseAsync(process.argv)
  } catch (error) {
    const failure = failureOf(error, debug)
    process.stderr.write(failure.text)
    process.exitCode = failure.exitCode
  }
}
const { startupSnapshot } = process.getBuiltinModule('node:v8')
if (!startupSnapshot.isBuildingSnapshot()) {
  // Loaded as a plain script (vm-cache-runner.cjs): argv is already [node, script, ...args].
  globalThis.__quarryRequire = process.getBuiltinModule('node:module').createRequire(__filename)
  main()
} else {
  startupSnapshot.setDeserializeMainFunction(() => {
    // From a snapshot argv is [node, ...args] (run as `node --snapshot-blob B -- args`): Commander wants a script slot.
    process.argv.splice(1, 0, 'quarry')
    globalThis.__quarryRequire = process.getBuiltinModule('node:module').createRequire(__filename)
    main()
  })
}
