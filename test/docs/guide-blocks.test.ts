import { spawn, type ChildProcess } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ZodType } from 'zod'
import { ConverterPool } from '../../src/convert/index.js'
import { AlertSchema } from '../../src/domain/alert.js'
import { ConfigDocumentSchema } from '../../src/domain/config-document.js'
import { DatasourceSchema } from '../../src/domain/datasource.js'
import { QuerySchema, TemplateSchema } from '../../src/domain/query.js'
import { fencedBlocks, runBash, stopGroup, type DocBlock } from '../helpers/doc-blocks.js'
import { TEST_SECRET_KEY } from '../helpers/engine.js'
import { freePort } from '../helpers/quarry-process.mjs'
import { createTestSchema, type TestSchema } from '../helpers/postgres.js'
import { startSmtpReceiver, testCertificate, type SmtpReceiver } from '../notify/receivers.js'

/**
 * Issue 19: every code block in docs/ is executed, as the README's walkthroughs are
 * (test/readme.test.ts). A block's info string says how (helpers/doc-blocks.ts reads it):
 *
 * - `sh`, `bash`, `shell`: run with `set -euo pipefail` in the document's own temporary directory,
 *   with `quarry` on PATH (the built CLI, bin/quarry.js), QUARRY_SECRET_KEY set, a store of its own
 *   (XDG_DATA_HOME in that directory), and the Atlassian Cloud simulator at `$SIM`, started as
 *   docs/guide/README.md says (simArguments). `$PORT` is a free port for `quarry serve`,
 *   `$CALLBACK_PORT` the one of the simulator app's callback (`http://127.0.0.1:$CALLBACK_PORT/callback`).
 *   Only for a document whose shell blocks use them (each is made for that document alone):
 *   `$PG_URL`, a `postgres://` address of an empty schema of its own on the test PostgreSQL (for
 *   `QUARRY_DATABASE_URL`); `$SMTP_PORT`, a mail server on loopback that offers STARTTLS with a test
 *   certificate whose authority is the PEM file `$SMTP_CA`, takes the login `$SMTP_USER`/`$SMTP_PASSWORD`
 *   and keeps each mail it receives as a file `N.eml` in `$MAIL_DIR`; `$QUARRY_REPO`, the checkout the
 *   tests run in (for its fixtures, `$QUARRY_REPO/test/fixtures/…`). A document is a story: its blocks run in order,
 *   sharing the directory, the store and what an earlier block left running in the background
 *   (stopped when the document ends); shell variables do not carry over from one block to the next.
 *   Documents run side by side (vitest's maxConcurrency at once): a page uses its own ports and
 *   directory, never a fixed port or a file elsewhere.
 * - `text output` right after a shell block: each of its lines appears in what that block printed.
 * - `js converter`: runs through the real sandbox (ConverterPool) with the document's `json input`
 *   block as its one page (the last one before it, else the first after it); the first `json rows`
 *   block after it is the rows it must return (without one, it must return some rows).
 * - `json schema=NAME`: parsed and validated by the zod schema it documents (SCHEMAS below); any
 *   other `json` block is parsed.
 * - `LANG file=NAME` (a template, a Liquid source, a JSON document): written to NAME in the
 *   document's directory before each shell block after it runs; a later shell block must use it.
 * - `text`: prose shown as code (diagrams, output, commands on machines that are not this one).
 * - `LANG no-run: REASON`: not run here; the reason is required and the test lists each such block.
 *   A test file the reason names (`test/….test.ts`) exists; one it says the block is `executed by`
 *   reads the document (itself or through a helper next to it).
 */
const root = fileURLToPath(new URL('../..', import.meta.url))
const SHELLS = new Set(['sh', 'bash', 'shell'])
const SCHEMAS: Readonly<Record<string, ZodType>> = {
  'config-document': ConfigDocumentSchema,
  datasource: DatasourceSchema,
  query: QuerySchema,
  template: TemplateSchema,
  alert: AlertSchema,
}

