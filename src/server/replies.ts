import { z } from 'zod'
import { ALERT_STATES, ShownAlertSchema } from '../domain/alert.js'
import { ConfigDocumentSchema } from '../domain/config-document.js'
import { DashboardSchema } from '../domain/dashboard.js'
import { DatasourceSchema, PresetSiteSchema, SQL_DATASOURCE_TYPES } from '../domain/datasource.js'
import { ParamSpecSchema, QuerySchema, TemplateSchema } from '../domain/query.js'
import { ScheduleSchema } from '../domain/schedule.js'
import { ShownSubscriptionSchema } from '../domain/subscription.js'
import { AuditEntrySchema, ObjectVersionSchema } from '../domain/audit-schemas.js'
import { SECRET_MASK } from '../domain/secret-mask.js'
import { SnapshotRetentionSchema, SnapshotSummarySchema } from '../domain/snapshot.js'
import { TOKEN_SCOPES } from '../domain/token-scope.js'

/**
 * What each route answers on success, as data the route table carries: the OpenAPI document is
 * built from it (named schemas, examples), and test/server/openapi.test.ts checks every example
 * against its schema and real replies against theirs.
 */

/** A reply schema with the name it has in the OpenAPI document's components and an example. */
export interface NamedSchema<T extends z.ZodType = z.ZodType> {
  readonly name: string
  readonly schema: T
  readonly example: z.output<T>
}

export type RouteReply =
  /** JSON described by a named schema. */
  | { readonly kind: 'json'; readonly status: 200 | 201; readonly body: NamedSchema }
  /** No body (204). */
  | { readonly kind: 'empty' }
  /** A redirect: where to, in words. */
  | { readonly kind: 'redirect'; readonly status: 302 | 303; readonly description: string }
  /** A document that is not JSON: a page, a download, a script. */
  | { readonly kind: 'text'; readonly contentType: string | readonly string[]; readonly description: string }

/** What a route answers, as a type: `ReplyOf<typeof RunResultReply>` (the admin UI's types). */
export type ReplyOf<T extends NamedSchema> = z.output<T['schema']>

function named<T extends z.ZodType>(name: string, schema: T, example: z.output<T>): NamedSchema<T> {
  return { name, schema, example }
}

export function json(body: NamedSchema, status: 200 | 201 = 200): RouteReply {
  return { kind: 'json', status, body }
}
export const NO_CONTENT: RouteReply = { kind: 'empty' }
export function redirect(description: string, status: 302 | 303 = 302): RouteReply {
  return { kind: 'redirect', status, description }
}
/** A document of one media type, or of any of several (a download in a format of the registry). */
export function text(contentType: string | readonly string[], description: string): RouteReply {
  return { kind: 'text', contentType, description }
}

const ROLES = ['admin', 'editor', 'viewer'] as const
const WHEN = '2026-12-02T09:30:00.000Z'
const Timestamp = z.iso.datetime()
const Rows = z.array(z.record(z.string(), z.unknown()))

export const SetupStateReply = named('SetupState', z.object({ required: z.boolean() }), { required: false })

export const SessionReply = named(
  'Session',
  z.object({
    user: z.object({ name: z.string(), role: z.enum(ROLES), groups: z.array(z.string()) }),
    /** Send it as the x-csrf-token header with every state-changing request of this session. */
    csrfToken: z.string(),
  }),
  { user: { name: 'ada', role: 'admin', groups: [] }, csrfToken: 'hW3k9x…' },
)

const SITE_EXAMPLE = {
  id: '1324a887-45db-1bf4-1e99-ef0ff456d421',
  name: 'example',
  url: 'https://example.atlassian.net',
}

const ConnectionSchema = z.object({
  status: z.enum(['connected', 'needs_consent']),
  expiresAt: Timestamp.nullable(),
  lastRefreshAt: Timestamp.nullable(),
  /** The site the consent chose (a Jira Cloud site), or null. */
  site: PresetSiteSchema.nullable(),
  statusMessage: z.string().nullable(),
})
const CONNECTION_EXAMPLE: z.output<typeof ConnectionSchema> = {
  status: 'connected',
  expiresAt: WHEN,
  lastRefreshAt: WHEN,
  site: SITE_EXAMPLE,
  statusMessage: null,
}

/** Null: the datasource has no OAuth 2.0 (3LO) connection yet. */
export const ConnectionReply = named('Connection', ConnectionSchema.nullable(), CONNECTION_EXAMPLE)

