import { lazy, Suspense, useCallback, useEffect, useState } from 'react'
import { safeReturnPath } from '../../src/domain/return-path.js'
import { api, messageOf, setCsrfToken, setSignedOutHandler, type Role, type Session } from './api.js'
import { Layout } from './components/layout.js'
import { AccountPage } from './pages/account.js'
import { CONNECTIONS_PATH, ConnectionsPage } from './pages/connections.js'
import { DatasourceEditPage } from './pages/datasource-edit.js'
import { DatasourcesPage } from './pages/datasources.js'
import { EMBEDDING_PATH, EmbeddingPage } from './pages/embedding.js'
import { ImportPage } from './pages/import.js'
import { AuditPage } from './pages/audit.js'
import { LoginPage } from './pages/login.js'
import { NotFoundPage } from './pages/not-found.js'
import { PresetPage } from './pages/preset.js'
import { QueriesPage } from './pages/queries.js'
import { SchedulesPage } from './pages/schedules.js'
import { DashboardEditPage } from './pages/dashboard-edit.js'
import { DashboardsPage } from './pages/dashboards.js'
import { SetupPage } from './pages/setup.js'
import { TokensPage } from './pages/tokens.js'
import { UsersPage } from './pages/users.js'
import { match, navigate, useLocation } from './router.js'
import { canUse, SessionContext, useSession } from './session.js'

// The query editor carries CodeMirror: loaded when first opened.
const QueryEditPage = lazy(() => import('./pages/query-edit.js').then((m) => ({ default: m.QueryEditPage })))
// So do the converter and template pages (the template editor is the query editor's).
const LibraryListPage = lazy(() => import('./pages/library.js').then((m) => ({ default: m.LibraryListPage })))
const LibraryEditPage = lazy(() => import('./pages/library.js').then((m) => ({ default: m.LibraryEditPage })))

const AlertsPage = lazy(() => import('./pages/alerts.js').then((m) => ({ default: m.AlertsPage })))
const AlertEditPage = lazy(() => import('./pages/alert-edit.js').then((m) => ({ default: m.AlertEditPage })))

type Loaded =
  { state: 'loading' } | { state: 'failed'; message: string } | { state: 'ready'; session: Session | null }

/** Loads the session, then shows setup/sign-in or the signed-in pages. */
export function App() {
  const location = useLocation()
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' })

  const setSession = useCallback((session: Session | null) => {
    setCsrfToken(session?.csrfToken ?? '')
    setLoaded({ state: 'ready', session })
  }, [])

  useEffect(() => setSignedOutHandler(() => setSession(null)), [setSession])

  useEffect(() => {
    api
      .session()
      .then(setSession, (error: unknown) => setLoaded({ state: 'failed', message: messageOf(error) }))
  }, [setSession])

  if (loaded.state === 'loading') return <p className="page-message">Loading…</p>
  if (loaded.state === 'failed') return <p className="page-message error">{loaded.message}</p>

  const session = loaded.session
  if (session === null) {
    if (location.path === '/setup') return <SetupPage onSession={setSession} />
    return <LoginPage onSession={setSession} />
  }
  return (
    <SessionContext.Provider value={{ session, setSession }}>
      <Layout>
        <Suspense fallback={<p>Loading…</p>}>
          <Routes />
        </Suspense>
      </Layout>
    </SessionContext.Provider>
  )
}

function Routes() {
  const { path, query } = useLocation()
  const role = useSession().session.user.role
  let params: Record<string, string> | null

  if (path === '/login') {
    // Signed in from a view (it sent here with ?next=): back to it — only to a path on this server.
    const next = safeReturnPath(query.get('next'))
    return next === undefined ? <Redirect to={home(role)} /> : <Leave to={next} />
  }
  if (path === '/' || path === '/setup') return <Redirect to={home(role)} />
  if (canUse.datasources(role)) {
    if (path === '/datasources') return <DatasourcesPage />
    if (path === '/datasources/new') return <DatasourceEditPage key="new" name={null} />
    if ((params = match('/datasources/presets/:preset', path)))
      return <PresetPage key={params.preset} preset={params.preset!} />
    if ((params = match('/datasources/:name', path)))
      return <DatasourceEditPage key={params.name} name={params.name!} />
  }
  if (path === '/queries') return <QueriesPage />
  if (path === '/dashboards') return <DashboardsPage />
  if (canUse.editQueries(role)) {
    if (path === '/dashboards/new') return <DashboardEditPage key="new" name={null} />
    if ((params = match('/dashboards/:name', path)))
      return <DashboardEditPage key={params.name} name={params.name!} />
    if (path === '/queries/new') return <QueryEditPage key="new" name={null} />
    if ((params = match('/queries/:name', path)))
      return <QueryEditPage key={params.name} name={params.name!} />
    if (path === '/alerts') return <AlertsPage />
    if (path === '/alerts/new' && canUse.editAlerts(role)) return <AlertEditPage key="new" name={null} />
    if ((params = match('/alerts/:name', path)))
      return <AlertEditPage key={params.name} name={params.name!} />
    if (path === '/schedules') return <SchedulesPage />
    for (const kind of ['converter', 'template'] as const) {
      if (path === `/${kind}s`) return <LibraryListPage key={kind} kind={kind} />
      if (path === `/${kind}s/new`) return <LibraryEditPage key={`${kind}-new`} kind={kind} name={null} />
      if ((params = match(`/${kind}s/:name`, path)))
        return <LibraryEditPage key={`${kind}-${params.name}`} kind={kind} name={params.name!} />
    }
  }
  if (canUse.users(role) && path === '/users') return <UsersPage />
  if (canUse.embedding(role) && path === EMBEDDING_PATH) return <EmbeddingPage />
  if (canUse.importConfig(role) && path === '/import') return <ImportPage />
  if (canUse.audit(role) && path === '/audit') return <AuditPage />
  if (path === '/tokens') return <TokensPage />
  if (path === '/account') return <AccountPage />
  if (path === CONNECTIONS_PATH) return <ConnectionsPage />
  return <NotFoundPage />
}

function home(role: Role): string {
  return role === 'admin' ? '/datasources' : '/queries'
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to])
  return null
}

/** Leaves the admin UI for another page of this server (a view), replacing the sign-in page in history. */
function Leave({ to }: { to: string }) {
  useEffect(() => window.location.replace(to), [to])
  return <p className="page-message">Signed in; returning to {to} …</p>
}
