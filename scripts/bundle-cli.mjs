// Bundles the compiled CLI (dist/cli/main.js) and its dependencies into dist/bundle/, which
// bin/quarry.js loads when it is as new as dist/. Node resolves, reads and compiles each module file
// on its own: a cached `quarry run` loaded 573 files (kysely alone 257, zod 95) and `quarry serve`
// some 1,400 (fastify's CommonJS tree), and loading them was most of their start (bench/RESULTS.md,
// "CLI: cached run" and "Server start"). Commands are still imported lazily, so the bundle is split
// into chunks at those dynamic imports and `--help` loads none of the server.
// Left as normal imports: the packages of scripts/cli-externals.mjs.
//   node scripts/bundle-cli.mjs       (run by `npm run build`)
import { rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'rolldown'
import { isExternal } from './cli-externals.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))

/**
 * Node's built-in modules, as the bundle imports them (`import x from "node:fs"`, `import { a, b as c }
 * from "node:fs"`), read through process.getBuiltinModule instead. An ESM import of a built-in reads
 * every one of its exports to build the module's namespace, and that runs each lazy getter: importing
 * node:fs loads fs/promises and readline, node:crypto webcrypto and x509, node:util parseArgs and the
 * diff, node:process the report. getBuiltinModule hands over the object as require would, and the
 * bundle only ever reads named properties of it. `globalThis.process`: the bundle names one import
 * `process`.
 */
function builtinsByGetter(code) {
  const rewritten = code
    .replace(
      /^import ([\w$]+), \{([^}]*)\} from "(node:[\w/]+)";$/gm,
      (_, name, names, id) => `import ${name} from "${id}";\nimport {${names}} from "${id}";`,
    )
    .replace(
      /^import ([\w$]+) from "(node:[\w/]+)";$/gm,
      (_, name, id) => `const ${name} = globalThis.process.getBuiltinModule("${id}");`,
    )
    .replace(/^import \{([^}]*)\} from "(node:[\w/]+)";$/gm, (_, names, id) =>
      LOADED_ON_CALL.has(id) && functionsOf(id, names)
        ? functionsOf(id, names)
            .map(
              ([name, local]) =>
                `const ${local} = (...args) => globalThis.process.getBuiltinModule("${id}").${name}(...args);`,
            )
            .join('\n')
        : `const {${names.replace(/([\w$]+) as ([\w$]+)/g, '$1: $2')}} = globalThis.process.getBuiltinModule("${id}");`,
    )
  const left = /^import .* from "node:.*$/m.exec(rewritten)
  if (left) throw new Error(`bundle-cli: an import of a built-in in a form not rewritten: ${left[0]}`)
  return rewritten
}

// Built-ins that a start rarely needs, each heavy to load (child_process brings net, dgram and
// streams; fs/promises readline): functions imported from them load the module when first called.
const LOADED_ON_CALL = new Set(['node:child_process', 'node:fs/promises', 'node:zlib'])

/** `a, b as c` imported from built-in `id` as [name, local] pairs, when every one is a function; else undefined. */
function functionsOf(id, names) {
  const pairs = names
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [name, local = name] = part.split(/\s+as\s+/)
      return [name, local]
    })
  const module = process.getBuiltinModule(id)
  return pairs.every(([name]) => typeof module[name] === 'function') ? pairs : undefined
}

/** `code` with `from` replaced by `to`, which must be there once: a new version of a package fails the build, not the CLI. */
function replaceOnce(code, from, to) {
  if (code.split(from).length !== 2) throw new Error(`bundle-cli: expected one \`${from}\` to replace`)
  return code.replace(from, to)
}

rmSync(`${root}dist/bundle`, { recursive: true, force: true })
await build({
  input: `${root}dist/cli/main.js`,
  platform: 'node',
  logLevel: 'warn',
  external: isExternal,
  plugins: [
    { name: 'builtins-by-getter', renderChunk: (code) => builtinsByGetter(code) },
    {
      // What a cached `quarry run` reads (see `charset` below): one non-ASCII character makes a
      // whole chunk two-byte text. A server-only chunk may have them.
      name: 'cli-chunks-ascii',
      renderChunk: (code, chunk) => {
        const at = ['main', 'commands', 'run'].includes(chunk.name) ? code.search(/[\u0080-\uffff]/) : -1
        if (at >= 0) {
          const around = JSON.stringify(code.slice(at - 40, at + 20))
          throw new Error(`bundle-cli: non-ASCII text in chunk ${chunk.name}: ${around}`)
        }
        return null
      },
    },
    {
      // Commander imports child_process (and with it net, dgram and streams) for executable
      // subcommands, which Quarry has none of: every `quarry` start paid for loading it.
      name: 'commander-spawns-lazily',
      transform: (code, id) =>
        id.replaceAll('\\', '/').endsWith('/commander/lib/command.js')
          ? replaceOnce(
              code,
              "import childProcess from 'node:child_process';",
              "const childProcess = { spawn: (...args) => process.getBuiltinModule('node:child_process').spawn(...args) };",
            )
          : undefined,
    },
  ],
  output: {
    dir: `${root}dist/bundle`,
    format: 'esm',
    entryFileNames: 'main.js',
    // Node reads each file as UTF-8 text: a file that is ASCII throughout is decoded and kept as
    // one-byte text, one with a single `…` or `—` (in a doc comment) as two-byte, slower to decode,
    // twice the memory. Doc comments also made up a quarter of the bytes of what a cached `quarry
    // run` loads (issue 18); licence comments stay. Template literals are left as they are (the
    // sandbox's sources in src/convert/sandbox are some): the cli-chunks-ascii plugin checks.
    charset: 'ascii',
    comments: { legal: true, annotation: false, jsdoc: false },
    // Two chunks hold what the commands share: `commands` what every start loads (main.ts,
    // zod-mode, program.ts with every command's definition, commander) and `run` the rest of what
    // a `quarry run` loads (engine, store, kysely, zod's schemas), which most other commands use
    // as well. Left to itself rolldown cut one chunk per set of importers: 54 files for a cached
    // run, each resolved, read and looked up in the compile cache at every start.
    codeSplitting: {
      groups: [
        { name: 'commands', test: /[\\/]dist[\\/]cli[\\/](program|zod-mode)\.js$/, priority: 2 },
        { name: 'run', test: /[\\/]dist[\\/]cli[\\/]run-command\.js$/, priority: 1 },
      ],
    },
  },
})
