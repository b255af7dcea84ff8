/**
 * Parameter options from a query (issue 17): a parameter's allowed values are another query's rows
 * (one column the value, one the label), run through the engine like any query — with that query's
 * own cache TTL, refreshed when the run that needs them is refreshed. A parameter's options query may
 * take the value of another parameter (`:project`), so the sprints listed follow the chosen project.
 *
 * Every run checks its values against the lists here (runQuery), whoever runs it — a view, the API,
 * the CLI, a schedule — so a value outside the list is refused on the server, not only by a dropdown.
 */
import { QuarryError, isQuarryError } from '../domain/errors.js'
import {
  optionsReference,
  paramsInOptionOrder,
  QuerySchema,
  queryInputOf,
  type ParamSpec,
  type Query,
} from '../domain/query.js'
import type { Store } from '../store/index.js'

/** One allowed value of a parameter and the words shown for it. */
export interface ParamOption {
  readonly value: string
  readonly label: string
}

/** A parameter's list: its options, or why there are none (the options query failed, or cannot run yet). */
export type ParamOptionsState = { readonly options: readonly ParamOption[] } | { readonly error: QuarryError }

/** The lists of a query's parameters that take their values from a query, and the values chosen with them. */
export interface LoadedParamOptions {
  /** By parameter name; only parameters with `options`. */
  readonly lists: ReadonlyMap<string, ParamOptionsState>
  /**
   * The raw values as given, and for an options parameter given no value: its default when the list
   * has it, else the list's first value (a sprint list that changed with the project has a new first).
   */
  readonly chosen: Readonly<Record<string, string>>
}

/** Runs a query for an options list; runQuery, passed in, so this module and run.ts do not import each other. */
export type OptionsRunner = (request: {
  readonly query: string
  readonly params: Readonly<Record<string, string>>
  readonly refresh: boolean
  readonly optionsChain: readonly string[]
}) => Promise<{ readonly rowsJson: string }>

/** How deep options queries may nest (a sprint list whose board parameter has its own list …). */
const MAX_OPTIONS_DEPTH = 4

/**
 * The items of a raw value as an options list is checked: a list parameter's comma-separated items,
 * any other's whole text.
 */
function itemsOf(spec: ParamSpec, raw: string): string[] {
  return spec.type === 'list'
    ? raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '')
    : [raw]
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return ''
  return typeof value === 'object' ? JSON.stringify(value) : String(value)
}

/** The options in an options query's rows: its `value` column (default: the first), its `label` column (default: the value). */
function optionsOf(spec: ParamSpec, rowsJson: string): ParamOption[] {
  const source = spec.options
  if (source === undefined) return []
  const rows = JSON.parse(rowsJson || '[]') as Record<string, unknown>[]
  const first = rows[0]
  if (first === undefined) return []
  const columns = Object.keys(first)
  const valueColumn = source.value ?? columns[0]
  const labelColumn = source.label ?? valueColumn
  for (const column of [valueColumn, labelColumn]) {
    if (column === undefined || !Object.hasOwn(first, column)) {
      throw new QuarryError(
        'QUARRY_CONFIG_INVALID',
        `The options of parameter "${spec.name}" read column "${column ?? ''}" of query "${source.query}", ` +
          `whose rows have ${columns.map((c) => `"${c}"`).join(', ')}; name one of them as its value or label.`,
      )
    }
  }
  const seen = new Set<string>()
  const options: ParamOption[] = []
  for (const row of rows) {
    const value = cellText(row[valueColumn as string])
    if (value === '' || seen.has(value)) continue
    seen.add(value)
    options.push({ value, label: cellText(row[labelColumn as string]) || value })
  }
  return options
}

/** Whether every item of a raw value is in the list. */
function allowed(spec: ParamSpec, raw: string, options: readonly ParamOption[]): boolean {
  const values = new Set(options.map((option) => option.value))
  return itemsOf(spec, raw).every((item) => values.has(item))
}

function refused(spec: ParamSpec, raw: string, options: readonly ParamOption[]): QuarryError {
  const values = new Set(options.map((option) => option.value))
  const outside = itemsOf(spec, raw).find((item) => !values.has(item)) ?? raw
  return new QuarryError(
    'QUARRY_PARAM_OPTION',
    `Parameter "${spec.name}" takes only the values query "${spec.options?.query ?? ''}" lists; ` +
      `${JSON.stringify(outside.length > 60 ? `${outside.slice(0, 60)}…` : outside)} is not one of them. Choose one from its list.`,
  )
}

/**
 * Loads the options lists of a query's parameters, each after those its options depend on; a list
 * that fails (or whose input value is itself refused) is kept as its error, so a view can show it in
 * place of the dropdown and still render.
 *
 * @example
 * const { lists, chosen } = await loadParamOptions(query, { project: 'DEMO' }, runner)
 * lists.get('sprint') // { options: [{ value: '1', label: 'Sprint 1' }, …] }
 */
export async function loadParamOptions(
  query: Pick<Query, 'name' | 'params'>,
  given: Readonly<Record<string, string>>,
  run: OptionsRunner,
  options: { readonly refresh?: boolean; readonly optionsChain?: readonly string[] } = {},
): Promise<LoadedParamOptions> {
  const chain = [...(options.optionsChain ?? []), query.name]
  const lists = new Map<string, ParamOptionsState>()
  const chosen: Record<string, string> = { ...given }
  const specs = new Map(query.params.map((spec) => [spec.name, spec]))
  for (const spec of paramsInOptionOrder(query.params)) {
    const source = spec.options
    if (source === undefined) continue
    const state = await loadList(spec, {
      specs,
      chosen,
      lists,
      run,
      chain,
      refresh: options.refresh ?? false,
    })
    lists.set(spec.name, state)
    if ('error' in state || Object.hasOwn(given, spec.name)) continue
    const fallback =
      spec.default !== undefined && allowed(spec, spec.default, state.options)
        ? spec.default
        : state.options[0]?.value
    if (fallback !== undefined) chosen[spec.name] = fallback
  }
  return { lists, chosen }
}