export const DatasourceListReply = named(
  'DatasourceList',
  z.array(
    z.object({
      name: z.string(),
      type: z.enum(['rest', ...SQL_DATASOURCE_TYPES]),
      /** REST: the base URL; a database: its address without the password (or a SQLite file). */
      baseUrl: z.string(),
      authType: z.string(),
      preset: z.object({ name: z.string(), site: PresetSiteSchema.nullable() }).nullable(),
      connection: ConnectionSchema.nullable(),
    }),
  ),
  [
    {
      name: 'jira',
      type: 'rest',
      baseUrl: 'https://api.atlassian.com/ex/jira/{cloudId}',
      authType: 'oauth2-authorization-code',
      preset: { name: 'jira-cloud', site: SITE_EXAMPLE },
      connection: CONNECTION_EXAMPLE,
    },
  ],
)

/** A datasource with every secret replaced by the mask (SECRET_MASK). */
export const DatasourceReply = named(
  'Datasource',
  DatasourceSchema,
  DatasourceSchema.parse({
    type: 'rest',
    name: 'tracker',
    baseUrl: 'https://tracker.example.com/api',
    auth: { type: 'bearer', token: SECRET_MASK },
  }),
)

export const DatasourceCheckReply = named(
  'DatasourceCheck',
  z.object({ ok: z.boolean(), message: z.string() }),
  { ok: true, message: 'tracker works (GET /api/health answered in 84 ms)' },
)

/** GET /api/presets: each preset's form (src/auth/presets/preset.ts PresetForm) and the queries it adds. */
export const PresetListReply = named(
  'PresetList',
  z.array(
    z.object({
      name: z.string(),
      title: z.string(),
      intro: z.string(),
      next: z.string(),
      source: z.string(),
      defaultName: z.string(),
      fields: z.array(
        z.object({
          key: z.string(),
          label: z.string(),
          kind: z.enum(['text', 'secret', 'choice']),
          required: z.boolean(),
          choices: z.array(z.object({ value: z.string(), label: z.string() })).optional(),
          hint: z.string(),
        }),
      ),
      queries: z.array(z.string()),
    }),
  ),
  [
    {
      name: 'jira-cloud',
      title: 'Jira Cloud',
      intro: 'Create an OAuth 2.0 (3LO) app in the Atlassian developer console first.',
      next: 'Connect, then run a query.',
      source: 'your app in the Atlassian developer console',
      defaultName: 'jira',
      fields: [
        {
          key: 'clientId',
          label: 'Client ID',
          kind: 'text',
          required: true,
          hint: 'From the app’s Settings.',
        },
      ],
      queries: ['{name}-issues'],
    },
  ],
)

/** One person's own connection to a per-user datasource (issue 15): its state, never its tokens. */
const UserConnectionSchema = z.object({
  status: z.enum(['connected', 'needs_consent']),
  /** When the access token expires (it is refreshed before use); null when unknown. */
  expiresAt: Timestamp.nullable(),
  lastRefreshAt: Timestamp.nullable(),
  lastUsedAt: Timestamp.nullable(),
  statusMessage: z.string().nullable(),
})
const USER_CONNECTION_EXAMPLE: z.output<typeof UserConnectionSchema> = {
  status: 'connected',
  expiresAt: WHEN,
  lastRefreshAt: WHEN,
  lastUsedAt: WHEN,
  statusMessage: null,
}

/** GET /api/datasources/:name/connections: each person's connection to a per-user datasource. */
export const UserConnectionListReply = named(
  'UserConnectionList',
  z.array(UserConnectionSchema.extend({ user: z.string() })),
  [{ user: 'alice', ...USER_CONNECTION_EXAMPLE }],
)

/** GET /api/me/connections: every per-user datasource, and the caller's own connection to it (null: none yet). */
export const MyConnectionListReply = named(
  'MyConnectionList',
  z.array(z.object({ datasource: z.string(), connection: UserConnectionSchema.nullable() })),
  [
    { datasource: 'jira', connection: USER_CONNECTION_EXAMPLE },
    { datasource: 'jira-staging', connection: null },
  ],
)

export const ConsentStartReply = named(
  'ConsentStart',
  z.object({ authorizeUrl: z.url(), redirectUri: z.url() }),
  {
    authorizeUrl: 'https://auth.atlassian.com/authorize?client_id=c1&state=s1',
    redirectUri: 'https://quarry.example.com/api/oauth/callback',
  },
)