/**
 * The simulator every page's shell blocks run against: the `quarry sim` line of docs/guide/README.md's
 * setup block, as a reader runs it, on free ports in place of the documented 4455 and 8765.
 */
function simArguments(simPort: number, callbackPort: number): string[] {
  const intro = fencedBlocks('docs/guide/README.md', readFileSync(join(root, 'docs/guide/README.md'), 'utf8'))
  const line = intro.flatMap((block) => block.body.split('\n')).find((text) => text.startsWith('quarry sim '))
  if (!line) throw new Error('docs/guide/README.md no longer shows how to start the simulator')
  return line
    .replace('--port 4455', `--port ${simPort}`)
    .replace('127.0.0.1:8765/callback', `127.0.0.1:${callbackPort}/callback`)
    .split(/\s+/)
    .slice(1)
}

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return markdownFiles(path)
    return entry.name.endsWith('.md') ? [relative(root, path)] : []
  })
}

const files = markdownFiles(join(root, 'docs')).sort()
const blocksOf = new Map(
  files.map((file) => [file, fencedBlocks(file, readFileSync(join(root, file), 'utf8'))]),
)
const allBlocks = [...blocksOf.values()].flat()
const where = (block: DocBlock): string => `${block.file}:${block.line}`

/** The NAME of a block's `file=NAME` flag: the shell blocks after it find it in their directory. */
function fileName(block: DocBlock): string | undefined {
  return block.flags.find((flag) => flag.startsWith('file='))?.slice('file='.length)
}

/** Why `block` is not one the harness knows how to treat ('' when it is). */
function misuse(block: DocBlock): string {
  if (block.lang === '') return 'has no language: say `text` for prose, or the language it is in'
  if (block.noRun !== undefined) {
    if (block.noRun.length < 10) return 'is no-run without a reason (`no-run: why it cannot run here`)'
    for (const path of block.noRun.match(/test\/[\w./-]+\.test\.ts/g) ?? []) {
      if (!existsSync(join(root, path))) return `names ${path}, which does not exist`
      const test = readFileSync(join(root, path), 'utf8')
      const helpers = [...test.matchAll(/from '(\.\/[\w.-]+)\.js'/g)].map((m) =>
        join(root, path, '..', `${m[1]}.ts`),
      )
      const reads = [test, ...helpers.filter(existsSync).map((p) => readFileSync(p, 'utf8'))]
      const executed = block.noRun.includes('executed by')
      if (executed && !reads.some((text) => text.includes(basename(block.file))))
        return `names ${path}, which never reads it`
    }
    return ''
  }
  const file = fileName(block)
  if (file !== undefined) {
    const later = (blocksOf.get(block.file) ?? []).filter(
      (b) => b.line > block.line && SHELLS.has(b.lang) && b.noRun === undefined,
    )
    if (!later.some((b) => b.body.includes(file)))
      return `is written to ${file}, which no later shell block uses`
  }
  if (SHELLS.has(block.lang)) return ''
  if (file !== undefined && block.lang !== 'json') return ''
  if (block.lang === 'text')
    return block.flags.every((flag) => flag === 'output') ? '' : 'text takes only `output`'
  if (block.lang === 'js') return block.flags.includes('converter') ? '' : 'js runs only as `js converter`'
  if (block.lang === 'json') {
    const schema = block.flags.find((flag) => flag.startsWith('schema='))?.slice('schema='.length)
    if (schema !== undefined && !(schema in SCHEMAS))
      return `names schema ${schema}: known are ${Object.keys(SCHEMAS).join(', ')}`
    return ''
  }
  return `is ${block.lang}, which the harness cannot run: mark it \`${block.lang} no-run: why\``
}