async function loadList(
  spec: ParamSpec,
  context: {
    readonly specs: ReadonlyMap<string, ParamSpec>
    readonly chosen: Readonly<Record<string, string>>
    readonly lists: ReadonlyMap<string, ParamOptionsState>
    readonly run: OptionsRunner
    readonly chain: readonly string[]
    readonly refresh: boolean
  },
): Promise<ParamOptionsState> {
  const source = spec.options
  if (source === undefined) return { options: [] }
  if (context.chain.includes(source.query) || context.chain.length > MAX_OPTIONS_DEPTH) {
    return {
      error: new QuarryError(
        'QUARRY_CONFIG_INVALID',
        `The options of parameter "${spec.name}" come from query "${source.query}", which needs options from ` +
          `${context.chain.map((name) => `"${name}"`).join(' → ')} again; let one of them list its values without the other.`,
      ),
    }
  }
  const params: Record<string, string> = {}
  for (const [name, value] of Object.entries(source.params)) {
    const ref = optionsReference(value)
    if (ref === undefined) {
      params[name] = value
      continue
    }
    const upstream = context.lists.get(ref)
    // The options of a parameter whose own value is refused are not asked for with that value.
    if (upstream !== undefined && 'error' in upstream) return { error: upstream.error }
    const raw = context.chosen[ref]
    if (raw === undefined) continue
    const other = context.specs.get(ref)
    if (upstream !== undefined && other !== undefined && !allowed(other, raw, upstream.options))
      return { error: refused(other, raw, upstream.options) }
    params[name] = raw
  }
  try {
    const result = await context.run({
      query: source.query,
      params,
      refresh: context.refresh,
      optionsChain: context.chain,
    })
    return { options: optionsOf(spec, result.rowsJson) }
  } catch (error) {
    if (!isQuarryError(error)) throw error
    return { error }
  }
}

/**
 * The raw values a run binds, checked against the options lists: each value of an options parameter
 * must be in its list (a list parameter's every item); one given no value takes its default or first
 * option. A list that could not be loaded refuses the run — its values cannot be checked.
 *
 * @example checkedOptionValues(query, { project: 'NOPE' }, loaded) // throws QUARRY_PARAM_OPTION naming "project" and "NOPE"
 */
export function checkedOptionValues(
  query: Pick<Query, 'name' | 'params'>,
  given: Readonly<Record<string, string>>,
  loaded: LoadedParamOptions,
): Record<string, string> {
  for (const spec of paramsInOptionOrder(query.params)) {
    const state = loaded.lists.get(spec.name)
    if (state === undefined) continue
    if ('error' in state) {
      if (state.error.code === 'QUARRY_PARAM_OPTION') throw state.error
      throw new QuarryError(
        'QUARRY_PARAM_OPTIONS_FAILED',
        `The values of parameter "${spec.name}" come from query "${spec.options?.query ?? ''}", which failed: ` +
          `${state.error.messageFor('cli')} (${state.error.code})`,
        { cause: state.error },
      )
    }
    const raw = loaded.chosen[spec.name]
    if (raw === undefined) {
      throw new QuarryError(
        'QUARRY_PARAM_OPTION',
        `Parameter "${spec.name}" has no value to choose: query "${spec.options?.query ?? ''}" lists none for these parameters.`,
      )
    }
    if (!allowed(spec, raw, state.options)) throw refused(spec, raw, state.options)
  }
  return { ...given, ...loaded.chosen }
}

/**
 * Refuses to save a query whose options come from a query that does not exist, or from one whose
 * own options lead back to it (a → b → a): such a list could never be made. `others` finds the other
 * saved queries (the import passes the queries it brings along).
 *
 * @example await checkOptionSources(query, (name) => storedQuery(store, name)) // throws QUARRY_CONFIG_INVALID for a missing one
 */
export async function checkOptionSources(
  query: Pick<Query, 'name' | 'params'>,
  others: (name: string) => Promise<Pick<Query, 'name' | 'params'> | undefined>,
): Promise<void> {
  const visit = async (at: Pick<Query, 'name' | 'params'>, path: readonly string[]): Promise<void> => {
    for (const spec of at.params) {
      const source = spec.options?.query
      if (source === undefined) continue
      if (path.includes(source) || source === query.name) {
        const circle = [...path, at.name, source]
        throw new QuarryError(
          'QUARRY_CONFIG_INVALID',
          `Query "${query.name}" cannot be saved: the options of its parameters lead back to it ` +
            `(${circle.map((name) => `"${name}"`).join(' → ')}). Let one of these queries list its values without the others.`,
        )
      }
      const next = await others(source)
      if (next === undefined) {
        throw new QuarryError(
          'QUARRY_CONFIG_INVALID',
          `Parameter "${spec.name}" of query "${at.name}" takes its options from query "${source}", which does not exist. ` +
            'Add that query first, or name an existing one.',
        )
      }
      await visit(next, [...path, at.name])
    }
  }
  await visit(query, [])
}

/**
 * Another saved query's name and parameters, for checkOptionSources; undefined when there is none.
 *
 * @example await checkOptionSources(query, savedQueryParams(store))
 */
export function savedQueryParams(
  store: Store,
): (name: string) => Promise<Pick<Query, 'name' | 'params'> | undefined> {
  return async (name) => {
    const stored = await store.queries.get(name)
    return stored === undefined ? undefined : QuerySchema.parse(queryInputOf(stored))
  }
}
