import { useEffect, useId, useState, type FormEvent } from 'react'
import {
  DASHBOARD_COLUMNS,
  DASHBOARD_MAX_ROW,
  MAX_PANELS,
  nextPanelPlace,
  PANEL_MAX_HEIGHT,
} from '../../../src/domain/dashboard-grid.js'
import { CHART_MARKS, type ChartMark } from '../../../src/domain/query-choices.js'
import { api, messageOf, type DashboardDocument, type QuerySummary } from '../api.js'
import { CopyButton } from '../components/copy-button.js'
import { ErrorMessage } from '../components/error-message.js'
import { CheckboxField, Field, SelectField } from '../components/field.js'
import { EMBEDDING_PATH } from './embedding.js'
import { Link, navigate, useUnsavedChanges } from '../router.js'
import { canUse, useSession } from '../session.js'
import { useLoad } from '../use-load.js'

type PanelDoc = DashboardDocument['panels'][number]
type TemplateChoice = 'own' | 'table' | 'liquid' | 'chart'

/** The embed snippet of a dashboard on this server (embed.js mounts `data-quarry-dashboard` like a view). */
export function dashboardEmbedSnippet(name: string, origin = window.location.origin): string {
  return `<script src="${origin}/embed.js"></script><div data-quarry-dashboard="${name}"></div>`
}

/** `project=QA, team` as the bar's parameters: a name, and a default after `=`. */
function paramsOf(text: string): DashboardDocument['params'] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => {
      const eq = item.indexOf('=')
      return eq < 0 ? { name: item } : { name: item.slice(0, eq).trim(), default: item.slice(eq + 1).trim() }
    })
}

function paramsText(params: DashboardDocument['params']): string {
  return params.map((p) => (p.default === undefined ? p.name : `${p.name}=${p.default}`)).join(', ')
}

function choiceOf(panel: PanelDoc): TemplateChoice {
  const type = panel.template?.type
  return type === 'table' || type === 'liquid' || type === 'chart' ? type : 'own'
}

/** A fresh panel id: the query's name, made unique in the dashboard. */
function panelId(query: string, panels: readonly PanelDoc[]): string {
  const base =
    query
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+/, '')
      .slice(0, 36) || 'panel'
  let id = base
  for (let n = 2; panels.some((panel) => panel.id === id); n++) id = `${base}-${n}`
  return id
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value))

/** A panel kept on the grid: its column and width within the twelve columns, its row and height in range. */
function placed(panel: PanelDoc): PanelDoc {
  const width = clamp(panel.width, 1, DASHBOARD_COLUMNS)
  return {
    ...panel,
    width,
    x: clamp(panel.x, 0, DASHBOARD_COLUMNS - width),
    y: clamp(panel.y, 0, DASHBOARD_MAX_ROW),
    height: clamp(panel.height, 1, PANEL_MAX_HEIGHT),
  }
}

const EMPTY: DashboardDocument = {
  name: '',
  params: [],
  panels: [],
  visibility: { roles: ['viewer'], groups: [], public: false },
}

/**
 * The grid editor of a dashboard (issue 17): its name, title and parameters, then its panels — each a
 * query shown through its own template or another — placed on a twelve-column grid with buttons
 * (move, resize, remove) and number fields, all reachable by keyboard. A preview shows the grid.
 */
