import { checkPreset } from './auth/presets/index.js'
import {
  CONFIG_DOCUMENT_VERSION,
  ConfigDocumentSchema,
  decryptSecrets,
  encryptSecrets,
  type SecretPayload,
} from './domain/config-document.js'
import {
  DatasourceSchema,
  SECRET_AUTH_FIELDS,
  joinSecrets,
  splitSecrets,
  type Datasource,
} from './domain/datasource.js'
import { withDetectedParams } from './engine/detect-params.js'
import { embedOrigins } from './domain/embed-origins.js'
import { QuarryError, isQuarryError } from './domain/errors.js'
import { describeIssues } from './domain/field-issues.js'
import { CLI_WORDS, type SurfaceWords } from './domain/surface-words.js'
import {
  NamedConverterSchema,
  NamedTemplateSchema,
  type NamedConverter,
  type NamedTemplate,
} from './domain/library.js'
import { DashboardSchema, type Dashboard } from './domain/dashboard.js'
import { QuerySchema, queryInputOf, queryRowOf, type Query } from './domain/query.js'
import {
  checkOptionSources,
  dashboardOfRow,
  dashboardRowOf,
  savedQueryParams,
  templateFromContent,
} from './engine/index.js'
import type { ConnectionInput, LibraryRepo, Store } from './store/index.js'

/**
 * The whole configuration as one document, and back: `quarry export`/`import` and the server's
 * /api/export and /api/import. Secrets stay out unless a passphrase encrypts them; an import checks
 * everything before it changes anything.
 */

export const MIN_PASSPHRASE_LENGTH = 8

/** The store's datasources, queries and (with a passphrase) secrets and connections. */
export async function exportDocument(store: Store, secretPassphrase?: string) {
  if (secretPassphrase !== undefined && secretPassphrase.length < MIN_PASSPHRASE_LENGTH) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `An export with secrets needs a passphrase of ${MIN_PASSPHRASE_LENGTH} characters or more.`,
    )
  }
  const payload: SecretPayload = { datasources: {}, connections: {} }
  const datasources = []
  for (const stored of await store.datasources.list()) {
    datasources.push({ ...(stored.config as object), name: stored.name })
    payload.datasources[stored.name] = { ...stored.secrets }
  }
  const queries = (await store.queries.list()).map(queryInputOf)
  const described = (description: string | null) => (description === null ? {} : { description })
  const converters = (await store.converters.list()).map((c) => ({
    name: c.name,
    ...described(c.description),
    source: c.content,
  }))
  const templates = (await store.templates.list()).map((t) => ({
    name: t.name,
    ...described(t.description),
    template: templateFromContent(t.content, t.name),
  }))
  for (const connection of await store.connections.list()) {
    const { datasource, version: _v, updatedAt: _u, ...rest } = connection
    payload.connections[datasource] = JSON.parse(JSON.stringify(rest)) as Record<string, unknown>
  }
  return {
    quarry: CONFIG_DOCUMENT_VERSION,
    exportedAt: new Date().toISOString(),
    datasources,
    converters,
    templates,
    queries,
    dashboards: (await store.dashboards.list()).map(dashboardOfRow),
    secrets: secretPassphrase === undefined ? null : await encryptSecrets(payload, secretPassphrase),
    settings: { embedOrigins: await store.settings.embedOrigins() },
  }
}

export interface ImportOutcome {
  readonly datasources: number
  readonly queries: number
  readonly converters: number
  readonly templates: number
  readonly dashboards: number
  /** Datasources imported without the secrets they need (the export left them out). */
  readonly lackingSecrets: readonly string[]
}

/**
 * Imports a document (already parsed from JSON). Nothing changes unless every datasource, query and
 * dashboard is valid, every query's datasource and every panel's query exists, and (without `replace`) no name is taken.
 *
 * @param askPassphrase called only when the document holds encrypted secrets
 */
