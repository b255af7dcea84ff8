import type {
  Datasource,
  DatasourceType,
  RestDatasource,
  SqlDatasource,
  SqlDatasourceType,
} from '../../src/domain/datasource.js'
import type { PresetForm } from '../../src/auth/presets/preset.js'
import type { AuditEntry, AuditFilter, ObjectVersion, VersionedKind } from '../../src/domain/audit.js'
import type { EmbeddingSettings } from '../../src/domain/embed-origins.js'
import type { PqImportResponse, PqPlanEntry } from '../../src/domain/pq-import-report.js'
import type {
  ChartTemplate,
  Pagination,
  ParamSpec,
  ParamType,
  Query,
  QuerySummary,
  Template as StoredTemplate,
  Visibility,
  VisitorInput,
} from '../../src/domain/query.js'
import type { ChartAggregate, ChartMark } from '../../src/domain/query-choices.js'
import type { Role } from '../../src/domain/roles.js'
import type { ApiTokenView, TokenScope } from '../../src/domain/token-scope.js'
import type {
  AlertCheckReply,
  AlertListReply,
  AlertReply,
  AlertTestReply,
  ConnectionReply,
  DashboardListReply,
  DashboardReply,
  DatasourceListReply,
  MyConnectionListReply,
  NamedConverterReply,
  NamedTemplateReply,
  ReplyOf,
  RunResultReply,
  ScheduleDetailReply,
  ScheduleReply,
  ScheduleRunReply,
  SubscriptionListReply,
  SessionReply,
  SnapshotListReply,
  SnapshotRetentionReply,
  SnapshotTakenReply,
  UserConnectionListReply,
  UserReply,
} from '../../src/server/replies.js'

/**
 * The one client for Quarry's JSON API: same origin, cookie session, and the
 * session's CSRF token on every state-changing request.
 */

export type {
  AuditEntry,
  AuditFilter,
  ChartAggregate,
  ObjectVersion,
  VersionedKind,
  ChartMark,
  Datasource,
  DatasourceType,
  EmbeddingSettings,
  Pagination,
  ParamSpec,
  ParamType,
  PqImportResponse,
  PqPlanEntry,
  Query,
  QuerySummary,
  RestDatasource,
  Role,
  SqlDatasource,
  SqlDatasourceType,
  TokenScope,
  Visibility,
  VisitorInput,
}
// No imports in these modules: their values come into the bundle without zod.
export { SCOPE_ROLE, TOKEN_SCOPES } from '../../src/domain/token-scope.js'
export { ROLE_RANK, ROLES } from '../../src/domain/roles.js'

/** The API's replies, typed from the schemas the server documents them with (GET /api/docs). */
export type Session = ReplyOf<typeof SessionReply>
export type User = Session['user']
export type Connection = NonNullable<ReplyOf<typeof ConnectionReply>>
export type DatasourceSummary = ReplyOf<typeof DatasourceListReply>[number]
/** Each person's connection to a per-user datasource (issue 15), as admins see them. */
export type UserConnection = ReplyOf<typeof UserConnectionListReply>[number]
/** A per-user datasource and the signed-in person's own connection to it (null: none yet). */
export type MyConnection = ReplyOf<typeof MyConnectionListReply>[number]
export type RunResult = ReplyOf<typeof RunResultReply>
/** A query's snapshots (issue 16) and the rule they are kept by. */
export type SnapshotList = ReplyOf<typeof SnapshotListReply>
export type SnapshotRetention = ReplyOf<typeof SnapshotRetentionReply>
export type UserRecord = ReplyOf<typeof UserReply>
export type ScheduleView = ReplyOf<typeof ScheduleReply>
export type ScheduleDetail = ReplyOf<typeof ScheduleDetailReply>
export type ScheduleRunOutcome = ReplyOf<typeof ScheduleRunReply>
export type SubscriptionView = ReplyOf<typeof SubscriptionListReply>[number]
/** Dashboards (issue 17): the list's entries, and one whole (what the editor sends back). */
export type DashboardSummary = ReplyOf<typeof DashboardListReply>[number]
export type DashboardDocument = ReplyOf<typeof DashboardReply>
/** What the schedule form sends (src/domain/schedule.ts checks it on the server). */
export interface ScheduleDefinition {
  name: string
  query: string
  params: Record<string, string>
  cron: string
  timeZone: string
  enabled?: boolean
  snapshot?: boolean
}
/** A named converter (issue 13), with the queries that use it. */
export type NamedConverter = ReplyOf<typeof NamedConverterReply>
export type AlertSummary = ReplyOf<typeof AlertListReply>[number]
export type AlertDetail = ReplyOf<typeof AlertReply>
export type AlertCheckResult = ReplyOf<typeof AlertCheckReply>
export type AlertTestResult = ReplyOf<typeof AlertTestReply>
/** A named template, as the editor holds it (see Template), with the queries that use it. */
export type NamedTemplate = Omit<ReplyOf<typeof NamedTemplateReply>, 'template'> & { template: Template }

