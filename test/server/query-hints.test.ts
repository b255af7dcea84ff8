import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Visibility } from '../../src/domain/query.js'
import type { Role } from '../../src/domain/roles.js'
import { ALWAYS_SEE, CACHE_TTL_HINT, GROUPS_HINT, whoSees } from '../../web/src/query-hints.js'
import { startTestServer, type Browser, type TestServer } from '../helpers/server.js'

/**
 * Issue 11: each hint of the query editor's cache and visibility fields (web/src/query-hints.ts),
 * beside what the server does. A person either sees the query (by role and groups: any parameter
 * value), opens its view only as a visitor (it is public: parameters fixed), or cannot open it.
 */

type Outcome = 'sees' | 'visitor' | 'nothing'
const PEOPLE = ['admin', 'editor', 'viewer in team', 'other viewer', 'anonymous'] as const
type Person = (typeof PEOPLE)[number]

let server: TestServer
const browsers = new Map<Person, Browser | undefined>()
let admin: Browser

beforeAll(async () => {
  server = await startTestServer()
  // The store's own SQLite file: any readable database does for `SELECT :n`.
  await server.engine.addDatasource({
    name: 'db',
    type: 'sqlite',
    path: join(server.engine.dir, 'quarry.db'),
  })
  const people: [Person, Role, string[]][] = [
    ['admin', 'admin', []],
    ['editor', 'editor', []],
    ['viewer in team', 'viewer', ['team']],
    ['other viewer', 'viewer', []],
  ]
  for (const [person, role, groups] of people)
    browsers.set(person, await server.signIn(person.replaceAll(' ', '-'), role, groups))
  browsers.set('anonymous', undefined)
  admin = browsers.get('admin')!
})
afterAll(() => server.close())

/** What `person` gets from the query's view: with another value of its parameter, then with none. */
async function outcome(name: string, person: Person): Promise<Outcome> {
  const as = browsers.get(person)
  const other = await server.as(as, { method: 'GET', url: `/v/${name}?n=other` })
  if (other.statusCode === 200) return 'sees'
  const fixed = await server.as(as, { method: 'GET', url: `/v/${name}` })
  return fixed.statusCode === 200 ? 'visitor' : 'nothing'
}

const ONLY_ADMINS_AND_EDITORS: Record<Person, Outcome> = {
  admin: 'sees',
  editor: 'sees',
  'viewer in team': 'nothing',
  'other viewer': 'nothing',
  anonymous: 'nothing',
}

const CASES: {
  readonly visibility: Visibility
  readonly sentence: string
  readonly outcomes: Record<Person, Outcome>
}[] = [
  {
    visibility: { roles: ['viewer', 'editor'], groups: [], public: false },
    sentence: 'Admins, editors and viewers see it; nobody else can open its view.',
    outcomes: {
      admin: 'sees',
      editor: 'sees',
      'viewer in team': 'sees',
      'other viewer': 'sees',
      anonymous: 'nothing',
    },
  },
  {
    visibility: { roles: ['viewer'], groups: ['team'], public: false },
    sentence: 'Admins, editors and viewers in team see it; nobody else can open its view.',
    outcomes: {
      admin: 'sees',
      editor: 'sees',
      'viewer in team': 'sees',
      'other viewer': 'nothing',
      anonymous: 'nothing',
    },
  },
  {
    // The Viewers box off.
    visibility: { roles: [], groups: ['team'], public: false },
    sentence: 'Only admins and editors see it; nobody else can open its view.',
    outcomes: ONLY_ADMINS_AND_EDITORS,
  },
  {
    // A stored `editor` (the editor box before issue 11) changes nothing: editors see every query.
    visibility: { roles: ['editor'], groups: [], public: false },
    sentence: 'Only admins and editors see it; nobody else can open its view.',
    outcomes: ONLY_ADMINS_AND_EDITORS,
  },
  {
    visibility: { roles: ['viewer'], groups: ['team'], public: true },
    sentence:
      'Admins, editors and viewers in team see it; anyone else, signed in or not, can open its view with the parameters opened to visitors.',
    outcomes: {
      admin: 'sees',
      editor: 'sees',
      'viewer in team': 'sees',
      'other viewer': 'visitor',
      anonymous: 'visitor',
    },
  },
]

describe('the visibility hints', () => {
  it('say that admins and editors see every query, and groups narrow only the viewers', () => {
    expect(ALWAYS_SEE).toBe('Admins and editors see every query. Who else may see this one:')
    expect(GROUPS_HINT).toBe('Comma-separated; when set, only viewers in one of them see it.')
  })

  it.each(CASES.map((c, index) => [index, c] as const))(
    'case %i: the sentence under the boxes names who the server lets in',
    async (index, { visibility, sentence, outcomes }) => {
      const name = `visible-${index}`
      await server.engine.addQuery({
        name,
        datasource: 'db',
        sql: 'SELECT :n AS x',
        params: [{ name: 'n', type: 'string', default: 'fixed' }],
        visibility,
      })
      expect(whoSees(visibility)).toBe(sentence)
      const got: Record<string, Outcome> = {}
      for (const person of PEOPLE) got[person] = await outcome(name, person)
      expect(got).toEqual(outcomes)
    },
  )
})

describe('the cache TTL hint', () => {
  const runTwice = async (name: string) => {
    const run = () =>
      server.as(admin, { method: 'POST', url: `/api/queries/${name}/run`, payload: { params: {} } })
    const first = (await run()).json<{ fromCache: boolean }>()
    const second = (await run()).json<{ fromCache: boolean }>()
    return [first.fromCache, second.fromCache]
  }

  it('says an empty field or 0 means no caching: a second run fetches again', async () => {
    expect(CACHE_TTL_HINT).toBe('Empty or 0: no caching; every run fetches the rows afresh.')
    await server.engine.addQuery({ name: 'uncached', datasource: 'db', sql: 'SELECT 1 AS x' })
    await server.engine.addQuery({ name: 'zero', datasource: 'db', sql: 'SELECT 1 AS x', cacheTtlSeconds: 0 })
    expect(await runTwice('uncached')).toEqual([false, false])
    expect(await runTwice('zero')).toEqual([false, false])
  })

  it('is about the field: with a TTL, the second run comes from the cache', async () => {
    await server.engine.addQuery({
      name: 'cached',
      datasource: 'db',
      sql: 'SELECT 1 AS x',
      cacheTtlSeconds: 60,
    })
    expect(await runTwice('cached')).toEqual([false, true])
  })
})