export function DashboardEditPage({ name }: { name: string | null }) {
  const queries = useLoad<QuerySummary[]>(api.queries, 'queries')
  const admin = canUse.embedding(useSession().session.user.role)
  const [doc, setDoc] = useState<DashboardDocument>(EMPTY)
  const [paramText, setParamText] = useState('')
  const [loadError, setLoadError] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [saved, setSaved] = useState<string | null>(null)
  const [dirty, setDirty] = useState(false)
  useUnsavedChanges(dirty)

  useEffect(() => {
    if (name === null) return
    api.dashboard(name).then(
      (loaded) => {
        setDoc(loaded)
        setParamText(paramsText(loaded.params))
      },
      (failure: unknown) => setLoadError(messageOf(failure)),
    )
  }, [name])

  const change = (next: Partial<DashboardDocument>) => {
    setDoc((current) => ({ ...current, ...next }))
    setDirty(true)
    setSaved(null)
  }
  const changePanel = (index: number, next: Partial<PanelDoc>) =>
    change({ panels: doc.panels.map((panel, i) => (i === index ? placed({ ...panel, ...next }) : panel)) })

  const addPanel = () => {
    const query = queries.data?.[0]?.name ?? ''
    const place = nextPanelPlace(doc.panels)
    change({
      panels: [...doc.panels, { id: panelId(query, doc.panels), query, ...place, width: 6, height: 3 }],
    })
  }

  const save = async (event: FormEvent) => {
    event.preventDefault()
    setError(null)
    const body: DashboardDocument = { ...doc, params: paramsOf(paramText) }
    try {
      const result = name === null ? await api.createDashboard(body) : await api.updateDashboard(name, body)
      setDirty(false)
      setSaved(result.name)
      if (result.name !== name)
        navigate(`/dashboards/${encodeURIComponent(result.name)}`, { replace: true, force: true })
    } catch (failure) {
      setError(messageOf(failure))
    }
  }

  const remove = async () => {
    if (name === null || !window.confirm(`Remove dashboard "${name}"? Its queries stay.`)) return
    try {
      await api.deleteDashboard(name)
      navigate('/dashboards', { force: true })
    } catch (failure) {
      setError(messageOf(failure))
    }
  }

  const queryOptions = (queries.data ?? []).map((q) => ({ value: q.name, label: q.title ?? q.name }))
  const snippet = name === null ? '' : dashboardEmbedSnippet(name)
  return (
    <section>
      <h1>{name === null ? 'New dashboard' : `Dashboard ${name}`}</h1>
      <ErrorMessage message={loadError ?? queries.error} />
      <form onSubmit={(event) => void save(event)}>
        <Field label="Name" value={doc.name} onChange={(value) => change({ name: value })} required />
        <Field
          label="Title"
          value={doc.title ?? ''}
          onChange={(value) => change({ title: value || undefined })}
        />
        <Field
          label="Parameters"
          value={paramText}
          onChange={(value) => {
            setParamText(value)
            setDirty(true)
          }}
          hint="Comma-separated, a default after =, e.g. project=QA, sprint. Each sets the panels' query parameters of that name."
        />
        <CheckboxField
          label="Public: anyone with the link may open it (each panel still needs a public query)"
          checked={doc.visibility.public}
          onChange={(value) => change({ visibility: { ...doc.visibility, public: value } })}
        />
        <h2>Panels</h2>
        <GridPreview panels={doc.panels} />
        {doc.panels.map((panel, index) => (
          <PanelEditor
            key={panel.id}
            index={index}
            panel={panel}
            queryOptions={queryOptions}
            onChange={(next) => changePanel(index, next)}
            onRemove={() => change({ panels: doc.panels.filter((_, i) => i !== index) })}
          />
        ))}
        <div className="actions">
          <button
            type="button"
            onClick={addPanel}
            disabled={doc.panels.length >= MAX_PANELS || !queries.data?.length}
          >
            Add panel
          </button>
        </div>
        <ErrorMessage message={error} />
        <div className="actions">
          <button type="submit" className="primary">
            Save dashboard
          </button>
          {name !== null && (
            <button type="button" className="danger" onClick={() => void remove()}>
              Remove dashboard
            </button>
          )}
        </div>
        {saved !== null && (
          <p role="status">
            Saved. <a href={`/d/${encodeURIComponent(saved)}`}>Open dashboard {saved}</a>
          </p>
        )}
      </form>
      {name !== null && (
        <div className="panel">
          <div className="actions">
            <a href={`/d/${encodeURIComponent(name)}`} target="_blank" rel="noopener">
              Open dashboard
            </a>
          </div>
          <label htmlFor="dashboard-embed-snippet">Embed snippet</label>
          <div className="actions">
            <input
              id="dashboard-embed-snippet"
              readOnly
              value={snippet}
              size={80}
              onFocus={(event) => event.target.select()}
            />
            <CopyButton text={snippet} label="Copy snippet" />
          </div>
          <p className="hint">
            The dashboard shows only on sites listed under{' '}
            {admin ? <Link to={EMBEDDING_PATH}>Embedding</Link> : 'Embedding, by an admin'}, as views do.
          </p>
        </div>
      )}
    </section>
  )
}

/** The grid as it will look: one box per panel at its place (a picture; the fields below change it). */
function GridPreview({ panels }: { panels: readonly PanelDoc[] }) {
  if (panels.length === 0) return <p className="muted">No panels yet: add one below.</p>
  return (
    <div
      className="dash-preview"
      aria-hidden="true"
      style={{
        display: 'grid',
        gridTemplateColumns: `repeat(${DASHBOARD_COLUMNS}, 1fr)`,
        gridAutoRows: '24px',
        gap: 4,
      }}
    >
      {panels.map((panel) => (
        <div
          key={panel.id}
          style={{
            gridColumn: `${panel.x + 1} / span ${panel.width}`,
            gridRow: `${panel.y + 1} / span ${panel.height}`,
            border: '1px solid #8a94a6',
            borderRadius: 4,
            background: '#eef2f8',
            padding: '2px 6px',
            overflow: 'hidden',
            fontSize: 12,
          }}
        >
          {panel.title ?? panel.query}
        </div>
      ))}
    </div>
  )
}

function NumberField({
  label,
  value,
  min,
  max,
  onChange,
}: {
  label: string
  value: number
  min: number
  max: number
  onChange: (value: number) => void
}) {
  const id = useId()
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        min={min}
        max={max}
        value={value}
        onChange={(event) => {
          const next = Number(event.target.value)
          if (Number.isInteger(next)) onChange(next)
        }}
      />
    </div>
  )
}

