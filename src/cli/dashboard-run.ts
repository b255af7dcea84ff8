import { writeFileSync } from 'node:fs'
import { DashboardSchema, nextPanelPlace, type Dashboard } from '../domain/dashboard.js'
import { QuarryError, isQuarryError } from '../domain/errors.js'
import { describeIssues } from '../domain/field-issues.js'
import {
  barFields,
  dashboardOfRow,
  dashboardRowOf,
  loadDashboard,
  loadQuery,
  panelTemplate,
  panelTitle,
  runPanel,
  valuesForPanel,
  velocityLibrary,
  type LoadedQuery,
} from '../engine/index.js'
import { dashboardFile, panelContent } from '../render/dashboard-page.js'
import type { Row } from '../render/index.js'
import type { Store } from '../store/index.js'
import { withEngine, withStore, type StoreFlags } from './context.js'
import { parseAssignments, readFlagFile } from './flags.js'

export interface DashboardFlags {
  readonly file?: string
  readonly title?: string
  readonly description?: string
  readonly param?: string[]
  readonly panel?: string[]
  readonly public?: boolean
  readonly rename?: string
}

const PANEL_FLAG = /^([^:]+?)(?::(\d+),(\d+),(\d+),(\d+))?$/

/** `--panel QUERY[:x,y,w,h]` as panels: ids from the query names, placed below each other when not placed. */
function panelsOf(items: readonly string[]): unknown[] {
  const panels: { id: string; query: string; x: number; y: number; width: number; height: number }[] = []
  for (const item of items) {
    const match = PANEL_FLAG.exec(item)
    if (match === null) {
      throw new QuarryError(
        'QUARRY_CONFIG_INVALID',
        `--panel must look like QUERY or QUERY:x,y,w,h (e.g. open-issues:0,0,6,3); got "${item}"`,
      )
    }
    const [, query = '', x, y, width, height] = match
    const base =
      query
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, '-')
        .replace(/^-+/, '')
        .slice(0, 36) || 'panel'
    let id = base
    for (let n = 2; panels.some((panel) => panel.id === id); n++) id = `${base}-${n}`
    const place =
      x === undefined
        ? { ...nextPanelPlace(panels), width: 12, height: 3 }
        : { x: Number(x), y: Number(y), width: Number(width), height: Number(height) }
    panels.push({ id, query, ...place })
  }
  return panels
}

function fileOf(flags: DashboardFlags): Record<string, unknown> {
  if (flags.file === undefined) return {}
  const text = readFlagFile('--file', flags.file, { stdin: true })
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `--file: a dashboard must be JSON: ${(error as Error).message}`,
    )
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      '--file: a dashboard is a JSON object ({"panels": […], …})',
    )
  }
  return parsed as Record<string, unknown>
}

/** The dashboard the flags make from `base` (the stored one when editing): only the flags given change. */
function dashboardFrom(name: string, flags: DashboardFlags, base: Partial<Dashboard>): Dashboard {
  const raw: Record<string, unknown> = { ...base, ...fileOf(flags), name: flags.rename ?? name }
  if (flags.title !== undefined) raw.title = flags.title || undefined
  if (flags.description !== undefined) raw.description = flags.description || undefined
  if (flags.param !== undefined) {
    raw.params = flags.param.map((item) => {
      const eq = item.indexOf('=')
      return eq < 0 ? { name: item } : { name: item.slice(0, eq), default: item.slice(eq + 1) }
    })
  }
  if (flags.panel !== undefined) raw.panels = panelsOf(flags.panel)
  if (flags.public !== undefined) {
    const visibility = (raw.visibility ?? {}) as Record<string, unknown>
    raw.visibility = { ...visibility, public: flags.public }
  }
  const parsed = DashboardSchema.safeParse(raw)
  if (!parsed.success) throw describeIssues(parsed.error, `dashboard "${name}"`, raw)
  return parsed.data
}

/** Every panel names a stored query: a typo is caught now, not when the page is opened. */
async function checkPanels(store: Store, dashboard: Dashboard): Promise<void> {
  for (const panel of dashboard.panels) {
    if ((await store.queries.get(panel.query)) === undefined) {
      throw new QuarryError(
        'QUARRY_QUERY_NOT_FOUND',
        `Panel "${panel.id}" shows query "${panel.query}", which does not exist. List the queries with: quarry query list`,
      )
    }
  }
}

export async function listDashboards(flags: { format?: string }, global: StoreFlags): Promise<void> {
  const all = await withStore(global, async (store) => (await store.dashboards.list()).map(dashboardOfRow))
  if (flags.format === 'json') {
    console.log(JSON.stringify(all, null, 2))
    return
  }
  if (all.length === 0) console.log('No dashboards yet. Add one: quarry dashboard add NAME --panel QUERY')
  for (const dashboard of all) {
    const panels = dashboard.panels.length === 1 ? '1 panel' : `${dashboard.panels.length} panels`
    const title = dashboard.title === undefined ? '' : `"${dashboard.title}"`
    console.log(
      [dashboard.name, title, panels, `/d/${encodeURIComponent(dashboard.name)}`]
        .filter(Boolean)
        .join('  ·  '),
    )
  }
}

