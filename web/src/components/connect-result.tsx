import { useLocation } from '../router.js'

/** After the OAuth consent round trip the server sends us back with `?connected=1` or `?error=…`. */
export function ConnectResult() {
  const { query } = useLocation()
  const error = query.get('error')
  if (error !== null) {
    const description = query.get('error_description')
    return (
      <p className="error" role="alert">
        Connecting failed: {description ?? error}
      </p>
    )
  }
  if (query.get('connected') === '1') {
    return (
      <p className="ok" role="status">
        Connected.
      </p>
    )
  }
  return null
}
