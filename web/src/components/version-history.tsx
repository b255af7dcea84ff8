import { useState } from 'react'
import { api, messageOf, type VersionedKind } from '../api.js'
import { useLoad } from '../use-load.js'
import { ErrorMessage } from './error-message.js'

/**
 * The saved versions of a query, converter or template (issue 19): who saved each and when, what
 * changed from the one before (a unified diff), and a Revert that saves an old one again as the newest
 * version. A revert reloads the page, so the editor shows what is saved now.
 */
export function VersionHistory({ kind, name }: { kind: VersionedKind; name: string }) {
  const { data, error } = useLoad(() => api.versions(kind, name), `${kind}:${name}`)
  const [diff, setDiff] = useState<{ title: string; patch: string } | null>(null)
  const [actionError, setActionError] = useState<string | null>(null)

  const compare = async (version: number) => {
    setActionError(null)
    try {
      const { patch } = await api.diffVersions(kind, name, version - 1, version)
      setDiff({ title: `Version ${version - 1} → ${version}`, patch })
    } catch (failure) {
      setActionError(messageOf(failure))
    }
  }
  const revert = async (version: number) => {
    if (!window.confirm(`Save version ${version} of ${name} again as its newest version?`)) return
    setActionError(null)
    try {
      await api.revert(kind, name, version)
      window.location.reload()
    } catch (failure) {
      setActionError(messageOf(failure))
    }
  }

  return (
    <details className="version-history">
      <summary>Versions{data ? ` (${data.length})` : ''}</summary>
      <ErrorMessage message={actionError ?? error} />
      {data && (
        <table className="list" aria-label="Versions">
          <thead>
            <tr>
              <th>Version</th>
              <th>Saved</th>
              <th>By</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.map((version, index) => (
              <tr key={version.version}>
                <td>{version.version}</td>
                <td>{new Date(version.at).toLocaleString()}</td>
                <td>{version.actorName}</td>
                <td>
                  {version.version > 1 && (
                    <button type="button" onClick={() => compare(version.version)}>
                      Changes
                    </button>
                  )}{' '}
                  {index > 0 && (
                    <button type="button" onClick={() => revert(version.version)}>
                      Revert to this
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {diff && (
        <figure>
          <figcaption>{diff.title}</figcaption>
          <pre className="diff" aria-label="Diff">
            {diff.patch}
          </pre>
        </figure>
      )}
    </details>
  )
}