export async function showDashboard(name: string, global: StoreFlags): Promise<void> {
  const dashboard = await withStore(global, (store) => loadDashboard(store, name))
  console.log(JSON.stringify(dashboard, null, 2))
}

export async function addDashboard(name: string, flags: DashboardFlags, global: StoreFlags): Promise<void> {
  const dashboard = dashboardFrom(name, { ...flags, rename: undefined }, {})
  await withStore(global, async (store) => {
    await checkPanels(store, dashboard)
    await store.dashboards.create(dashboardRowOf(dashboard))
  })
  console.log(
    `Added dashboard "${dashboard.name}" with ${dashboard.panels.length} panels. ` +
      `Open it at /d/${encodeURIComponent(dashboard.name)}, or: quarry dashboard render ${dashboard.name} --out ${dashboard.name}.html`,
  )
}

export async function editDashboard(name: string, flags: DashboardFlags, global: StoreFlags): Promise<void> {
  const saved = await withStore(global, async (store) => {
    const dashboard = dashboardFrom(name, flags, await loadDashboard(store, name))
    await checkPanels(store, dashboard)
    const { name: newName, definition } = dashboardRowOf(dashboard)
    return store.dashboards.update(name, { name: newName, definition })
  })
  console.log(`Saved dashboard "${saved.name}".`)
}

export async function removeDashboard(name: string, global: StoreFlags): Promise<void> {
  await withStore(global, (store) => store.dashboards.remove(name))
  console.log(`Removed dashboard "${name}".`)
}

export interface RenderFlags {
  readonly format?: string
  readonly param?: string[]
  readonly out?: string
  readonly refresh?: boolean
}

/**
 * Runs every panel (each on its own: a failing one shows its coded error in its place, and is
 * named on stderr) and writes the dashboard as one HTML file with no script and nothing to load.
 * Exits 1 when a panel failed, so a cron job notices.
 */
export async function renderDashboard(name: string, flags: RenderFlags, global: StoreFlags): Promise<void> {
  if ((flags.format ?? 'html') !== 'html') {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `--format: a dashboard renders as html only; got "${flags.format}".`,
    )
  }
  const given = parseAssignments('--param', flags.param ?? [])
  const failures: string[] = []
  const html = await withEngine(global, async (deps) => {
    const dashboard = await loadDashboard(deps.store, name)
    const loaded = await Promise.all(
      dashboard.panels.map((panel) =>
        loadQuery(deps.store, panel.query).then(
          (query): LoadedQuery | QuarryError => query,
          (error: unknown) => {
            if (isQuarryError(error)) return error
            throw error
          },
        ),
      ),
    )
    const panels = await Promise.all(
      dashboard.panels.map(async (panel, index) => {
        const query = loaded[index]
        const title = panelTitle(panel, query instanceof QuarryError ? undefined : query?.query)
        const content = (body: Omit<Parameters<typeof panelContent>[0], 'title'>) =>
          panelContent({ ...body, title }).then((html) => ({ ...panel, title, downloads: [], body: html }))
        const failed = (error: QuarryError) => {
          failures.push(`panel "${panel.id}": ${error.message} (${error.code})`)
          const message = `${error.message} (${error.code})`
          return content({
            query: panel.query,
            rows: [],
            params: {},
            fetchedAt: new Date(),
            notices: [],
            error: message,
          })
        }
        if (query === undefined || query instanceof QuarryError)
          return failed(query ?? new QuarryError('QUARRY_QUERY_NOT_FOUND', `No query "${panel.query}".`))
        const values = valuesForPanel(dashboard, query.query, given)
        try {
          const run = await runPanel(deps, {
            dashboard,
            loaded: query,
            values,
            refresh: flags.refresh === true,
          })
          const template = panelTemplate(panel, query.query)
          return await content({
            query: query.query.name,
            rows: JSON.parse(run.rowsJson || '[]') as Row[],
            ...(template === undefined ? {} : { template }),
            params: Object.fromEntries(run.values),
            fetchedAt: run.fetchedAt,
            notices: run.notices,
            sandbox: deps.converters,
            templates: velocityLibrary(deps.store),
          })
        } catch (error) {
          if (!isQuarryError(error)) throw error
          return failed(error)
        }
      }),
    )
    const declarations = loaded.map((query) =>
      query instanceof QuarryError || query === undefined ? [] : query.query.params,
    )
    return dashboardFile({
      name: dashboard.name,
      ...(dashboard.title === undefined ? {} : { title: dashboard.title }),
      ...(dashboard.description === undefined ? {} : { description: dashboard.description }),
      fields: barFields(dashboard, given, declarations),
      panels,
      urls: { self: `/d/${encodeURIComponent(dashboard.name)}` },
      embed: false,
      fixedValues: true,
    })
  })
  if (flags.out === undefined) process.stdout.write(html)
  else writeFileSync(flags.out, html)
  for (const failure of failures) process.stderr.write(`note: ${failure}\n`)
  if (failures.length > 0) process.exitCode = 1
  else if (flags.out !== undefined) process.stderr.write(`Wrote ${flags.out}.\n`)
}
