import Fastify, { type FastifyInstance } from 'fastify'
import { readFileSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import prettier from 'prettier'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { failureOf } from '../../src/cli/failure.js'
import { CliError } from '../../src/cli/errors.js'
import { CONVERTER_ERROR_CODES, ConverterError } from '../../src/convert/errors.js'
import { errorsMarkdown } from '../../src/domain/errors-doc.js'
import { ERROR_CODES, QuarryError, type ErrorCode } from '../../src/domain/errors.js'
import { answerErrors } from '../../src/server/app.js'
import { STORE_ERROR_CODES, StoreError } from '../../src/store/errors.js'

/**
 * Issue 11: one registry of error codes (src/domain/errors.ts). Its documentation is generated from
 * it; every code Quarry raises is in it and every code in it is raised; each one reaches the CLI
 * and the API as the registry says, without a stack.
 */

const root = new URL('../../', import.meta.url).pathname
const CODES = Object.keys(ERROR_CODES) as ErrorCode[]
/** Stack frames and Node's crash footer: what must never be printed or answered. */
const STACK = /^\s+at |Node\.js v\d/m

describe('docs/errors.md', () => {
  it('is what `npm run docs:errors` generates from the registry', async () => {
    const file = join(root, 'docs/errors.md')
    const options = (await prettier.resolveConfig(file)) ?? {}
    const generated = await prettier.format(errorsMarkdown(), { ...options, filepath: file })
    expect(readFileSync(file, 'utf8'), 'docs/errors.md is stale: run npm run docs:errors').toBe(generated)
  })

  it('lists every registered code with its fault, status and exit code', () => {
    const text = readFileSync(join(root, 'docs/errors.md'), 'utf8')
    for (const code of CODES) {
      const { fault, status, exitCode } = ERROR_CODES[code]
      expect(text).toMatch(new RegExp(`\\| \`${code}\` +\\| ${fault} +\\| ${status} +\\| ${exitCode} +\\|`))
    }
  })
})

/** Every .ts/.tsx file below `dir`. */
function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
}

/** The registry and its generated documentation name every code without raising it. */
const REGISTRY_FILES = new Set(['src/domain/errors.ts', 'src/domain/errors-doc.ts'])
/** QUARRY_ names that are environment variables, not error codes. */
const ENVIRONMENT_VARIABLES = new Set([
  'QUARRY_DATABASE_URL',
  'QUARRY_EXPORT_PASSPHRASE',
  'QUARRY_SECRET_KEY',
])

