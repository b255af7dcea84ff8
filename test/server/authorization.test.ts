import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROUTES } from '../../src/server/app.js'
import type { Access } from '../../src/server/auth/access.js'
import { startTestServer, type Browser, type TestServer } from '../helpers/server.js'

/**
 * The authorization rule of every route, written out: the test fails when a route is added without
 * a line here, or when a route's rule changes. Views are public routes that check the query's own
 * visibility (tested in views.test.ts).
 */
const EXPECTED: Record<string, Access> = {
  'GET /api/setup': 'public',
  'GET /metrics': 'admin',
  'POST /api/setup': 'public',
  'GET /api/session': 'signed-in',
  'POST /api/session': 'public',
  'DELETE /api/session': 'signed-in',
  'PUT /api/session/password': 'signed-in',
  'GET /api/datasources': 'editor',
  'GET /api/datasources/:name': 'admin',
  'POST /api/datasources': 'admin',
  'GET /api/presets': 'admin',
  'POST /api/presets/:preset/datasources': 'admin',
  'PUT /api/datasources/:name': 'admin',
  'DELETE /api/datasources/:name': 'admin',
  'POST /api/datasources/:name/test': 'admin',
  'POST /api/datasources/:name/tokens': 'admin',
  // A per-user datasource's Connect is everyone's own (issue 15); a shared one's stays the admins' (in the
  // handler). The consent's state is bound to the session that started it.
  'POST /api/datasources/:name/connect': 'signed-in',
  'GET /api/oauth/callback': 'signed-in',
  // Admins see and revoke anyone's per-user connection; each person only their own (/api/me/…).
  'GET /api/datasources/:name/connections': 'admin',
  'DELETE /api/datasources/:name/connections/:user': 'admin',
  'GET /api/me/connections': 'signed-in',
  'POST /api/me/connections/:datasource/connect': 'signed-in',
  'DELETE /api/me/connections/:datasource': 'signed-in',
  'GET /api/queries': 'signed-in',
  'GET /api/queries/:name': 'signed-in',
  'POST /api/queries': 'editor',
  'PUT /api/queries/:name': 'editor',
  'DELETE /api/queries/:name': 'editor',
  'POST /api/queries/:name/run': 'signed-in',
  'POST /api/queries/:name/sample': 'editor',
  'GET /api/queries/:name/snapshots': 'signed-in',
  'POST /api/queries/:name/snapshots': 'editor',
  'GET /api/queries/:name/snapshots/:snapshot': 'signed-in',
  'DELETE /api/queries/:name/snapshots/:snapshot': 'editor',
  'GET /api/queries/:name/snapshot-diff': 'signed-in',
  'PUT /api/queries/:name/snapshot-retention': 'editor',
  'GET /api/converters': 'editor',
  'GET /api/converters/:name': 'editor',
  'POST /api/converters': 'editor',
  'PUT /api/converters/:name': 'editor',
  'DELETE /api/converters/:name': 'editor',
  'GET /api/templates': 'editor',
  'GET /api/templates/:name': 'editor',
  'POST /api/templates': 'editor',
  'PUT /api/templates/:name': 'editor',
  'DELETE /api/templates/:name': 'editor',
  'GET /api/dashboards': 'signed-in',
  'GET /api/dashboards/:name': 'signed-in',
  'POST /api/dashboards': 'editor',
  'PUT /api/dashboards/:name': 'editor',
  'DELETE /api/dashboards/:name': 'editor',
  'GET /d/:dashboard': 'public',
  'GET /d/:dashboard/panel/:panel': 'public',
  'POST /d/:dashboard/refresh': 'public',
  'POST /d/:dashboard/panel/:panel/refresh': 'public',
  'GET /assets/dashboard.css': 'public',
  'GET /api/subscriptions': 'editor',
  'POST /api/subscriptions': 'admin',
  'DELETE /api/subscriptions/:name': 'admin',
  'GET /unsubscribe': 'public',
  'POST /unsubscribe': 'public',
  'GET /api/alerts': 'editor',
  'GET /api/alerts/:name': 'editor',
  'POST /api/alerts': 'admin',
  'PUT /api/alerts/:name': 'admin',
  'DELETE /api/alerts/:name': 'admin',
  'POST /api/alerts/:name/check': 'admin',
  'POST /api/alerts/:name/test': 'admin',
  'GET /api/schedules': 'editor',
  'GET /api/schedules/:name': 'editor',
  'POST /api/schedules': 'editor',
  'PUT /api/schedules/:name': 'editor',
  'DELETE /api/schedules/:name': 'editor',
  'POST /api/schedules/:name/run': 'editor',
  'POST /api/preview/converter': 'editor',
  'POST /api/preview/template': 'editor',
  'GET /api/users': 'admin',
  'POST /api/users': 'admin',
  'PUT /api/users/:name': 'admin',
  'DELETE /api/users/:name': 'admin',
  'GET /api/tokens': 'signed-in',
  'POST /api/tokens': 'signed-in',
  'DELETE /api/tokens/:id': 'signed-in',
  'GET /api/export': 'admin',
  'POST /api/export': 'admin',
  'POST /api/import': 'admin',
  'POST /api/import/pocketquery': 'admin',
  'GET /api/settings/embedding': 'admin',
  'PUT /api/settings/embedding': 'admin',
  // Issue 19: the audit log names every user, token and datasource: admins only. Versions of what
  // editors edit are the editors' (viewers may not see an old converter's source or a query's path).
  'GET /api/audit': 'admin',
  'GET /api/audit/export': 'admin',
  'GET /api/queries/:name/versions': 'editor',
  'GET /api/queries/:name/diff': 'editor',
  'POST /api/queries/:name/revert': 'editor',
  'GET /api/converters/:name/versions': 'editor',
  'GET /api/converters/:name/diff': 'editor',
  'POST /api/converters/:name/revert': 'editor',
  'GET /api/templates/:name/versions': 'editor',
  'GET /api/templates/:name/diff': 'editor',
  'POST /api/templates/:name/revert': 'editor',
  'GET /v/:query': 'public',
  'POST /v/:query/refresh': 'public',
  // The view's Connect prompt (issue 15): the view's own visibility rule, then a signed-in session.
  'POST /v/:query/connect': 'public',
  'GET /v/:query/connected': 'public',
  'GET /v/:query/rows.:format': 'public',
  'GET /v/:query/options/:param': 'public',
  'GET /assets/view.js': 'public',
  'GET /assets/view.css': 'public',
  'GET /embed.js': 'public',
  'GET /healthz': 'public',
  'GET /api/docs': 'public',
  'GET /admin': 'public',
  'GET /admin/*': 'public',
  'GET /': 'public',
}

