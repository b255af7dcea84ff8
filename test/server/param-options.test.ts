import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { exportDocument, importDocument } from '../../src/config-transfer.js'
import { startTestServer, type Browser, type TestServer } from '../helpers/server.js'
import { startUpstream, type Upstream } from '../helpers/upstream.js'

/**
 * Issue 17 through the server: a board query whose `project` takes its values from a projects query
 * and whose `sprint` takes the sprints of the chosen project. Values outside the lists are refused by
 * every surface that runs it (views, the API, schedules; the CLI in test/cli/error-codes.test.ts).
 */
const SPRINTS: Record<string, { id: number; name: string }[]> = {
  DEMO: [
    { id: 1, name: 'Demo sprint 1' },
    { id: 2, name: 'Demo sprint 2' },
  ],
  OPS: [{ id: 7, name: 'Ops sprint 7' }],
}

let upstream: Upstream
let server: TestServer
let editor: Browser
let viewer: Browser
const asked: string[] = []

beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    const url = new URL(req.url ?? '/', 'http://upstream')
    asked.push(url.pathname)
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (url.pathname === '/projects') {
      return reply(200, [
        { key: 'DEMO', name: 'Demo project' },
        { key: 'OPS', name: 'Operations' },
      ])
    }
    if (url.pathname === '/sprints') return reply(200, SPRINTS[url.searchParams.get('project') ?? ''] ?? [])
    if (url.pathname === '/board') {
      return reply(200, [
        { project: url.searchParams.get('project'), sprint: url.searchParams.get('sprint') },
      ])
    }
    return reply(500, { errorMessages: ['down'] })
  })
  server = await startTestServer()
  await server.engine.addDatasource({ name: 'api', type: 'rest', baseUrl: upstream.url })
  await server.engine.addQuery({ name: 'projects', datasource: 'api', path: '/projects' })
  await server.engine.addQuery({
    name: 'sprints',
    datasource: 'api',
    path: '/sprints?project=:project',
    params: [{ name: 'project' }],
  })
  await server.engine.addQuery({ name: 'down', datasource: 'api', path: '/down' })
  await server.engine.addQuery({
    name: 'board',
    datasource: 'api',
    path: '/board?project=:project&sprint=:sprint',
    params: [
      { name: 'project', default: 'DEMO', options: { query: 'projects', value: 'key', label: 'name' } },
      {
        name: 'sprint',
        type: 'integer',
        options: { query: 'sprints', value: 'id', label: 'name', params: { project: ':project' } },
      },
    ],
  })
  await server.engine.addQuery({
    name: 'broken',
    datasource: 'api',
    path: '/board?project=:project',
    params: [{ name: 'project', options: { query: 'down' } }],
  })
  await server.engine.addQuery({
    name: 'boards',
    datasource: 'api',
    path: '/board?project=:projects',
    params: [
      { name: 'projects', type: 'list', default: 'DEMO', options: { query: 'projects', value: 'key' } },
    ],
  })
  editor = await server.signIn('eve', 'editor')
  viewer = await server.signIn('vic', 'viewer')
})
afterAll(async () => {
  await server.close()
  await upstream.close()
})
beforeEach(() => {
  asked.length = 0
})

