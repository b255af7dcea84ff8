import { useEffect, useMemo, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react'

/**
 * A tiny router on history.pushState: paths are relative to the app's base
 * (/admin/), e.g. `/queries/jira-issues`. The server answers index.html for
 * every /admin/* path, so a reload lands on the same page.
 */

export const BASE = import.meta.env.BASE_URL.replace(/\/$/, '')

export interface Location {
  /** The path under the base, always starting with "/". */
  path: string
  query: URLSearchParams
}

function current(): Location {
  let path = window.location.pathname
  if (path.startsWith(BASE)) path = path.slice(BASE.length)
  if (!path.startsWith('/')) path = `/${path}`
  return { path, query: new URLSearchParams(window.location.search) }
}

const listeners = new Set<() => void>()
/** Pages with unsaved changes: each is asked before the app leaves it. */
const guards = new Set<() => boolean>()
/** The address shown, so a Back that is called off can put it back. */
let shown = window.location.href

function mayLeave(): boolean {
  return [...guards].every((guard) => guard())
}

window.addEventListener('popstate', () => {
  if (!mayLeave()) {
    // The browser has moved already: stay by putting the page's address back.
    window.history.pushState(null, '', shown)
    return
  }
  shown = window.location.href
  listeners.forEach((listener) => listener())
})

/**
 * Goes to `to` (a path under the base, may carry `?…`), unless a page with unsaved changes is
 * told to stay; `force` leaves without asking (after a save, or a delete the user confirmed).
 */
export function navigate(to: string, options: { replace?: boolean; force?: boolean } = {}): void {
  if (!options.force && !mayLeave()) return
  const url = BASE + to
  if (options.replace) window.history.replaceState(null, '', url)
  else window.history.pushState(null, '', url)
  shown = window.location.href
  listeners.forEach((listener) => listener())
}

export const LEAVE_QUESTION = 'Leave this page? Your unsaved changes will be lost.'

/**
 * While `dirty`, leaving the page asks first: an in-app link or Back with a confirm dialog, a reload
 * or closing the tab with the browser's own (`beforeunload`).
 *
 * @example useUnsavedChanges(dirty) // in an editor, dirty from its first edit until it is saved
 */
export function useUnsavedChanges(dirty: boolean): void {
  useEffect(() => {
    if (!dirty) return
    const guard = () => window.confirm(LEAVE_QUESTION)
    const onBeforeUnload = (event: BeforeUnloadEvent) => event.preventDefault()
    guards.add(guard)
    window.addEventListener('beforeunload', onBeforeUnload)
    return () => {
      guards.delete(guard)
      window.removeEventListener('beforeunload', onBeforeUnload)
    }
  }, [dirty])
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener)
  return () => {
    listeners.delete(listener)
  }
}

/**
 * The current location; re-renders on navigation. An external store (not state copied in an effect),
 * so a navigation from a child's effect, before this component subscribed, is not missed.
 */
export function useLocation(): Location {
  const href = useSyncExternalStore(subscribe, () => window.location.href)
  // `href` is the snapshot: a new one means a new location.
  return useMemo(() => current(), [href])
}

/**
 * Matches `pattern` (segments, `:name` captures) against `path`.
 *
 * @example match('/queries/:name', '/queries/jira-issues') // { name: 'jira-issues' }
 */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean)
  const have = path.split('/').filter(Boolean)
  if (want.length !== have.length) return null
  const params: Record<string, string> = {}
  for (const [index, segment] of want.entries()) {
    const actual = have[index] ?? ''
    if (segment.startsWith(':')) params[segment.slice(1)] = decodeURIComponent(actual)
    else if (segment !== actual) return null
  }
  return params
}

/** An in-app link: a real <a href> (so open-in-new-tab works) that navigates without a reload. */
export function Link({ to, ...props }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    props.onClick?.(event)
    if (event.defaultPrevented || event.button !== 0) return
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
    event.preventDefault()
    navigate(to)
  }
  return <a {...props} href={BASE + to} onClick={onClick} />
}