describe('code blocks in docs/', () => {
  it('are all of a kind the harness runs, or marked no-run with a reason', () => {
    const wrong = allBlocks.map((block) => [where(block), misuse(block)] as const).filter(([, why]) => why)
    expect(wrong.map(([at, why]) => `${at} ${why}`)).toEqual([])
  })

  it('lists every block that does not run, with its reason', () => {
    const skipped = allBlocks.filter((block) => block.noRun !== undefined)
    // The list is part of the test's output on purpose: nothing is skipped silently.
    console.log(
      `no-run blocks (${skipped.length}):\n${skipped.map((b) => `  ${where(b)} ${b.lang}: ${b.noRun}`).join('\n')}`,
    )
    expect(skipped.every((block) => (block.noRun ?? '').length >= 10)).toBe(true)
  })
})

const pool = new ConverterPool({ size: 1 })
afterAll(() => pool.close())

describe.each(
  files.filter((file) => blocksOf.get(file)?.some((b) => b.noRun === undefined && b.lang === 'json')),
)('%s: json blocks', (file) => {
  const blocks = (blocksOf.get(file) ?? []).filter((b) => b.noRun === undefined && b.lang === 'json')
  it.each(blocks.map((block) => [where(block), block] as const))(
    '%s parses (and fits its schema)',
    (_, block) => {
      const value: unknown = JSON.parse(block.body)
      const schema = block.flags.find((flag) => flag.startsWith('schema='))?.slice('schema='.length)
      if (schema !== undefined) {
        const result = (SCHEMAS[schema] as ZodType).safeParse(value)
        expect(result.error?.issues ?? []).toEqual([])
      }
    },
  )
})

describe.each(
  files.filter((file) => blocksOf.get(file)?.some((b) => b.noRun === undefined && b.lang === 'js')),
)('%s: converters', (file) => {
  const blocks = blocksOf.get(file) ?? []
  const converters = blocks.flatMap((block, at) =>
    block.lang === 'js' && block.noRun === undefined ? [at] : [],
  )
  it.each(converters.map((at) => [where(blocks[at] as DocBlock), at] as const))(
    '%s runs in the sandbox over the documented input',
    async (_, at) => {
      const isInput = (b: DocBlock): boolean => b.lang === 'json' && b.flags.includes('input')
      const input = blocks.slice(0, at).findLast(isInput) ?? blocks.slice(at + 1).find(isInput)
      expect(input, 'the document has a `json input` block for the converter').toBeDefined()
      const result = await pool.run({
        source: (blocks[at] as DocBlock).body,
        pages: [(input as DocBlock).body],
        metadata: { query: 'docs', parameters: {} },
      })
      // Its expected rows: the first `json rows` block after it, before the next converter.
      const after = blocks.slice(at + 1)
      const until = after.findIndex((b) => b.lang === 'js')
      const expected = after
        .slice(0, until < 0 ? undefined : until)
        .find((b) => b.lang === 'json' && b.flags.includes('rows'))
      const rows: unknown = JSON.parse(result.rowsJson)
      if (expected) expect(rows).toEqual(JSON.parse(expected.body))
      else expect(result.rowCount).toBeGreaterThan(0)
    },
  )
})

/** Whether a shell block of `file` that runs uses the variable `name` (`$NAME` or `${NAME}`). */
function uses(file: string, name: string): boolean {
  return shellSteps(file).some(({ block }) => new RegExp(`\\$\\{?${name}\\b`).test(block.body))
}

/** The mail server's login (a test value: the server is on loopback for one document's run). */
const SMTP_LOGIN = { user: 'quarry-docs', password: 'smtp-docs-password-4c1e' }
let certificate: { key: string; cert: string } | undefined

/** The shell blocks of a document, each with the `text output` block that follows it, if any. */
function shellSteps(file: string): Array<{ block: DocBlock; output: DocBlock | undefined }> {
  const blocks = blocksOf.get(file) ?? []
  return blocks.flatMap((block, at) => {
    if (!SHELLS.has(block.lang) || block.noRun !== undefined) return []
    const next = blocks[at + 1]
    return [{ block, output: next?.lang === 'text' && next.flags.includes('output') ? next : undefined }]
  })
}