/** A preset as GET /api/presets describes it: its form, and the queries it adds (`{name}` = the datasource's name). */
export interface PresetView extends PresetForm {
  name: string
  queries: string[]
}

/** A chart's aggregate as the editor offers it: the server's, or "none" (sent as no aggregate). */
export type ChartAggregateChoice = ChartAggregate | 'none'

/**
 * How a query's rows are shown, as the editor holds it: the server's TemplateSchema, except that a
 * Vega-Lite spec is text being typed and a chart's aggregate may be "none" (toWire turns both into
 * the server's shape).
 */
export type Template =
  | Exclude<StoredTemplate, { type: 'chart' | 'vega-lite' }>
  | (Omit<ChartTemplate, 'aggregate'> & { aggregate?: ChartAggregateChoice })
  | { type: 'vega-lite'; spec: string }

/**
 * A query as the editor holds it (the server's shape, but see toWire for the template). Its
 * visibility is the server's whole object (roles, groups, public): it round-trips on save.
 */
export type QueryDocument = Omit<Query, 'title' | 'template'> & {
  title?: string | null
  template: Template | null
}

export interface Rows {
  rows: Record<string, unknown>[]
  columns: string[]
}

export type ApiToken = ApiTokenView

/** A non-2xx answer: `{ error: { code, message, line? } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly line?: number,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

/** Secrets come back as this; sending it back keeps the stored value. */
export { SECRET_MASK as MASKED } from '../../src/domain/secret-mask.js'

let csrfToken = ''
let onSignedOut: () => void = () => {}

/**
 * What to do when the server says the session is gone (expired, revoked, password changed elsewhere):
 * show sign-in. Only a 401 with QUARRY_UNAUTHENTICATED means that — a wrong password or a datasource
 * whose own sign-in failed upstream is an error to show, not a reason to sign out (issue 10).
 */
export function setSignedOutHandler(handler: () => void): void {
  onSignedOut = handler
}

/** Called whenever a session is obtained (or lost). */
export function setCsrfToken(token: string): void {
  csrfToken = token
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken
  let response: Response
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch (error) {
    // A code from the server's own registry (src/domain/errors.ts): the UI speaks its vocabulary.
    throw new ApiError(0, 'QUARRY_SERVER_UNREACHABLE', `The server cannot be reached (${String(error)}).`)
  }
  if (response.status === 204) return undefined as T
  const text = await response.text()
  let json: unknown = undefined
  try {
    json = text === '' ? undefined : JSON.parse(text)
  } catch {
    // Not JSON (a proxy's error page, say): reported below with the status.
  }
  if (!response.ok) {
    const error = (json as { error?: { code?: string; message?: string; line?: number } } | undefined)?.error
    if (response.status === 401 && error?.code === 'QUARRY_UNAUTHENTICATED') onSignedOut()
    throw new ApiError(
      response.status,
      error?.code ?? 'QUARRY_SERVER_UNREACHABLE',
      error?.message ?? `The server answered ${response.status} ${response.statusText}.`,
      error?.line,
    )
  }
  return json as T
}

const enc = encodeURIComponent

const VERSIONED_PATH: Record<VersionedKind, string> = {
  query: '/api/queries',
  converter: '/api/converters',
  template: '/api/templates',
}

/** `?a=1&b=2` of the fields that are set, or ''. */
function searchOf(fields: Readonly<Record<string, string | number | undefined>>): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(fields))
    if (value !== undefined && value !== '') search.set(key, String(value))
  const text = search.toString()
  return text === '' ? '' : `?${text}`
}