describe('a view of a query with parameter options', () => {
  it("shows each options parameter as a labelled dropdown of its query's values, the dependent one for the chosen project", async () => {
    const page = await server.as(viewer, { url: '/v/board?project=OPS' })
    expect(page.statusCode).toBe(200)
    const html = page.body
    expect(html).toContain('<label for="p-project">project</label>')
    expect(html).toContain(
      '<select id="p-project" name="project"><option value="DEMO">Demo project</option><option value="OPS" selected>Operations</option></select>',
    )
    // No sprint given: the first of the OPS sprints is chosen, and the rows are fetched with it.
    expect(html).toContain(
      '<select id="p-sprint" name="sprint"><option value="7" selected>Ops sprint 7</option></select>',
    )
    expect(html).toContain('data-depends="project"')
    expect(html).toContain('data-options-url="/v/board/options/sprint"')
    expect(asked).toContain('/board')
  })

  it('shows a list parameter as a multi-select, and takes the items a form without script sends one by one', async () => {
    const page = await server.as(viewer, { url: '/v/boards?projects=DEMO&projects=OPS' })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain(
      '<select id="p-projects" name="projects" multiple size="2"><option value="DEMO" selected>DEMO</option><option value="OPS" selected>OPS</option></select>',
    )
    const refused = await server.as(viewer, { url: '/v/boards?projects=DEMO,NOPE' })
    expect(refused.body).toContain('&quot;NOPE&quot; is not one of them')
  })

  it('refuses a value outside the list with a coded error on the page, the dropdowns still shown', async () => {
    const page = await server.as(viewer, { url: '/v/board?project=DEMO&sprint=7' })
    // A failed run's view is a page with the registered status, as for every other failure.
    expect(page.statusCode).toBe(400)
    expect(page.body).toContain(
      'Parameter &quot;sprint&quot; takes only the values query &quot;sprints&quot; lists; &quot;7&quot; is not one of them. Choose one from its list. (QUARRY_PARAM_OPTION)',
    )
    expect(page.body).toContain('<option value="2">Demo sprint 2</option>')
    expect(asked).not.toContain('/board')
  })

  it('shows a failing options query’s error in place of its dropdown, and the page still renders', async () => {
    const page = await server.as(editor, { url: '/v/broken' })
    expect(page.statusCode).toBe(502)
    expect(page.body).toMatch(
      /<p class="quarry-error" role="alert" aria-labelledby="p-project-name">[^<]*500[^<]*\(QUARRY_UPSTREAM_STATUS\)<\/p>/,
    )
    expect(page.body).toContain('<h1>broken</h1>')
    expect(page.body).toContain('(QUARRY_PARAM_OPTIONS_FAILED)')
  })

  it('answers a dependent list for the values it depends on, and refuses one outside its own list', async () => {
    const ops = await server.as(viewer, { url: '/v/board/options/sprint?project=OPS' })
    expect(ops.json()).toEqual({ options: [{ value: '7', label: 'Ops sprint 7' }] })
    const nope = await server.as(viewer, { url: '/v/board/options/sprint?project=NOPE' })
    expect(nope.statusCode).toBe(400)
    expect(nope.json().error.code).toBe('QUARRY_PARAM_OPTION')
    expect(nope.json().error.message).toMatch(/^Parameter "project" .*"NOPE"/)
    const plain = await server.as(viewer, { url: '/v/board/options/nothing' })
    expect(plain.statusCode).toBe(404)
  })

  it('a Refresh of the view asks the options queries again', async () => {
    await server.as(viewer, { url: '/v/board' })
    asked.length = 0
    await server.as(viewer, { method: 'POST', url: '/v/board/refresh?project=OPS' })
    expect(asked.filter((path) => path === '/projects')).toHaveLength(1)
    expect(asked.filter((path) => path === '/sprints')).toHaveLength(1)
  })
})

describe('a dashboard whose parameter takes its values from a query', () => {
  it('shows that parameter in its bar as the same dropdown, reloading from the declaring query', async () => {
    const created = await server.as(editor, {
      method: 'POST',
      url: '/api/dashboards',
      payload: {
        name: 'sprint-board',
        params: [{ name: 'project', label: 'Project', default: 'DEMO' }, { name: 'sprint' }],
        panels: [{ id: 'board', query: 'board', x: 0, y: 0, width: 12, height: 2 }],
      },
    })
    expect(created.statusCode, created.body).toBe(201)
    const page = await server.as(viewer, { url: '/d/sprint-board?project=OPS' })
    expect(page.statusCode).toBe(200)
    const bar = /<form class="quarry-params quarry-dash-params"[^]*?<\/form>/.exec(page.body)?.[0] ?? ''
    expect(bar).toContain(
      '<select id="dp-project" name="project"><option value="DEMO">Demo project</option><option value="OPS" selected>Operations</option></select>',
    )
    expect(bar).toContain('<option value="7">Ops sprint 7</option>')
    expect(bar).toContain('data-options-url="/v/board/options/sprint"')
    expect(bar).toContain('data-depends="project"')
    // The dropdown is labelled by its own <label>, never inside another one.
    expect(bar).toContain('<label for="dp-project">Project</label>')
    expect(bar).not.toMatch(/<label[^>]*>(?:(?!<\/label>)[^])*<select/)
    expect(page.body).toContain('<script src="/assets/view.js"')
    expect(page.body).toContain('<link rel="stylesheet" href="/assets/view.css"')
    // Its panels are frames of this origin: the page's CSP lets it frame them (and nothing else).
    expect(page.headers['content-security-policy']).toContain("frame-src 'self';")
  })
})