const ROLES = ['anonymous', 'viewer', 'editor', 'admin'] as const
type Caller = (typeof ROLES)[number]

function allowed(access: Access, caller: Caller): boolean {
  const rank = { anonymous: 0, viewer: 1, editor: 2, admin: 3 }[caller]
  return rank >= { public: 0, 'signed-in': 1, editor: 2, admin: 3 }[access]
}

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
  // Somebody exists, so setup is done; the admin stays admin whatever the matrix sends.
  await server.signIn('root', 'admin')
})
afterAll(() => server.close())

describe('the route table', () => {
  it('has exactly the routes this specification lists, each with its rule', () => {
    const actual = Object.fromEntries(ROUTES.map((route) => [`${route.method} ${route.url}`, route.access]))
    expect(actual).toEqual(EXPECTED)
  })
})

describe('role × route', () => {
  for (const [key, access] of Object.entries(EXPECTED)) {
    const [method, url] = key.split(' ') as [string, string]
    for (const caller of ROLES) {
      const verdict = allowed(access, caller) ? 'is let through' : 'is refused'
      it(`${key}: ${caller} ${verdict}`, async () => {
        // A fresh session per cell: DELETE /api/session ends the one it is sent with.
        const browser: Browser | undefined =
          caller === 'anonymous' ? undefined : await server.signIn(`${caller}-user`, caller)
        const response = await server.as(browser, {
          method: method as 'GET',
          url: url.replace(/:[a-z]+/g, 'nothing-here'),
          ...(method === 'GET' ? {} : { payload: {} }),
        })
        if (allowed(access, caller)) {
          expect([401, 403], `${key} as ${caller}: ${response.body}`).not.toContain(response.statusCode)
        } else {
          expect(response.statusCode).toBe(caller === 'anonymous' ? 401 : 403)
          expect(response.json().error.code).toBe(
            caller === 'anonymous' ? 'QUARRY_UNAUTHENTICATED' : 'QUARRY_FORBIDDEN',
          )
        }
      })
    }
  }
})