export const QueryListReply = named(
  'QueryList',
  z.array(
    z.object({
      name: z.string(),
      datasource: z.string(),
      title: z.string().nullable(),
      method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
      path: z.string().optional(),
      sql: z.string().optional(),
      params: z.array(ParamSpecSchema),
      /** Anyone with the link may open its view. */
      public: z.boolean(),
    }),
  ),
  [
    {
      name: 'open-issues',
      datasource: 'jira',
      title: 'Open issues',
      method: 'GET',
      path: '/rest/api/3/search/jql?jql=:jql',
      params: [{ name: 'jql', type: 'string', default: 'resolution is EMPTY' }],
      public: false,
    },
  ],
)

const LibraryFields = {
  name: z.string(),
  description: z.string().nullable(),
  updatedAt: Timestamp,
  /** The queries that use it: editing it changes them all; it cannot be deleted while any does. */
  usedBy: z.array(z.string()),
}
const CONVERTER_EXAMPLE = {
  name: 'issue-rows',
  description: 'One row per Jira issue: key and summary.',
  updatedAt: WHEN,
  usedBy: ['open-issues'],
  source:
    'function convert(json) {\n  return JSON.parse(json).issues.map((i) => ({ Key: i.key, Summary: i.fields.summary }))\n}',
}
const TEMPLATE_EXAMPLE = {
  name: 'issue-list',
  description: 'A list of the rows.',
  updatedAt: WHEN,
  usedBy: ['open-issues'],
  template: {
    type: 'liquid' as const,
    source: '<ul>{% for row in rows %}<li>{{ row.Key }}</li>{% endfor %}</ul>',
  },
}
const NamedConverterEntry = z.object({ ...LibraryFields, source: z.string() })
const NamedTemplateEntry = z.object({ ...LibraryFields, template: TemplateSchema })

export const NamedConverterReply = named('NamedConverter', NamedConverterEntry, CONVERTER_EXAMPLE)
export const NamedConverterListReply = named('NamedConverterList', z.array(NamedConverterEntry), [
  CONVERTER_EXAMPLE,
])
export const NamedTemplateReply = named('NamedTemplate', NamedTemplateEntry, TEMPLATE_EXAMPLE)
export const NamedTemplateListReply = named('NamedTemplateList', z.array(NamedTemplateEntry), [
  TEMPLATE_EXAMPLE,
])

export const QueryReply = named(
  'Query',
  QuerySchema,
  QuerySchema.parse({
    name: 'open-issues',
    datasource: 'jira',
    path: '/rest/api/3/search/jql?jql=:jql',
    params: [{ name: 'jql', default: 'resolution is EMPTY' }],
  }),
)

export const RunResultReply = named(
  'RunResult',
  z.object({
    rows: Rows,
    /** Every key of any row, in the order first seen. */
    columns: z.array(z.string()),
    rowCount: z.number().int(),
    pages: z.number().int(),
    /** Why the rows may be incomplete (a cap was hit, pagination stopped early). */
    notices: z.array(z.string()),
    fromCache: z.boolean(),
    fetchedAt: Timestamp,
  }),
  {
    rows: [{ key: 'OPS-1', summary: 'Disk full' }],
    columns: ['key', 'summary'],
    rowCount: 1,
    pages: 1,
    notices: [],
    fromCache: false,
    fetchedAt: WHEN,
  },
)

const RunStatus = z.enum(['ok', 'failed'])

/** A schedule: its definition and what its runs left (issue 16). */
const ScheduleEntry = ScheduleSchema.extend({
  /** When it runs next: its cron time, or a retry after a failure; null while disabled. */
  nextRunAt: Timestamp.nullable(),
  lastRunAt: Timestamp.nullable(),
  lastStatus: RunStatus.nullable(),
  lastRowCount: z.number().int().nullable(),
  /** The last failure's message and code, and when it happened (kept after a later success). */
  lastError: z.string().nullable(),
  lastErrorCode: z.string().nullable(),
  lastErrorAt: Timestamp.nullable(),
  /** Failed runs in a row: the backoff grows with it. */
  failures: z.number().int(),
})
const SCHEDULE_EXAMPLE = {
  name: 'open-issues-hourly',
  query: 'open-issues',
  params: { jql: 'project = OPS' },
  cron: '0 * * * *',
  timeZone: 'Europe/Berlin',
  enabled: true,
  snapshot: false,
  nextRunAt: '2026-12-02T10:00:00.000Z',
  lastRunAt: WHEN,
  lastStatus: 'ok' as const,
  lastRowCount: 12,
  lastError: null,
  lastErrorCode: null,
  lastErrorAt: null,
  failures: 0,
}
export const ScheduleReply = named('Schedule', ScheduleEntry, SCHEDULE_EXAMPLE)
export const ScheduleListReply = named('ScheduleList', z.array(ScheduleEntry), [SCHEDULE_EXAMPLE])