export const api = {
  setupRequired: () => request<{ required: boolean }>('GET', '/api/setup'),
  setup: (body: { token: string; name: string; password: string }) =>
    request<Session>('POST', '/api/setup', body),

  /** The current session, or null when signed out (401). */
  session: async (): Promise<Session | null> => {
    try {
      return await request<Session>('GET', '/api/session')
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return null
      throw error
    }
  },
  signIn: (body: { name: string; password: string }) => request<Session>('POST', '/api/session', body),
  signOut: () => request<void>('DELETE', '/api/session'),
  /** Answers the new session (new CSRF token): the change ends every other session. */
  changePassword: (body: { currentPassword: string; newPassword: string }) =>
    request<Session>('PUT', '/api/session/password', body),

  datasources: () => request<DatasourceSummary[]>('GET', '/api/datasources'),
  datasource: (name: string) => request<Datasource>('GET', `/api/datasources/${enc(name)}`),
  createDatasource: (body: Datasource) => request<Datasource>('POST', '/api/datasources', body),
  updateDatasource: (name: string, body: Datasource) =>
    request<Datasource>('PUT', `/api/datasources/${enc(name)}`, body),
  deleteDatasource: (name: string) => request<void>('DELETE', `/api/datasources/${enc(name)}`),
  presets: () => request<PresetView[]>('GET', '/api/presets'),
  /** A datasource and its ready-made queries from a preset's form (its fields by key). */
  createFromPreset: (preset: string, body: { name: string } & Record<string, string>) =>
    request<Datasource>('POST', `/api/presets/${enc(preset)}/datasources`, body),
  testDatasource: (name: string) =>
    request<{ ok: boolean; message: string }>('POST', `/api/datasources/${enc(name)}/test`, {}),
  connectDatasource: (name: string) =>
    request<{ authorizeUrl: string }>('POST', `/api/datasources/${enc(name)}/connect`, {}),
  storeDatasourceTokens: (name: string, tokens: { refreshToken: string; accessToken?: string }) =>
    request<unknown>('POST', `/api/datasources/${enc(name)}/tokens`, tokens),
  userConnections: (name: string) =>
    request<UserConnection[]>('GET', `/api/datasources/${enc(name)}/connections`),
  revokeUserConnection: (name: string, user: string) =>
    request<void>('DELETE', `/api/datasources/${enc(name)}/connections/${enc(user)}`),
  myConnections: () => request<MyConnection[]>('GET', '/api/me/connections'),
  /** Starts the signed-in person's own consent; the callback returns to `returnTo` (a path of this server). */
  connectMine: (datasource: string, returnTo: string) =>
    request<{ authorizeUrl: string }>('POST', `/api/me/connections/${enc(datasource)}/connect`, { returnTo }),
  revokeMine: (datasource: string) => request<void>('DELETE', `/api/me/connections/${enc(datasource)}`),

  queries: () => request<QuerySummary[]>('GET', '/api/queries'),
  query: (name: string) =>
    request<Query>('GET', `/api/queries/${enc(name)}`).then((query): QueryDocument => ({
      ...query,
      template: query.template ? fromWire(query.template) : null,
    })),
  createQuery: (body: QueryDocument) => request<QueryDocument>('POST', '/api/queries', queryToWire(body)),
  updateQuery: (name: string, body: QueryDocument) =>
    request<QueryDocument>('PUT', `/api/queries/${enc(name)}`, queryToWire(body)),
  deleteQuery: (name: string) => request<void>('DELETE', `/api/queries/${enc(name)}`),
  snapshots: (name: string) => request<SnapshotList>('GET', `/api/queries/${enc(name)}/snapshots`),
  takeSnapshot: (name: string, body: { params: Record<string, string>; refresh?: boolean }) =>
    request<ReplyOf<typeof SnapshotTakenReply>>('POST', `/api/queries/${enc(name)}/snapshots`, body),
  removeSnapshot: (name: string, id: string) =>
    request<void>('DELETE', `/api/queries/${enc(name)}/snapshots/${enc(id)}`),
  setSnapshotRetention: (
    name: string,
    rule: { keepLast: number | null; maxAgeSeconds: number | null } | null,
  ) => request<SnapshotRetention>('PUT', `/api/queries/${enc(name)}/snapshot-retention`, { rule }),
  runQuery: (name: string, body: { params: Record<string, string>; refresh?: boolean }) =>
    request<RunResult>('POST', `/api/queries/${enc(name)}/run`, body),
  sampleQuery: (name: string, body: { params: Record<string, string> }) =>
    request<{ text: string }>('POST', `/api/queries/${enc(name)}/sample`, body),

  alerts: () => request<AlertSummary[]>('GET', '/api/alerts'),
  alert: (name: string) => request<AlertDetail>('GET', `/api/alerts/${enc(name)}`),
  createAlert: (body: unknown) => request<AlertDetail>('POST', '/api/alerts', body),
  updateAlert: (name: string, body: unknown) => request<AlertDetail>('PUT', `/api/alerts/${enc(name)}`, body),
  deleteAlert: (name: string) => request<void>('DELETE', `/api/alerts/${enc(name)}`),
  checkAlert: (name: string) => request<AlertCheckResult>('POST', `/api/alerts/${enc(name)}/check`),
  testAlert: (name: string) => request<AlertTestResult>('POST', `/api/alerts/${enc(name)}/test`),
  schedules: () => request<ScheduleView[]>('GET', '/api/schedules'),
  schedule: (name: string) => request<ScheduleDetail>('GET', `/api/schedules/${enc(name)}`),
  createSchedule: (body: ScheduleDefinition) => request<ScheduleView>('POST', '/api/schedules', body),
  updateSchedule: (name: string, body: Partial<Omit<ScheduleDefinition, 'name'>>) =>
    request<ScheduleView>('PUT', `/api/schedules/${enc(name)}`, body),
  deleteSchedule: (name: string) => request<void>('DELETE', `/api/schedules/${enc(name)}`),
  subscriptions: () => request<SubscriptionView[]>('GET', '/api/subscriptions'),
  runSchedule: (name: string) => request<ScheduleRunOutcome>('POST', `/api/schedules/${enc(name)}/run`, {}),

  dashboards: () => request<DashboardSummary[]>('GET', '/api/dashboards'),
  dashboard: (name: string) => request<DashboardDocument>('GET', `/api/dashboards/${enc(name)}`),
  createDashboard: (body: DashboardDocument) => request<DashboardDocument>('POST', '/api/dashboards', body),
  updateDashboard: (name: string, body: DashboardDocument) =>
    request<DashboardDocument>('PUT', `/api/dashboards/${enc(name)}`, body),
  deleteDashboard: (name: string) => request<void>('DELETE', `/api/dashboards/${enc(name)}`),

  converters: () => request<NamedConverter[]>('GET', '/api/converters'),
  converter: (name: string) => request<NamedConverter>('GET', `/api/converters/${enc(name)}`),
  createConverter: (body: { name: string; description?: string; source: string }) =>
    request<NamedConverter>('POST', '/api/converters', body),
  updateConverter: (name: string, body: { name: string; description?: string; source: string }) =>
    request<NamedConverter>('PUT', `/api/converters/${enc(name)}`, body),
  deleteConverter: (name: string) => request<void>('DELETE', `/api/converters/${enc(name)}`),

  templates: () =>
    request<ReplyOf<typeof NamedTemplateReply>[]>('GET', '/api/templates').then((list) =>
      list.map((t): NamedTemplate => ({ ...t, template: fromWire(t.template) })),
    ),
  template: (name: string) =>
    request<ReplyOf<typeof NamedTemplateReply>>('GET', `/api/templates/${enc(name)}`).then(
      (t): NamedTemplate => ({ ...t, template: fromWire(t.template) }),
    ),
  createTemplate: (body: { name: string; description?: string; template: Template }) =>
    request<unknown>('POST', '/api/templates', { ...body, template: toWire(body.template) }),
  updateTemplate: (name: string, body: { name: string; description?: string; template: Template }) =>
    request<unknown>('PUT', `/api/templates/${enc(name)}`, { ...body, template: toWire(body.template) }),
  deleteTemplate: (name: string) => request<void>('DELETE', `/api/templates/${enc(name)}`),

  previewConverter: (body: {
    converter: string
    json: string
    query?: string
    params?: Record<string, string>
  }) => request<Rows>('POST', '/api/preview/converter', body),
  previewTemplate: (body: { template: Template; rows: Record<string, unknown>[] }) =>
    request<{ html: string }>('POST', '/api/preview/template', { ...body, template: toWire(body.template) }),

  users: () => request<UserRecord[]>('GET', '/api/users'),
  createUser: (body: {
    name: string
    password: string
    role: Role
    groups: string[]
    email: string | null
  }) => request<UserRecord>('POST', '/api/users', body),
  updateUser: (
    name: string,
    body: { role?: Role; groups?: string[]; email?: string | null; password?: string },
  ) => request<UserRecord>('PUT', `/api/users/${enc(name)}`, body),
  deleteUser: (name: string) => request<void>('DELETE', `/api/users/${enc(name)}`),

  tokens: () => request<ApiToken[]>('GET', '/api/tokens'),
  /** Answers the token itself this once. */
  createToken: (body: { name: string; scope: TokenScope; expiresInDays?: number }) =>
    request<ApiToken & { token: string }>('POST', '/api/tokens', body),
  revokeToken: (id: string) => request<void>('DELETE', `/api/tokens/${enc(id)}`),

  embedding: () => request<EmbeddingSettings>('GET', '/api/settings/embedding'),
  saveEmbedding: (body: { origins: string[] }) =>
    request<EmbeddingSettings>('PUT', '/api/settings/embedding', body),

  /** The audit log, newest first (admins). */
  audit: (filter: AuditFilter) => request<AuditEntry[]>('GET', `/api/audit${searchOf(filter)}`),
  /** The address of the NDJSON export with the same filters (a download link). */
  auditExportUrl: (filter: AuditFilter) => `/api/audit/export${searchOf({ ...filter, limit: undefined })}`,
  /** The saved versions of a query, converter or template, newest first. */
  versions: (kind: VersionedKind, name: string) =>
    request<ObjectVersion[]>('GET', `${VERSIONED_PATH[kind]}/${enc(name)}/versions`),
  diffVersions: (kind: VersionedKind, name: string, from: number, to: number) =>
    request<{ from: number; to: number; patch: string }>(
      'GET',
      `${VERSIONED_PATH[kind]}/${enc(name)}/diff?from=${from}&to=${to}`,
    ),
  /** Saves an earlier version again as the newest; answers the version it made. */
  revert: (kind: VersionedKind, name: string, version: number) =>
    request<ObjectVersion>('POST', `${VERSIONED_PATH[kind]}/${enc(name)}/revert`, { version }),

  /** A PocketQuery export's text; with dryRun, only what would happen. */
  importPocketQuery: (body: { text: string; dryRun: boolean; replace: boolean }) =>
    request<PqImportResponse>('POST', '/api/import/pocketquery', body),
}

