// Issue 18 spike, not part of the CLI: can a user-land startup snapshot (`node --snapshot-blob
// B --build-snapshot entry.js`, then `node --snapshot-blob B -- args`) start a cached `quarry run`
// faster than the bundle in dist/bundle? This builds what bench/cli-snapshot/measure.mjs compares,
// from the compiled modules in dist/ (run `npm run build` first), into bench/out/cli-snapshot/:
//   cli.cjs, cli.blob              every command in one CommonJS script (dynamic imports inlined
//                                  as lazy inits), run once at build time up to main()
//   cli-run-only.cjs, .blob        the same with every dynamic import but `run`'s left out: what
//                                  a snapshot holding only a cached run's code would cost
//   empty.blob                     a snapshot of nothing: the floor of any user-land snapshot
// A snapshot's script must be one file that requires only built-ins, and no native binding (the
// node:sqlite one) may be live when it is written; so every module the bundle requires at its top
// level is wrapped to load on first use, and user-land externals are required from the real files
// once the snapshot runs. The cjs files also run as plain scripts (vm-cache-runner.cjs).
//   node bench/cli-snapshot/build.mjs
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'rolldown'
import { isExternal } from '../../scripts/cli-externals.mjs'

const out = fileURLToPath(new URL('../out/cli-snapshot/', import.meta.url))

// Top-level requires load on first use of an export: node:sqlite cannot be in a snapshot, and the
// snapshot builder's require() knows built-ins only. `import(x)` has no loader in a snapshot either.
const PRELUDE = `
function __quarryLazy(id, interop) {
  let loaded
  const load = () => (loaded ??= id.startsWith('node:') ? process.getBuiltinModule(id) : globalThis.__quarryRequire(id))
  return new Proxy({ __id: id }, {
    get: (_, key) => key === '__id' ? id : (interop && key === 'default' && load()[Symbol.toStringTag] !== 'Module' ? load() : load()[key]),
    has: (_, key) => key in load(),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_, key) => {
      const d = Reflect.getOwnPropertyDescriptor(load(), key)
      return d && { ...d, configurable: true }
    },
  })
}
function __quarryImport(id) {
  return Promise.resolve().then(() => {
    const m = globalThis.__quarryRequire(id)
    return m && m[Symbol.toStringTag] === 'Module' ? m : Object.assign(Object.create(null), m, { default: m })
  })
}
`

async function bundle(file, runOnly) {
  await build({
    input: fileURLToPath(new URL('./entry.mjs', import.meta.url)),
    platform: 'node',
    logLevel: 'silent',
    external: isExternal,
    plugins: [
      ...(runOnly
        ? [
            {
              name: 'run-only',
              resolveId: (source, _importer, extra) =>
                extra.kind === 'dynamic-import' && !/run-command\.js$/.test(source)
                  ? { id: source, external: true }
                  : null,
            },
          ]
        : []),
      {
        name: 'lazy-requires',
        renderChunk: (code) =>
          PRELUDE +
          code
            .replace(
              /^let ([\w$]+) = require\("([^"]+)"\);$/gm,
              (_, name, id) => `let ${name} = __quarryLazy("${id}");`,
            )
            .replace(
              /^([\w$]+) = __toESM\(\1, 1\);$/gm,
              (_, name) => `${name} = __quarryLazy(${name}.__id, true);`,
            )
            .replace(/\bimport\("([^"]+)"\)/g, (_, id) => `__quarryImport("${id}")`),
      },
    ],
    output: {
      file: `${out}${file}`,
      format: 'cjs',
      codeSplitting: false,
      charset: 'ascii',
      comments: { legal: true, annotation: false, jsdoc: false },
    },
  })
}

function snapshot(script, blob) {
  const run = spawnSync(
    process.execPath,
    ['--snapshot-blob', `${out}${blob}`, '--build-snapshot', `${out}${script}`],
    {
      encoding: 'utf8',
    },
  )
  if (run.status !== 0) throw new Error(`snapshot of ${script}: ${run.stderr.slice(0, 2000)}`)
}

mkdirSync(out, { recursive: true })
await bundle('cli.cjs', false)
await bundle('cli-run-only.cjs', true)
writeFileSync(`${out}empty.cjs`, "require('node:v8').startupSnapshot.setDeserializeMainFunction(() => {})\n")
snapshot('cli.cjs', 'cli.blob')
snapshot('cli-run-only.cjs', 'cli-run-only.blob')
snapshot('empty.cjs', 'empty.blob')
console.log(`built into ${out}`)