export async function importDocument(
  store: Store,
  raw: unknown,
  options: {
    replace: boolean
    askPassphrase: () => string | Promise<string>
    where: string
    /** Whose words the messages use (default: the CLI's). */
    words?: SurfaceWords
  },
): Promise<ImportOutcome> {
  const parsed = ConfigDocumentSchema.safeParse(raw)
  if (!parsed.success) throw describeIssues(parsed.error, `export document ${options.where}`, raw)
  const document = parsed.data
  const payload = document.secrets
    ? await decryptSecrets(document.secrets, await options.askPassphrase())
    : undefined

  const problems: string[] = []
  const datasources: { config: Datasource; secrets: Record<string, string> }[] = []
  for (const entry of document.datasources) {
    const name = String(entry.name ?? '?')
    const secrets = payload?.datasources[name] ?? {}
    const check = DatasourceSchema.safeParse(
      payload ? joinSecrets(entry as Datasource, secrets) : withPlaceholders(entry as Datasource),
    )
    if (!check.success) {
      problems.push(describeIssues(check.error, `datasource "${name}"`, entry).message)
      continue
    }
    try {
      checkPreset(check.data)
    } catch (error) {
      if (!isQuarryError(error)) throw error
      problems.push(error.message)
      continue
    }
    datasources.push(splitSecrets(payload ? check.data : joinSecrets(check.data, secrets)))
  }
  const converters: NamedConverter[] = []
  for (const entry of document.converters) {
    const check = NamedConverterSchema.safeParse(entry)
    if (check.success) converters.push(check.data)
    else problems.push(describeIssues(check.error, `converter "${String(entry.name ?? '?')}"`, entry).message)
  }
  const templates: NamedTemplate[] = []
  for (const entry of document.templates) {
    const check = NamedTemplateSchema.safeParse(entry)
    if (check.success) templates.push(check.data)
    else problems.push(describeIssues(check.error, `template "${String(entry.name ?? '?')}"`, entry).message)
  }
  const queries: Query[] = []
  for (const entry of document.queries) {
    const check = QuerySchema.safeParse(entry)
    if (check.success) queries.push(check.data)
    else problems.push(describeIssues(check.error, `query "${String(entry.name ?? '?')}"`, entry).message)
  }

  const dashboards: Dashboard[] = []
  for (const entry of document.dashboards) {
    const check = DashboardSchema.safeParse(entry)
    if (check.success) dashboards.push(check.data)
    else problems.push(describeIssues(check.error, `dashboard "${String(entry.name ?? '?')}"`, entry).message)
  }

  // Origins are a set, not named things: an import adds the file's to the store's and removes none.
  let origins: readonly string[] | undefined
  if (document.settings !== undefined && document.settings.embedOrigins.length > 0) {
    try {
      origins = embedOrigins([...(await store.settings.embedOrigins()), ...document.settings.embedOrigins])
    } catch (error) {
      problems.push(`settings.embedOrigins: ${(error as Error).message}`)
    }
  }

  const importing = new Map(datasources.map((d) => [d.config.name, d.config.type]))
  for (const [index, query] of queries.entries()) {
    const type = importing.get(query.datasource) ?? (await store.datasources.get(query.datasource))?.type
    if (type === undefined) {
      problems.push(
        `Query "${query.name}" uses datasource "${query.datasource}", which is neither in the file nor in the store.`,
      )
    }
    // Parameters used but not declared (a PocketQuery habit) are declared as strings (issue 13).
    queries[index] = withDetectedParams(query, type)
    for (const [kind, name, inFile] of [
      ['converter', query.converterName, converters],
      ['template', query.templateName, templates],
    ] as const) {
      if (name === undefined || inFile.some((item) => item.name === name)) continue
      if ((await (kind === 'converter' ? store.converters : store.templates).get(name)) === undefined) {
        problems.push(
          `Query "${query.name}" uses ${kind} "${name}", which is neither in the file nor in the store.`,
        )
      }
    }
  }
  // Options lists (issue 17) from queries in the file or the store, never from a missing one or in a circle.
  const inFile = new Map(queries.map((query) => [query.name, query]))
  const stored = savedQueryParams(store)
  for (const query of queries) {
    try {
      await checkOptionSources(query, async (name) => inFile.get(name) ?? (await stored(name)))
    } catch (error) {
      if (!isQuarryError(error)) throw error
      problems.push(error.message)
    }
  }
  const importingQueries = new Set(queries.map((query) => query.name))
  for (const dashboard of dashboards) {
    for (const panel of dashboard.panels) {
      if (importingQueries.has(panel.query) || (await store.queries.get(panel.query)) !== undefined) continue
      problems.push(
        `Dashboard "${dashboard.name}" has a panel on query "${panel.query}", which is neither in the file nor in the store.`,
      )
    }
  }
  const existingConverters = await namesOf(store.converters)
  const existingTemplates = await namesOf(store.templates)
  const existingDatasources = new Set((await store.datasources.list()).map((d) => d.name))
  const existingQueries = new Set((await store.queries.list()).map((q) => q.name))
  const existingDashboards = new Set((await store.dashboards.list()).map((d) => d.name))
  if (!options.replace) {
    const clashes = [
      ...datasources
        .filter((d) => existingDatasources.has(d.config.name))
        .map((d) => `datasource "${d.config.name}"`),
      ...converters.filter((c) => existingConverters.has(c.name)).map((c) => `converter "${c.name}"`),
      ...templates.filter((t) => existingTemplates.has(t.name)).map((t) => `template "${t.name}"`),
      ...queries.filter((q) => existingQueries.has(q.name)).map((q) => `query "${q.name}"`),
      ...dashboards.filter((d) => existingDashboards.has(d.name)).map((d) => `dashboard "${d.name}"`),
    ]
    const replace = (options.words ?? CLI_WORDS).replace
    if (clashes.length > 0)
      problems.push(`These exist already (use ${replace} to overwrite): ${clashes.join(', ')}.`)
  }
  if (problems.length > 0)
    throw new QuarryError('QUARRY_CONFIG_INVALID', `Nothing was imported:\n  ${problems.join('\n  ')}`)

  for (const { config, secrets } of datasources) {
    if (existingDatasources.has(config.name)) await store.datasources.update(config.name, { config, secrets })
    else await store.datasources.create({ name: config.name, type: config.type, config, secrets })
    const connection = payload?.connections[config.name]
    if (connection) await store.connections.put(config.name, revive(connection))
  }
  // The libraries before the queries: a query's names must exist when it is written.
  for (const { name, description, source } of converters) {
    const entry = { description: description ?? null, content: source }
    if (existingConverters.has(name)) await store.converters.update(name, entry)
    else await store.converters.create({ name, ...entry })
  }
  for (const { name, description, template } of templates) {
    const entry = { description: description ?? null, content: JSON.stringify(template) }
    if (existingTemplates.has(name)) await store.templates.update(name, entry)
    else await store.templates.create({ name, ...entry })
  }
  for (const query of queries) {
    const { name, ...row } = queryRowOf(query)
    if (existingQueries.has(name)) await store.queries.update(name, row)
    else await store.queries.create({ name, ...row })
  }
  // The dashboards after the queries their panels show.
  for (const dashboard of dashboards) {
    const { name, definition } = dashboardRowOf(dashboard)
    if (existingDashboards.has(name)) await store.dashboards.update(name, { definition })
    else await store.dashboards.create({ name, definition })
  }
  if (origins !== undefined) await store.settings.setEmbedOrigins(origins)
  const lacking = payload
    ? []
    : datasources.filter((d) => Object.keys(d.secrets).length > 0 || needsSecrets(d.config))
  return {
    datasources: datasources.length,
    queries: queries.length,
    converters: converters.length,
    templates: templates.length,
    dashboards: dashboards.length,
    lackingSecrets: lacking.map((d) => d.config.name),
  }
}

