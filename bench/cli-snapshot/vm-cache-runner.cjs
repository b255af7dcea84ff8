// Issue 18 spike: the one-script CLI (bench/cli-snapshot/build.mjs) run through vm.Script with a V8
// code cache written after a run, so it holds every function the run compiled; Node's compile cache
// (bin/quarry.js) is written when a module is compiled, before it runs. SPIKE_EARLY=1 writes it
// right after compiling instead, SPIKE_BUNDLE picks the script (default the run-only one).
// Built-ins through getBuiltinModule: this script stands for a CommonJS entry, not a module.
//   node bench/cli-snapshot/vm-cache-runner.cjs --db q.db run NAME
const { existsSync, readFileSync, renameSync, writeFileSync } = process.getBuiltinModule('node:fs')
const vm = process.getBuiltinModule('node:vm')
const { join } = process.getBuiltinModule('node:path')
const file = join(__dirname, '../out/cli-snapshot', process.env.SPIKE_BUNDLE ?? 'cli-run-only.cjs')
const early = process.env.SPIKE_EARLY === '1'
const cacheFile = `${file}.${process.version}${early ? '.early' : ''}.cache`
const cachedData = existsSync(cacheFile) ? readFileSync(cacheFile) : undefined
// The script is ASCII throughout (build.mjs: charset ascii), so latin1 reads it as one-byte text.
const source = readFileSync(file, 'latin1')
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
  filename: file,
  cachedData,
})
const stale = cachedData === undefined || script.cachedDataRejected
if (stale && early) {
  writeFileSync(cacheFile, script.createCachedData())
} else if (stale) {
  process.once('beforeExit', () => {
    writeFileSync(`${cacheFile}.tmp`, script.createCachedData())
    renameSync(`${cacheFile}.tmp`, cacheFile)
  })
}
script.runInThisContext()(module.exports, require, module, file, __dirname)