const ScheduleRunEntry = z.object({
  fireAt: Timestamp,
  startedAt: Timestamp,
  finishedAt: Timestamp.nullable(),
  status: RunStatus.nullable(),
  rowCount: z.number().int().nullable(),
  error: z.string().nullable(),
})
const RUN_EXAMPLE = {
  fireAt: '2026-12-02T09:00:00.000Z',
  startedAt: '2026-12-02T09:00:00.120Z',
  finishedAt: '2026-12-02T09:00:01.310Z',
  status: 'ok' as const,
  rowCount: 12,
  error: null,
}
export const ScheduleDetailReply = named(
  'ScheduleDetail',
  ScheduleEntry.extend({ runs: z.array(ScheduleRunEntry) }),
  { ...SCHEDULE_EXAMPLE, runs: [RUN_EXAMPLE] },
)
export const ScheduleRunReply = named('ScheduleRun', ScheduleRunEntry, RUN_EXAMPLE)

export const ParamOptionsReply = named(
  'ParamOptions',
  z.object({ options: z.array(z.object({ value: z.string(), label: z.string() })) }),
  { options: [{ value: 'DEMO', label: 'Demo project' }] },
)

export const SampleReply = named('Sample', z.object({ text: z.string() }), { text: '{"issues":[]}' })

export const ConverterPreviewReply = named(
  'ConverterPreview',
  z.object({ rows: Rows, columns: z.array(z.string()) }),
  { rows: [{ key: 'OPS-1' }], columns: ['key'] },
)

export const TemplatePreviewReply = named('TemplatePreview', z.object({ html: z.string() }), {
  html: '<!doctype html><html>…</html>',
})

const UserSchema = z.object({
  name: z.string(),
  role: z.enum(ROLES),
  groups: z.array(z.string()),
  /** What a query reads as :@user.email (issue 15); null when none was set. */
  email: z.string().nullable(),
  createdAt: Timestamp,
})
const USER_EXAMPLE = {
  name: 'grace',
  role: 'editor',
  groups: ['ops'],
  email: 'grace@example.com',
  createdAt: WHEN,
} as const
export const UserReply = named('User', UserSchema, { ...USER_EXAMPLE, groups: ['ops'] })
export const UserListReply = named('UserList', z.array(UserSchema), [{ ...USER_EXAMPLE, groups: ['ops'] }])

const ApiTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  scope: z.enum(TOKEN_SCOPES),
  createdAt: Timestamp,
  /** Null: it lasts until revoked. */
  expiresAt: Timestamp.nullable(),
  /** Null: never used. */
  lastUsedAt: Timestamp.nullable(),
})
const TOKEN_EXAMPLE = {
  id: '6f1c2a9e-0d1b-4a57-9a43-2f3c1d0e8b7a',
  name: 'nightly report',
  scope: 'run',
  createdAt: WHEN,
  expiresAt: null,
  lastUsedAt: null,
} as const
export const ApiTokenListReply = named('ApiTokenList', z.array(ApiTokenSchema), [TOKEN_EXAMPLE])
export const NewApiTokenReply = named(
  'NewApiToken',
  ApiTokenSchema.extend({
    /** The token itself (qk_…): shown this once, stored only as a digest. */
    token: z.string(),
  }),
  { ...TOKEN_EXAMPLE, token: 'qk_…' },
)

export const ConfigDocumentReply = named('ConfigDocument', ConfigDocumentSchema, {
  quarry: ConfigDocumentSchema.shape.quarry.value,
  exportedAt: WHEN,
  datasources: [{ type: 'rest', name: 'tracker', baseUrl: 'https://tracker.example.com/api' }],
  converters: [
    { name: 'issue-rows', source: 'function convert(json) {\n  return JSON.parse(json).issues\n}' },
  ],
  templates: [],
  queries: [{ name: 'open-issues', datasource: 'tracker', path: '/issues', converterName: 'issue-rows' }],
  dashboards: [],
  secrets: null,
})