async function namesOf(repo: LibraryRepo): Promise<Set<string>> {
  return new Set((await repo.list()).map((item) => item.name))
}

/** Placeholders stand in for secrets an export left out, so the rest of a datasource can be validated. */
function withPlaceholders(config: Datasource): Datasource {
  if (config.type !== 'rest') return joinSecrets(config, { password: 'placeholder' })
  const placeholders: Record<string, string> = {}
  for (const field of SECRET_AUTH_FIELDS) placeholders[`auth.${field}`] = 'placeholder'
  for (const header of config.headers)
    if (header.secret) placeholders[`header.${header.name.toLowerCase()}`] = 'placeholder'
  return joinSecrets(config, placeholders)
}

function needsSecrets(config: Datasource): boolean {
  if (config.type !== 'rest') return config.type !== 'sqlite' && config.password !== undefined
  return config.auth.type !== 'none' || config.headers.some((h) => h.secret)
}

/** A connection as exported (dates as ISO text) back to what the store takes. */
function revive(stored: Record<string, unknown>): ConnectionInput {
  const date = (value: unknown) => (typeof value === 'string' ? new Date(value) : null)
  return {
    tokens: (stored.tokens ?? {}) as Record<string, string>,
    accessExpiresAt: date(stored.accessExpiresAt),
    status: stored.status === 'needs_consent' ? 'needs_consent' : 'connected',
    statusMessage: typeof stored.statusMessage === 'string' ? stored.statusMessage : null,
    scope: typeof stored.scope === 'string' ? stored.scope : null,
    site: stored.site ?? null,
    lastRefreshAt: date(stored.lastRefreshAt),
    lastUsedAt: date(stored.lastUsedAt),
  }
}
