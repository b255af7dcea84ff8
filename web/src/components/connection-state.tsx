import type { DatasourceSummary } from '../api.js'

/**
 * A 3LO datasource's connection in words: connected (expires …) / needs consent / not connected,
 * with the site; nothing for datasources without a user consent.
 */
export function ConnectionState({ datasource }: { datasource: DatasourceSummary }) {
  const connection = datasource.connection
  const site = connection?.site ?? datasource.preset?.site ?? null
  if (connection === null) {
    if (datasource.authType !== 'oauth2-authorization-code') return <span className="muted">—</span>
    return <span className="muted">not connected</span>
  }
  if (connection.status === 'needs_consent') {
    return (
      <span className="error" title={connection.statusMessage ?? undefined}>
        needs consent{connection.statusMessage ? `: ${connection.statusMessage}` : ''}
      </span>
    )
  }
  return (
    <span className="ok">
      connected
      {connection.expiresAt && <> · expires {formatTime(connection.expiresAt)}</>}
      {site && <> · {site.name}</>}
      {/* E.g. a rotating provider without a reuse grace: said where the connection is shown. */}
      {connection.statusMessage && <span className="muted"> · {connection.statusMessage}</span>}
    </span>
  )
}

/** A timestamp in the reader's locale, or the text as is when it is not one. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString()
}