/** Each quoted QUARRY_ name in the server's, CLI's and admin UI's source, with the files it is in. */
function quotedCodes(): Map<string, string[]> {
  const found = new Map<string, string[]>()
  for (const file of [...sources('src'), ...sources('web/src')]) {
    if (REGISTRY_FILES.has(file)) continue
    for (const [, name = ''] of readFileSync(join(root, file), 'utf8').matchAll(
      /['"`](QUARRY_[A-Z0-9_]+)['"`]/g,
    ))
      if (!ENVIRONMENT_VARIABLES.has(name)) found.set(name, [...(found.get(name) ?? []), file])
  }
  return found
}

describe('the registry', () => {
  const quoted = quotedCodes()

  it('holds every code the source names (server, CLI, store, converter, admin UI)', () => {
    const unregistered = [...quoted.keys()].filter((name) => !(name in ERROR_CODES))
    expect(unregistered.map((name) => `${name} in ${quoted.get(name)?.join(', ')}`)).toEqual([])
  })

  it('holds no code that nothing raises', () => {
    expect(CODES.filter((code) => !quoted.has(code))).toEqual([])
  })

  it('gives each subclass of QuarryError its codes from the registry', () => {
    const registered = (code: ErrorCode) => {
      const { fault, status, exitCode } = ERROR_CODES[code]
      return { code, fault, status, exitCode }
    }
    for (const code of STORE_ERROR_CODES) expect(new StoreError(code, 'x')).toMatchObject(registered(code))
    for (const [kind, code] of Object.entries(CONVERTER_ERROR_CODES)) {
      const error = new ConverterError(kind as keyof typeof CONVERTER_ERROR_CODES, 'x')
      expect(error).toMatchObject(registered(code))
    }
    expect(new CliError('QUARRY_USAGE', 'x')).toMatchObject(registered('QUARRY_USAGE'))
  })
})

describe('every registered code through the CLI', () => {
  for (const code of CODES) {
    const { exitCode } = ERROR_CODES[code]
    it(`${code}: one "quarry:" line naming the code, exit ${exitCode}`, () => {
      const failure = failureOf(new QuarryError(code, 'Something failed.'), false)
      expect(failure).toEqual({ text: `quarry: Something failed. (${code})\n`, exitCode })
      expect(failure.text).not.toMatch(STACK)
    })
  }

  it('an error no one registered: QUARRY_INTERNAL in one line, exit 1, no stack', () => {
    const failure = failureOf(new TypeError('x is undefined'), false)
    expect(failure.text).toMatch(/^quarry: Quarry hit a bug \(QUARRY_INTERNAL, TypeError\); [^\n]*\n$/)
    expect(failure.text).not.toContain('x is undefined')
    expect(failure.exitCode).toBe(ERROR_CODES.QUARRY_INTERNAL.exitCode)
  })

  it('an error no one registered, with --debug: the stack', () => {
    const failure = failureOf(new TypeError('x is undefined'), true)
    expect(failure.text).toMatch(
      /^quarry: Quarry hit a bug \(QUARRY_INTERNAL\):\nTypeError: x is undefined\n\s+at /,
    )
  })
})

describe('every registered code through the API', () => {
  let app: FastifyInstance
  beforeAll(async () => {
    // The server's own error handling (app.ts) on a route that raises what it is told.
    app = Fastify({ logger: false })
    answerErrors(app)
    app.get('/raise/:code', async (request) => {
      throw new QuarryError((request.params as { code: ErrorCode }).code, 'Something failed.')
    })
    app.get('/bug', async () => {
      throw new TypeError('x is undefined')
    })
    app.post('/echo', async (request) => request.body)
    await app.ready()
  })
  afterAll(async () => {
    await app.close()
  })

  for (const code of CODES) {
    const { status, summary } = ERROR_CODES[code]
    it(`${code}: ${status} with { error: { code, message } }`, async () => {
      const response = await app.inject({ url: `/raise/${code}` })
      expect(response.statusCode).toBe(status)
      expect(response.headers['content-type']).toMatch(/^application\/json/)
      const body = response.json<{ error: { code: string; message: string } }>()
      // Someone not signed in reads the message, or the registry's summary where it may hold details.
      expect(body).toEqual({ error: { code, message: expect.toBeOneOf(['Something failed.', summary]) } })
      expect(response.body).not.toMatch(STACK)
    })
  }

  it('an error no one registered: 500 QUARRY_INTERNAL, no stack, nothing of its message', async () => {
    const response = await app.inject({ url: '/bug' })
    expect(response.statusCode).toBe(500)
    expect(response.json()).toEqual({
      error: { code: 'QUARRY_INTERNAL', message: ERROR_CODES.QUARRY_INTERNAL.summary },
    })
  })

  it('Fastify’s complaints about a request: registered codes with their statuses', async () => {
    const notJson = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{',
    })
    expect([notJson.statusCode, notJson.json().error.code]).toEqual([400, 'QUARRY_BAD_REQUEST'])
    const tooLarge = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ text: 'x'.repeat(1024 * 1024 + 1) }),
    })
    expect([tooLarge.statusCode, tooLarge.json().error.code]).toEqual([413, 'QUARRY_BODY_TOO_LARGE'])
    const otherType = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/xml' },
      payload: '<x/>',
    })
    expect([otherType.statusCode, otherType.json().error.code]).toEqual([415, 'QUARRY_MEDIA_TYPE'])
    const nowhere = await app.inject({ url: '/nowhere' })
    expect([nowhere.statusCode, nowhere.json().error.code]).toEqual([404, 'QUARRY_NOT_FOUND'])
  })
})