function PanelEditor({
  index,
  panel,
  queryOptions,
  onChange,
  onRemove,
}: {
  index: number
  panel: PanelDoc
  queryOptions: { value: string; label: string }[]
  onChange: (next: Partial<PanelDoc>) => void
  onRemove: () => void
}) {
  const choice = choiceOf(panel)
  const setChoice = (next: TemplateChoice) => {
    if (next === 'own') onChange({ template: undefined })
    else if (next === 'table') onChange({ template: { type: 'table' } })
    else if (next === 'liquid') onChange({ template: { type: 'liquid', source: '{{ rows.size }} rows' } })
    else onChange({ template: { type: 'chart', mark: 'bar', x: '', y: '' } })
  }
  const template = panel.template
  const name = panel.title ?? panel.query
  const move = (dx: number, dy: number) => onChange({ x: panel.x + dx, y: panel.y + dy })
  const grow = (dw: number, dh: number) => onChange({ width: panel.width + dw, height: panel.height + dh })
  return (
    <fieldset className="panel dash-panel">
      <legend>
        Panel {index + 1}: {name}
      </legend>
      <SelectField
        label="Query"
        value={panel.query}
        options={
          queryOptions.some((o) => o.value === panel.query)
            ? queryOptions
            : [{ value: panel.query, label: panel.query }, ...queryOptions]
        }
        onChange={(value) => onChange({ query: value })}
      />
      <Field
        label="Panel title"
        value={panel.title ?? ''}
        onChange={(value) => onChange({ title: value || undefined })}
        hint="Default: the query's title."
      />
      <SelectField<TemplateChoice>
        label="Shown as"
        value={choice}
        options={[
          { value: 'own', label: "The query's own template" },
          { value: 'table', label: 'Table' },
          { value: 'chart', label: 'Chart' },
          { value: 'liquid', label: 'Liquid template' },
        ]}
        onChange={setChoice}
      />
      {template?.type === 'chart' && (
        <>
          <SelectField<ChartMark>
            label="Chart mark"
            value={template.mark}
            options={CHART_MARKS}
            onChange={(mark) => onChange({ template: { ...template, mark } })}
          />
          <Field
            label="X column"
            value={template.x}
            onChange={(x) => onChange({ template: { ...template, x } })}
          />
          <Field
            label="Y column (several: comma-separated)"
            value={Array.isArray(template.y) ? template.y.join(', ') : template.y}
            onChange={(y) => onChange({ template: { ...template, y: yColumns(y) } })}
          />
        </>
      )}
      {template?.type === 'liquid' && (
        <LiquidSource
          value={template.source}
          onChange={(source) => onChange({ template: { type: 'liquid', source } })}
        />
      )}
      <div className="dash-place">
        <NumberField
          label="Column"
          value={panel.x}
          min={0}
          max={DASHBOARD_COLUMNS - 1}
          onChange={(x) => onChange({ x })}
        />
        <NumberField
          label="Row"
          value={panel.y}
          min={0}
          max={DASHBOARD_MAX_ROW}
          onChange={(y) => onChange({ y })}
        />
        <NumberField
          label="Width"
          value={panel.width}
          min={1}
          max={DASHBOARD_COLUMNS}
          onChange={(width) => onChange({ width })}
        />
        <NumberField
          label="Height"
          value={panel.height}
          min={1}
          max={PANEL_MAX_HEIGHT}
          onChange={(height) => onChange({ height })}
        />
      </div>
      <div className="actions" role="group" aria-label={`Place panel ${index + 1}`}>
        <button type="button" onClick={() => move(-1, 0)} disabled={panel.x === 0}>
          Move left
        </button>
        <button
          type="button"
          onClick={() => move(1, 0)}
          disabled={panel.x + panel.width >= DASHBOARD_COLUMNS}
        >
          Move right
        </button>
        <button type="button" onClick={() => move(0, -1)} disabled={panel.y === 0}>
          Move up
        </button>
        <button type="button" onClick={() => move(0, 1)}>
          Move down
        </button>
        <button type="button" onClick={() => grow(-1, 0)} disabled={panel.width === 1}>
          Narrower
        </button>
        <button type="button" onClick={() => grow(1, 0)} disabled={panel.width === DASHBOARD_COLUMNS}>
          Wider
        </button>
        <button type="button" onClick={() => grow(0, -1)} disabled={panel.height === 1}>
          Shorter
        </button>
        <button type="button" onClick={() => grow(0, 1)} disabled={panel.height === PANEL_MAX_HEIGHT}>
          Taller
        </button>
        <button type="button" className="danger" onClick={onRemove}>
          Remove panel
        </button>
      </div>
    </fieldset>
  )
}

function LiquidSource({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  const id = useId()
  return (
    <div className="field">
      <label htmlFor={id}>Liquid source</label>
      <textarea id={id} rows={4} value={value} onChange={(event) => onChange(event.target.value)} />
    </div>
  )
}

/** One column as text, several (one series each, as the chart settings allow) as a list. */
function yColumns(text: string): string | string[] {
  const columns = text
    .split(',')
    .map((column) => column.trim())
    .filter((column) => column !== '')
  return columns.length > 1 ? columns : text
}