export const ImportOutcomeReply = named(
  'ImportOutcome',
  z.object({
    datasources: z.number().int(),
    queries: z.number().int(),
    /** Named converters and templates (issue 13). */
    converters: z.number().int(),
    templates: z.number().int(),
    /** Dashboards (issue 17). */
    dashboards: z.number().int(),
    /** Datasources imported without the secrets they need (the export left them out). */
    lackingSecrets: z.array(z.string()),
  }),
  { datasources: 1, queries: 3, converters: 1, templates: 0, dashboards: 1, lackingSecrets: ['tracker'] },
)

export const PocketQueryImportReply = named(
  'PocketQueryImport',
  z.object({
    /** False for a dry run: nothing was changed. */
    imported: z.boolean(),
    entries: z.array(
      z.object({
        action: z.enum(['create', 'replace', 'skip']),
        kind: z.enum(['datasource', 'query', 'converter', 'template']),
        source: z.string(),
        name: z.string().optional(),
        renamed: z.string().optional(),
        detail: z.string(),
        notices: z.array(z.string()),
      }),
    ),
    notices: z.array(z.string()),
    /** The same text `quarry import --from pocketquery` prints. */
    report: z.string(),
  }),
  {
    imported: false,
    entries: [
      {
        action: 'create',
        kind: 'query',
        source: 'Open Issues',
        name: 'Open-Issues',
        detail: 'REST query',
        notices: [],
      },
    ],
    notices: [],
    report: 'Would create query Open-Issues.',
  },
)

export const EmbeddingSettingsReply = named(
  'EmbeddingSettings',
  z.object({
    /** Listed by an admin, stored: editable in the admin UI. */
    origins: z.array(z.string()),
    /** From the server's --frame-ancestor flag: shown, not editable. */
    serverOrigins: z.array(z.string()),
  }),
  { origins: ['https://wiki.example.com'], serverOrigins: [] },
)

export const HealthReply = named('Health', z.object({ status: z.literal('ok') }), { status: 'ok' })

export const OpenApiDocumentReply = named(
  'OpenApiDocument',
  z.looseObject({ openapi: z.string(), info: z.looseObject({ title: z.string(), version: z.string() }) }),
  { openapi: '3.1.0', info: { title: 'Quarry', version: '0.1.0' } },
)

const SNAPSHOT_EXAMPLE = {
  id: '3f9a0c17b2e4',
  query: 'open-issues',
  takenAt: WHEN,
  takenBy: 'ada',
  params: { project: 'OPS' },
  definitionHash: 'a3c1…',
  fetchedAt: WHEN,
  notices: [],
  columns: ['key', 'summary'],
  rowCount: 1,
  rowsBytes: 38,
  storedBytes: 52,
}

const Retention = z.object({
  /** The rule the query's snapshots are kept by (its own, else the default). */
  rule: SnapshotRetentionSchema,
  /** Whether it is the query's own rule (false: the default). */
  own: z.boolean(),
  /** The rule in words. */
  description: z.string(),
})

export const SnapshotListReply = named(
  'SnapshotList',
  z.object({ query: z.string(), retention: Retention, snapshots: z.array(SnapshotSummarySchema) }),
  {
    query: 'open-issues',
    retention: { rule: { keepLast: 100, maxAgeSeconds: null }, own: false, description: 'the newest 100' },
    snapshots: [SNAPSHOT_EXAMPLE],
  },
)

export const SnapshotTakenReply = named(
  'SnapshotTaken',
  z.object({
    snapshot: SnapshotSummarySchema,
    /** How many older snapshots the query's retention rule removed after this one was taken. */
    pruned: z.number().int(),
  }),
  { snapshot: SNAPSHOT_EXAMPLE, pruned: 0 },
)

export const SnapshotReply = named(
  'Snapshot',
  SnapshotSummarySchema.extend({
    /** The query as it ran when the snapshot was taken (named converter and template filled in). */
    definition: z.unknown(),
    rows: Rows,
  }),
  {
    ...SNAPSHOT_EXAMPLE,
    definition: { name: 'open-issues', datasource: 'jira', path: '/rest/api/3/search/jql' },
    rows: [{ key: 'OPS-1', summary: 'Disk full' }],
  },
)

