import { DatasourceSchema, type RestDatasource } from '../../domain/datasource.js'
import { QuarryError } from '../../domain/errors.js'
import { describeIssues } from '../../domain/field-issues.js'
import { QuerySchema, type Query } from '../../domain/query.js'
import { saveDatasource, type Store } from '../../store/index.js'
import { presetNamed } from './index.js'
import type { PresetPlace } from './preset.js'

/**
 * Creating a datasource from a preset, the one way the CLI (`datasource add --preset`) and the
 * server (POST /api/presets/:preset/datasources) do it: the preset's fields checked, its datasource
 * and ready-made queries built, every name checked free, then all stored.
 */

export interface PresetRequest {
  /** The preset's name, e.g. `jira-cloud`. */
  readonly preset: string
  /** The new datasource's name. */
  readonly name: string
  /** The preset form's fields by key (CLI flags or API body fields); others are ignored. */
  readonly given: Readonly<Record<string, unknown>>
  readonly place: PresetPlace
  /** `per-user`: each signed-in person connects their own account (issue 15); shared by default. */
  readonly connectionMode?: string | undefined
  /** How the surface names a field in messages: a CLI flag (`--client-id`) or an API field (`clientId`). */
  readonly fieldName: (key: string) => string
}

/**
 * Stores a preset's datasource and its queries, or throws a coded error having stored nothing when
 * a field is missing or wrong or a name is taken (QUARRY_QUERY_EXISTS, QUARRY_DATASOURCE_EXISTS).
 *
 * @example await createFromPreset(store, { preset: 'jira-cloud', name: 'jira', given: { clientId, clientSecret }, place: {}, fieldName: fieldFlag })
 */
export async function createFromPreset(
  store: Store,
  request: PresetRequest,
): Promise<{ datasource: RestDatasource; queries: Query[] }> {
  const preset = presetNamed(request.preset)
  const { fields, source } = preset.form
  const missing = fields.filter((field) => field.required && isBlank(request.given[field.key]))
  if (missing.length > 0) {
    const names = missing.map((field) => request.fieldName(field.key))
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `The ${preset.name} preset needs ${names.join(' and ')} ${source}.`,
    )
  }
  const given = Object.fromEntries(
    fields.filter((field) => !isBlank(request.given[field.key])).map((f) => [f.key, request.given[f.key]]),
  )
  const built = DatasourceSchema.safeParse({
    ...preset.datasource(request.name, given, request.place, request.fieldName),
    ...(request.connectionMode === undefined ? {} : { connectionMode: request.connectionMode }),
  })
  if (!built.success) throw describeIssues(built.error, `datasource "${request.name}"`)
  const datasource = built.data as RestDatasource
  const queries = preset.queries(datasource.name).map((query) => QuerySchema.parse(query))
  for (const query of queries) {
    if (await store.queries.get(query.name)) {
      throw new QuarryError(
        'QUARRY_QUERY_EXISTS',
        `A query named "${query.name}" exists already; the ${preset.name} preset adds it for datasource "${datasource.name}". Nothing was stored: choose another datasource name, or rename or remove that query.`,
      )
    }
  }
  await saveDatasource(store, datasource)
  for (const { name, datasource: on, ...definition } of queries)
    await store.queries.create({ name, datasource: on, definition })
  return { datasource, queries }
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || value === ''
}
