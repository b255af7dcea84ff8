/**
 * The context parameters' names and what each holds (issue 15; domain/context-params.ts fills them).
 * No imports: the admin UI's parameter editor lists them from here.
 */

/** The prefix that marks a context parameter: `:@now` in a template, `@now` as its name. */
export const CONTEXT_PREFIX = '@'

export interface ContextParam {
  /** As written after the colon, e.g. `@user.name`. */
  readonly name: string
  /** How it binds: a list expands in SQL (`IN (:@user.groups)`) and joins with commas in REST. */
  readonly type: 'string' | 'list' | 'date'
  /** Whether it needs a signed-in person (the CLI, schedules, alerts and public views have none). */
  readonly needsViewer: boolean
  /** What the admin UI and the docs say it holds. */
  readonly description: string
}

/** Every context parameter, in the order the parameter editor lists them. */
export const CONTEXT_PARAMS: readonly ContextParam[] = [
  {
    name: '@user.name',
    type: 'string',
    needsViewer: true,
    description: 'The signed-in user’s name (an API token: its user’s).',
  },
  {
    name: '@user.email',
    type: 'string',
    needsViewer: true,
    description: 'The signed-in user’s email address, as set on the user.',
  },
  {
    name: '@user.groups',
    type: 'list',
    needsViewer: true,
    description: 'The signed-in user’s groups, a list (in SQL: IN (:@user.groups)).',
  },
  {
    name: '@now',
    type: 'date',
    needsViewer: false,
    description: 'The time of the run in the query’s time zone, e.g. 2026-12-03T15:04:05+01:00.',
  },
  {
    name: '@today',
    type: 'date',
    needsViewer: false,
    description: 'The date of the run in the query’s time zone, e.g. 2026-12-03.',
  },
]

const BY_NAME = new Map(CONTEXT_PARAMS.map((param) => [param.name, param]))

/** Whether a name (as written after the colon) is a context parameter's, known or not. */
export function isContextName(name: string): boolean {
  return name.startsWith(CONTEXT_PREFIX)
}

/** A known context parameter by name, or undefined. */
export function contextParam(name: string): ContextParam | undefined {
  return BY_NAME.get(name)
}

/**
 * The context parameters a statement's text mentions, in order, for the admin UI's parameter editor
 * (a hint as you type; what a run binds is src/engine/detect-params.ts usedContextNames).
 *
 * @example contextNamesIn('/search/jql?jql=assignee = ":@user.email" AND created >= :@today') // ['@user.email', '@today']
 */
export function contextNamesIn(text: string): string[] {
  const names = [...text.matchAll(/:(@[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)/g)].map(
    (m) => m[1] as string,
  )
  return [...new Set(names)]
}