export const SnapshotDiffReply = named(
  'SnapshotDiff',
  z.object({
    from: SnapshotSummarySchema,
    to: SnapshotSummarySchema,
    /** The column rows are matched by. */
    key: z.string(),
    added: Rows,
    removed: Rows,
    changed: z.array(
      z.object({
        key: z.unknown(),
        before: z.record(z.string(), z.unknown()),
        after: z.record(z.string(), z.unknown()),
        /** The columns whose cells differ. */
        columns: z.array(z.string()),
      }),
    ),
    unchanged: z.number().int(),
    /** Key values that repeat in either snapshot: such rows pair in order. */
    duplicateKeys: z.array(z.unknown()),
  }),
  {
    from: SNAPSHOT_EXAMPLE,
    to: { ...SNAPSHOT_EXAMPLE, id: '7b2e4c90a1d3' },
    key: 'key',
    added: [{ key: 'OPS-2', summary: 'Fan noise' }],
    removed: [],
    changed: [
      {
        key: 'OPS-1',
        before: { key: 'OPS-1', summary: 'Disk full' },
        after: { key: 'OPS-1', summary: 'Disk full again' },
        columns: ['summary'],
      },
    ],
    unchanged: 0,
    duplicateKeys: [],
  },
)

export const SnapshotRetentionReply = named(
  'SnapshotRetention',
  Retention.extend({ pruned: z.number().int() }),
  {
    rule: { keepLast: 10, maxAgeSeconds: 7_776_000 },
    own: true,
    description: 'the newest 10, none older than 90 days',
    pruned: 2,
  },
)

/** An alert as the API shows it: its definition with secrets masked, and what its checks found (issue 16). */
const AlertEntry = ShownAlertSchema.extend({
  state: z.enum(ALERT_STATES),
  lastError: z.string().nullable(),
  lastCheckedAt: Timestamp.nullable(),
  lastChangedAt: Timestamp.nullable(),
})
const DeliveryAttemptEntry = z.object({
  at: Timestamp,
  ok: z.boolean(),
  status: z.number().int().optional(),
  error: z.string().optional(),
})
const DeliveryReportEntry = z.object({
  channel: z.string(),
  ok: z.boolean(),
  attempts: z.array(DeliveryAttemptEntry),
})
const AlertEventEntry = z.object({
  at: Timestamp,
  kind: z.enum(['change', 'test', 'error']),
  from: z.string(),
  to: z.string(),
  summary: z.string(),
  deliveries: z.array(DeliveryReportEntry).nullable(),
})
const ALERT_EXAMPLE = {
  name: 'blockers',
  description: 'Tell the team when a blocker is open',
  query: 'open-issues',
  params: { project: 'DEMO' },
  condition: {
    kind: 'column' as const,
    column: 'Priority',
    op: '=' as const,
    value: 'Blocker',
    quantifier: 'exists' as const,
  },
  channels: [
    { type: 'slack' as const, url: SECRET_MASK as typeof SECRET_MASK },
    {
      type: 'webhook' as const,
      url: 'https://hooks.example.com/quarry',
      secret: SECRET_MASK as typeof SECRET_MASK,
    },
  ],
  state: 'firing' as const,
  lastError: null,
  lastCheckedAt: WHEN,
  lastChangedAt: WHEN,
}
const DELIVERY_EXAMPLE = {
  channel: 'webhook https://hooks.example.com/quarry',
  ok: true,
  attempts: [
    { at: WHEN, ok: false, status: 503, error: 'POST https://hooks.example.com/quarry answered 503.' },
    { at: WHEN, ok: true },
  ],
}
export const AlertListReply = named('AlertList', z.array(AlertEntry), [ALERT_EXAMPLE])
export const AlertReply = named('Alert', AlertEntry.extend({ events: z.array(AlertEventEntry) }), {
  ...ALERT_EXAMPLE,
  events: [
    {
      at: WHEN,
      kind: 'change',
      from: 'ok',
      to: 'firing',
      summary: '1 of 40 rows have Priority = "Blocker" (alert when exists)',
      deliveries: [DELIVERY_EXAMPLE],
    },
  ],
})
export const AlertCheckReply = named(
  'AlertCheck',
  z.object({
    state: z.enum(ALERT_STATES),
    previous: z.enum(ALERT_STATES),
    changed: z.boolean(),
    summary: z.string(),
  }),
  {
    state: 'firing',
    previous: 'ok',
    changed: true,
    summary: '1 of 40 rows have Priority = "Blocker" (alert when exists)',
  },
)
export const AlertTestReply = named('AlertTest', z.object({ deliveries: z.array(DeliveryReportEntry) }), {
  deliveries: [DELIVERY_EXAMPLE],
})
const AUDIT_ENTRY_EXAMPLE: z.output<typeof AuditEntrySchema> = {
  id: 42,
  at: WHEN,
  actor: { type: 'user', user: 'ada' },
  actorName: 'ada',
  kind: 'datasource',
  object: 'jira',
  action: 'update',
  changes: [
    { field: 'config.baseUrl', before: 'https://a.example.com', after: 'https://b.example.com' },
    { field: 'secrets.auth.clientSecret', before: SECRET_MASK, after: SECRET_MASK, secret: true },
  ],
  version: null,
}