describe('values outside the list on the other surfaces', () => {
  it('the API refuses them with the code, naming the parameter and the value', async () => {
    const run = await server.as(viewer, {
      method: 'POST',
      url: '/api/queries/board/run',
      payload: { params: { project: 'OPS', sprint: '1' } },
    })
    expect(run.statusCode).toBe(400)
    expect(run.json().error).toEqual({
      code: 'QUARRY_PARAM_OPTION',
      message:
        'Parameter "sprint" takes only the values query "sprints" lists; "1" is not one of them. Choose one from its list.',
    })
  })

  it('a schedule run with such a value fails with the code', async () => {
    const created = await server.as(editor, {
      method: 'POST',
      url: '/api/schedules',
      payload: {
        name: 'ops-board',
        query: 'board',
        params: { project: 'OPS', sprint: '2' },
        cron: '0 * * * *',
      },
    })
    expect(created.statusCode).toBe(201)
    const run = await server.as(editor, { method: 'POST', url: '/api/schedules/ops-board/run' })
    expect(run.json()).toMatchObject({ status: 'failed' })
    expect(run.json().error).toContain('QUARRY_PARAM_OPTION')
  })

  it('a schedule may leave a listed parameter out: each run takes the list’s first value then', async () => {
    const created = await server.as(editor, {
      method: 'POST',
      url: '/api/schedules',
      payload: { name: 'ops-first', query: 'board', params: { project: 'OPS' }, cron: '0 * * * *' },
    })
    expect(created.statusCode).toBe(201)
    const run = await server.as(editor, { method: 'POST', url: '/api/schedules/ops-first/run' })
    expect(run.json()).toMatchObject({ status: 'ok', rowCount: 1 })
  })
})

describe('saving and moving queries with options', () => {
  it('the API refuses an options query that does not exist, and options that lead back (a → b → a)', async () => {
    const missing = await server.as(editor, {
      method: 'POST',
      url: '/api/queries',
      payload: {
        name: 'orphan',
        datasource: 'api',
        path: '/x?p=:p',
        params: [{ name: 'p', options: { query: 'gone' } }],
      },
    })
    expect(missing.statusCode).toBe(400)
    expect(missing.json().error.message).toMatch(/takes its options from query "gone", which does not exist/)
    const withSprints = {
      name: 'sprints',
      datasource: 'api',
      path: '/sprints?project=:project',
      params: [{ name: 'project', options: { query: 'board', value: 'project' } }],
    }
    const circle = await server.as(editor, {
      method: 'PUT',
      url: '/api/queries/sprints',
      payload: withSprints,
    })
    expect(circle.statusCode).toBe(400)
    expect(circle.json().error.message).toMatch(/"sprints" → "board" → "sprints"/)
  })

  it('an export carries the options and an import brings them back', async () => {
    const document = JSON.parse(JSON.stringify(await exportDocument(server.engine.store))) as {
      queries: { name: string; params?: unknown[] }[]
    }
    const board = document.queries.find((query) => query.name === 'board')
    expect(board?.params?.[1]).toMatchObject({
      options: { query: 'sprints', params: { project: ':project' } },
    })
    const other = await startTestServer()
    try {
      await importDocument(other.engine.store, document, {
        replace: false,
        askPassphrase: () => '',
        where: 'in the test',
      })
      const imported = await other.engine.store.queries.get('board')
      expect((imported?.definition as { params: unknown[] }).params[1]).toMatchObject({
        options: { query: 'sprints', value: 'id', label: 'name' },
      })
      const withoutList = {
        ...document,
        queries: document.queries.filter((query) => query.name !== 'projects'),
      }
      const third = await startTestServer()
      try {
        await expect(
          importDocument(third.engine.store, withoutList, {
            replace: false,
            askPassphrase: () => '',
            where: 'in the test',
          }),
        ).rejects.toThrow(/takes its options from query "projects", which does not exist/)
      } finally {
        await third.close()
      }
    } finally {
      await other.close()
    }
  })
})
