import { useState, type FormEvent } from 'react'
import { api, messageOf, type EmbeddingSettings } from '../api.js'
import { ErrorMessage } from '../components/error-message.js'
import { Field } from '../components/field.js'
import { useLoad } from '../use-load.js'

/** Where the query editor's embed snippet sends people to allow their site. */
export const EMBEDDING_PATH = '/embedding'

/**
 * Embedding (admin): the sites allowed to show views in an iframe (the views' CSP frame-ancestors).
 * A change is in force for the next view the server sends — no restart.
 */
export function EmbeddingPage() {
  const { data, error, reload } = useLoad(api.embedding)
  const [origin, setOrigin] = useState('')
  const [actionError, setActionError] = useState<string | null>(null)
  const [saved, setSaved] = useState<EmbeddingSettings | null>(null)
  const settings = saved ?? data

  const save = async (origins: readonly string[]) => {
    setActionError(null)
    try {
      setSaved(await api.saveEmbedding({ origins: [...origins] }))
      return true
    } catch (failure) {
      setActionError(messageOf(failure))
      reload()
      return false
    }
  }
  const add = async (event: FormEvent) => {
    event.preventDefault()
    if (settings && (await save([...settings.origins, origin]))) setOrigin('')
  }

  return (
    <section>
      <h1>Embedding</h1>
      <p>
        A view can be shown inside another site (a wiki, an intranet page) with its embed snippet, from the
        query’s page. The browser shows it only on the sites listed here: each is an <em>origin</em> — scheme,
        host and port, like <code>https://wiki.example.com</code> or <code>http://127.0.0.1:8081</code>, or
        every subdomain of a domain, like <code>https://*.example.com</code>. Changes apply at once.
      </p>
      <ErrorMessage message={actionError ?? error} />
      {settings && (
        <>
          <h2>Allowed sites</h2>
          {settings.origins.length === 0 ? (
            <p className="hint">No site is listed yet.</p>
          ) : (
            <ul className="origin-list" aria-label="Allowed sites">
              {settings.origins.map((listed) => (
                <li key={listed}>
                  <code>{listed}</code>{' '}
                  <button
                    type="button"
                    className="danger"
                    aria-label={`Remove ${listed}`}
                    onClick={() => void save(settings.origins.filter((other) => other !== listed))}
                  >
                    Remove
                  </button>
                </li>
              ))}
            </ul>
          )}
          <form className="panel" onSubmit={add} aria-label="Add a site">
            <Field
              label="Site origin"
              value={origin}
              onChange={setOrigin}
              placeholder="https://wiki.example.com"
              required
              autoComplete="off"
              hint="Scheme, host and optional port; no path."
            />
            <div className="actions">
              <button type="submit" className="primary">
                Add site
              </button>
            </div>
          </form>
          {settings.serverOrigins.length > 0 && (
            <>
              <h2>Set when the server was started</h2>
              <p className="hint">
                These come from the server’s --frame-ancestor flag and are changed there.
              </p>
              <ul aria-label="Sites set when the server was started">
                {settings.serverOrigins.map((listed) => (
                  <li key={listed}>
                    <code>{listed}</code>
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </section>
  )
}
