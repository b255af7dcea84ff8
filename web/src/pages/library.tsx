import { useEffect, useId, useState, type FormEvent } from 'react'
import { api, messageOf, type NamedConverter, type NamedTemplate, type Template } from '../api.js'
import { VersionHistory } from '../components/version-history.js'
import { ErrorMessage } from '../components/error-message.js'
import { Field } from '../components/field.js'
import { TemplateEditor } from '../components/template-editor.js'
import { Link, navigate } from '../router.js'
import { useLoad } from '../use-load.js'

/**
 * The converter library and the template library (issue 13): named converters and templates that
 * several queries use. Editing one changes every query that uses it; one in use cannot be deleted
 * (the server says which queries use it).
 */

export type LibraryKind = 'converter' | 'template'

const WORDS = {
  converter: { title: 'Converters', path: '/converters', add: 'Add converter' },
  template: { title: 'Templates', path: '/templates', add: 'Add template' },
} as const

/** "used by 2 queries", as the list and the query editor say it. */
export function usedByText(usedBy: readonly string[]): string {
  return usedBy.length === 1 ? 'used by 1 query' : `used by ${usedBy.length} queries`
}

export function LibraryListPage({ kind }: { kind: LibraryKind }) {
  const words = WORDS[kind]
  const load = kind === 'converter' ? api.converters : api.templates
  const { data, error } = useLoad<(NamedConverter | NamedTemplate)[]>(load, kind)
  return (
    <section>
      <h1>{words.title}</h1>
      <p className="muted">
        Named {kind}s that several queries use: a change here changes every query that uses it.
      </p>
      <div className="actions">
        <button type="button" className="primary" onClick={() => navigate(`${words.path}/new`)}>
          {words.add}
        </button>
      </div>
      <ErrorMessage message={error} />
      {data && data.length === 0 && <p className="muted">No {kind}s yet.</p>}
      {data && data.length > 0 && (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">Name</th>
              {kind === 'template' && <th scope="col">Kind</th>}
              <th scope="col">Description</th>
              <th scope="col">Used by</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {data.map((item) => (
              <tr key={item.name}>
                <td>
                  <Link to={`${words.path}/${encodeURIComponent(item.name)}`}>{item.name}</Link>
                </td>
                {kind === 'template' && <td>{(item as NamedTemplate).template.type}</td>}
                <td>{item.description ?? ''}</td>
                <td title={item.usedBy.join(', ')}>{usedByText(item.usedBy)}</td>
                <td>{new Date(item.updatedAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

interface Draft {
  name: string
  description: string
  source: string
  template: Template
  usedBy: readonly string[]
}

const NEW_DRAFT: Draft = {
  name: '',
  description: '',
  source: '',
  template: { type: 'liquid', source: '' },
  usedBy: [],
}

/** Create (name null) or edit a named converter or template. */
export function LibraryEditPage({ kind, name }: { kind: LibraryKind; name: string | null }) {
  const words = WORDS[kind]
  const [draft, setDraft] = useState<Draft | null>(name === null ? NEW_DRAFT : null)
  const [error, setError] = useState<string | null>(null)
  const [saved, setSaved] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const sourceId = useId()

  useEffect(() => {
    if (name === null) return
    const loaded =
      kind === 'converter'
        ? api.converter(name).then((c) => ({ ...NEW_DRAFT, ...c, description: c.description ?? '' }))
        : api.template(name).then((t) => ({ ...NEW_DRAFT, ...t, description: t.description ?? '' }))
    loaded.then(setDraft, (failure: unknown) => setError(messageOf(failure)))
  }, [kind, name])

  if (draft === null) return error ? <ErrorMessage message={error} /> : <p>Loading…</p>
  const change = (patch: Partial<Draft>) => {
    setDraft({ ...draft, ...patch })
    setSaved(null)
  }

  const save = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    const common = { name: draft.name, ...(draft.description ? { description: draft.description } : {}) }
    try {
      if (kind === 'converter') {
        const body = { ...common, source: draft.source }
        await (name === null ? api.createConverter(body) : api.updateConverter(name, body))
      } else {
        const body = { ...common, template: draft.template }
        await (name === null ? api.createTemplate(body) : api.updateTemplate(name, body))
      }
      if (name !== draft.name) {
        navigate(`${words.path}/${encodeURIComponent(draft.name)}`, { replace: true, force: true })
        return
      }
      setSaved(draft.usedBy.length > 0 ? `Saved: ${draft.usedBy.join(', ')} use it now.` : 'Saved.')
    } catch (failure) {
      setError(messageOf(failure))
    } finally {
      setBusy(false)
    }
  }

  const remove = async () => {
    if (name === null || !window.confirm(`Delete the ${kind} "${name}"?`)) return
    try {
      await (kind === 'converter' ? api.deleteConverter(name) : api.deleteTemplate(name))
      navigate(words.path)
    } catch (failure) {
      setError(messageOf(failure))
    }
  }

  return (
    <section>
      <h1>{name === null ? words.add : `${kind === 'converter' ? 'Converter' : 'Template'} ${name}`}</h1>
      {name !== null && (
        <p className="muted">
          {draft.usedBy.length === 0
            ? 'No query uses it yet.'
            : `Used by ${draft.usedBy.length === 1 ? '1 query' : `${draft.usedBy.length} queries`}: ${draft.usedBy.join(', ')}. Saving changes them all.`}
        </p>
      )}
      <form onSubmit={save}>
        <Field label="Name" value={draft.name} onChange={(v) => change({ name: v })} required />
        <Field label="Description" value={draft.description} onChange={(v) => change({ description: v })} />
        {kind === 'converter' ? (
          <div className="field">
            <label htmlFor={sourceId}>Source</label>
            <textarea
              id={sourceId}
              className="code"
              value={draft.source}
              onChange={(event) => change({ source: event.target.value })}
              placeholder={'function convert(json, metadata) {\n  return JSON.parse(json).issues\n}'}
              spellCheck={false}
              rows={12}
            />
          </div>
        ) : (
          <TemplateEditor
            template={draft.template}
            onChange={(template) => change({ template })}
            rows={null}
            columns={[]}
          />
        )}
        <ErrorMessage message={error} />
        {saved && (
          <p className="ok" role="status">
            {saved}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Save
          </button>
          {name !== null && (
            <button type="button" className="danger" onClick={remove}>
              Delete
            </button>
          )}
        </div>
      </form>
      {name !== null && <VersionHistory kind={kind} name={name} />}
    </section>
  )
}
