import { createContext, useContext } from 'react'
import type { Role, Session } from './api.js'

/** The signed-in user and CSRF token, plus a way to replace them (sign in/out). */
export interface SessionState {
  session: Session
  setSession: (session: Session | null) => void
}

export const SessionContext = createContext<SessionState | null>(null)

export function useSession(): SessionState {
  const state = useContext(SessionContext)
  if (state === null) throw new Error('useSession outside a signed-in page')
  return state
}

/** What each role may open: admins everything, editors queries, everyone their API tokens. */
export const canUse = {
  datasources: (role: Role) => role === 'admin',
  users: (role: Role) => role === 'admin',
  embedding: (role: Role) => role === 'admin',
  importConfig: (role: Role) => role === 'admin',
  audit: (role: Role) => role === 'admin',
  editQueries: (role: Role) => role === 'admin' || role === 'editor',
  /** Alerts make the server send requests and mail with secrets: admins change them, editors read them. */
  editAlerts: (role: Role) => role === 'admin',
}