/** The message to show for anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * The editor keeps a Vega-Lite spec as text and "none" as an aggregate choice; the server takes the
 * spec as a JSON object and no aggregate at all. (Text that is not JSON is sent as is: the server's
 * error names it.)
 */
function toWire(template: Template | null): unknown {
  if (template === null) return undefined
  if (template.type === 'vega-lite') {
    try {
      return { type: 'vega-lite', spec: JSON.parse(template.spec) as unknown }
    } catch {
      return template
    }
  }
  if (template.type === 'chart' && (template.aggregate === 'none' || template.aggregate === undefined)) {
    const { aggregate: _aggregate, ...rest } = template
    return rest
  }
  return template
}

function fromWire(template: StoredTemplate): Template {
  if (template.type === 'vega-lite')
    return { type: 'vega-lite', spec: JSON.stringify(template.spec, null, 2) }
  return template
}

function queryToWire(query: QueryDocument): unknown {
  const { template, title, converter, converterName, templateName, ...rest } = query
  // A named converter or template replaces the query's own (the server takes one or the other).
  return {
    ...rest,
    ...(converterName ? { converterName } : converter ? { converter } : {}),
    ...(templateName ? { templateName } : template ? { template: toWire(template) } : {}),
    ...(title ? { title } : {}),
  }
}