/** The audit log, newest first (issue 19): who changed what, field by field, secrets masked. */
export const AuditListReply = named('AuditList', z.array(AuditEntrySchema), [AUDIT_ENTRY_EXAMPLE])

const VERSION_EXAMPLE: z.output<typeof ObjectVersionSchema> = {
  version: 2,
  at: WHEN,
  actor: { type: 'cli', osUser: 'ops' },
  actorName: 'cli:ops',
  definition: { description: null, content: 'function convert(json) { return JSON.parse(json).issues }' },
}

/** The saved versions of a query, converter or template, newest first, each with its whole definition. */
export const VersionListReply = named('VersionList', z.array(ObjectVersionSchema), [VERSION_EXAMPLE])

/** One saved version (a revert answers the version it made). */
export const VersionReply = named('Version', ObjectVersionSchema, VERSION_EXAMPLE)

/** A unified diff between two versions. */
export const VersionDiffReply = named(
  'VersionDiff',
  z.object({ from: z.number().int(), to: z.number().int(), patch: z.string() }),
  {
    from: 1,
    to: 2,
    patch:
      '--- rows v1\n+++ rows v2\n@@ -1,1 +1,1 @@\n-function convert(json) { return [] }\n+function convert(json) { return JSON.parse(json).issues }\n',
  },
)

const SubscriptionEntry = ShownSubscriptionSchema.extend({
  lastSentAt: Timestamp.nullable(),
  lastError: z.string().nullable(),
})
const SUBSCRIPTION_EXAMPLE = {
  name: 'weekly-bugs',
  schedule: 'bugs-monday',
  to: ['ann@example.com'],
  server: {
    host: 'smtp.example.com',
    port: 587,
    tls: 'starttls' as const,
    rejectUnauthorized: true,
    from: 'quarry@example.com',
    user: SECRET_MASK as typeof SECRET_MASK,
    password: SECRET_MASK as typeof SECRET_MASK,
  },
  format: 'xlsx' as const,
  bodyRows: 50,
  lastSentAt: WHEN,
  lastError: null,
}
export const SubscriptionReply = named('Subscription', SubscriptionEntry, SUBSCRIPTION_EXAMPLE)
export const SubscriptionListReply = named('SubscriptionList', z.array(SubscriptionEntry), [
  SUBSCRIPTION_EXAMPLE,
])

const DASHBOARD_EXAMPLE = {
  name: 'team',
  title: 'Team overview',
  params: [{ name: 'project', label: 'Project', default: 'QA' }],
  panels: [
    { id: 'open', title: 'Open issues', query: 'open-issues', x: 0, y: 0, width: 8, height: 4 },
    {
      id: 'by-status',
      query: 'issues-by-status',
      template: { type: 'chart' as const, mark: 'bar' as const, x: 'Status', y: 'Count' },
      x: 8,
      y: 0,
      width: 4,
      height: 4,
    },
  ],
  visibility: { roles: ['viewer' as const], groups: [], public: false },
}

/** A dashboard (issue 17): its parameters, its panels on the grid, who sees it. */
export const DashboardReply = named('Dashboard', DashboardSchema, DASHBOARD_EXAMPLE)

/** What the list of dashboards tells about each: enough for the admin UI's list and links. */
export const DashboardListReply = named(
  'DashboardList',
  z.array(
    z.object({
      name: z.string(),
      title: z.string().nullable(),
      panels: z.number().int(),
      /** Anyone with the link may open it. */
      public: z.boolean(),
      url: z.string(),
    }),
  ),
  [{ name: 'team', title: 'Team overview', panels: 2, public: false, url: '/d/team' }],
)