// Documents run side by side (each has its own directory, store, simulator and ports; at most
// maxConcurrency at once), the blocks of one document in order.
const stories = files.filter((file) => shellSteps(file).length > 0)
describe.concurrent.each(stories)('%s: shell blocks, in order', (file) => {
  let dir = ''
  let sim: ChildProcess | undefined
  const groups: number[] = []
  let env: NodeJS.ProcessEnv = {}
  let failed = ''
  let schema: TestSchema | undefined
  let smtp: SmtpReceiver | undefined

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'quarry-docs-'))
    const bin = join(dir, '.bin')
    mkdirSync(bin)
    writeFileSync(
      join(bin, 'quarry'),
      `#!/bin/sh\nexec "${process.execPath}" "${join(root, 'bin/quarry.js')}" "$@"\n`,
    )
    chmodSync(join(bin, 'quarry'), 0o755)
    const [simPort, port, callbackPort] = [await freePort(), await freePort(), await freePort()]
    env = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      QUARRY_SECRET_KEY: TEST_SECRET_KEY,
      QUARRY_DATABASE_URL: '',
      XDG_DATA_HOME: join(dir, '.data'),
      SIM: `http://127.0.0.1:${simPort}`,
      PORT: String(port),
      CALLBACK_PORT: String(callbackPort),
      QUARRY_REPO: root,
    }
    if (uses(file, 'PG_URL')) {
      schema = await createTestSchema()
      env.PG_URL = schema.url
    }
    if (uses(file, 'SMTP_PORT')) {
      certificate ??= testCertificate()
      const mailDir = join(dir, '.mail')
      mkdirSync(mailDir)
      writeFileSync(join(dir, '.smtp-ca.pem'), certificate.cert)
      smtp = await startSmtpReceiver(certificate, SMTP_LOGIN, {
        onMail: (mail, count) => writeFileSync(join(mailDir, `${count}.eml`), mail.raw),
      })
      Object.assign(env, {
        SMTP_PORT: String(smtp.port),
        SMTP_CA: join(dir, '.smtp-ca.pem'),
        SMTP_USER: SMTP_LOGIN.user,
        SMTP_PASSWORD: SMTP_LOGIN.password,
        MAIL_DIR: mailDir,
      })
    }
    sim = spawn(process.execPath, [join(root, 'bin/quarry.js'), ...simArguments(simPort, callbackPort)], {
      env,
      stdio: 'ignore',
    })
    for (let tries = 0; ; tries++) {
      const up = await fetch(`${env.SIM}/_sim/stats`).then(
        (response) => response.ok,
        () => false,
      )
      if (up) break
      if (tries > 150) throw new Error('the simulator did not start')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }, 30_000)

  afterAll(async () => {
    for (const group of groups) stopGroup(group)
    sim?.kill()
    await smtp?.close()
    await schema?.drop()
    rmSync(dir, { recursive: true, force: true })
  })

  // A document's own blocks never run side by side: `concurrent: false` overrides its suite's.
  it.each(shellSteps(file).map((step) => [where(step.block), step] as const))(
    '%s runs as written',
    { concurrent: false, timeout: 120_000 },
    async (_, { block, output }) => {
      // A story: once a step fails, the ones after it would fail for its reason, not theirs.
      expect(failed, `an earlier block failed: ${failed}`).toBe('')
      // The `file=NAME` blocks before this one are files in its directory, as the page says.
      for (const earlier of blocksOf.get(file) ?? []) {
        const name = fileName(earlier)
        if (name !== undefined && earlier.line < block.line) writeFileSync(join(dir, name), earlier.body)
      }
      const run = await runBash(`set -euo pipefail\n${block.body}`, { cwd: dir, env, keep: true })
      groups.push(run.group)
      if (run.code !== 0) failed = where(block)
      expect(run.code, run.out).toBe(0)
      const expected = (output?.body ?? '')
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean)
      expect(
        expected.filter((line) => !run.out.includes(line)),
        run.out,
      ).toEqual([])
    },
  )
})
