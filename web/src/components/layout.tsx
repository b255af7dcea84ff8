import type { ReactNode } from 'react'
import { api, messageOf } from '../api.js'
import { Link, navigate, useLocation } from '../router.js'
import { canUse, useSession } from '../session.js'

/** The signed-in frame: header with the user's name and role, the nav their role may use, and Sign out. */
export function Layout({ children }: { children: ReactNode }) {
  const { session, setSession } = useSession()
  const { path } = useLocation()
  const role = session.user.role
  const items = [
    { to: '/datasources', label: 'Datasources', show: canUse.datasources(role) },
    { to: '/queries', label: 'Queries', show: true },
    { to: '/dashboards', label: 'Dashboards', show: true },
    { to: '/converters', label: 'Converters', show: canUse.editQueries(role) },
    { to: '/templates', label: 'Templates', show: canUse.editQueries(role) },
    { to: '/alerts', label: 'Alerts', show: canUse.editQueries(role) },
    { to: '/schedules', label: 'Schedules', show: canUse.editQueries(role) },
    { to: '/users', label: 'Users', show: canUse.users(role) },
    { to: '/embedding', label: 'Embedding', show: canUse.embedding(role) },
    { to: '/import', label: 'Import', show: canUse.importConfig(role) },
    { to: '/audit', label: 'Audit log', show: canUse.audit(role) },
    { to: '/tokens', label: 'API tokens', show: true },
    { to: '/account', label: 'Account', show: true },
  ]
  const signOut = async () => {
    try {
      await api.signOut()
    } catch (error) {
      // Signed out either way: the session is dropped below.
      console.warn(messageOf(error))
    }
    // Signed out first, then to /login: the other order renders the signed-in routes at /login for a
    // moment, whose redirect home raced the sign-in form (a test typed a name the form then lost).
    setSession(null)
    navigate('/login', { replace: true })
  }
  return (
    <div className="layout">
      <header className="header">
        <span className="brand">Quarry</span>
        <nav aria-label="Main">
          {items
            .filter((item) => item.show)
            .map((item) => (
              <Link
                key={item.to}
                to={item.to}
                className={path === item.to || path.startsWith(`${item.to}/`) ? 'active' : undefined}
              >
                {item.label}
              </Link>
            ))}
        </nav>
        <span className="user">
          <span className="user-name">{session.user.name}</span> <span className="role">{role}</span>
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main className="main">{children}</main>
    </div>
  )
}
