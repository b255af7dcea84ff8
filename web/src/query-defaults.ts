import {
  DEFAULT_VISIBILITY,
  PAGINATION_DEFAULTS,
  QUERY_LIMIT_DEFAULTS,
} from '../../src/domain/query-choices.js'
import type { PaginationType } from '../../src/domain/query.js'
import type { Pagination, ParamSpec, ParamType, QueryDocument } from './api.js'

export type { PaginationType, ParamSpec, ParamType }
// From query-choices.ts, which has no imports: the schema's own values, without zod in the bundle.
export { PARAM_TYPES } from '../../src/domain/query-choices.js'

export const PAGINATION_LABELS: Record<PaginationType, string> = {
  none: 'None',
  'next-page-token': 'Next-page token (Jira search/jql)',
  offset: 'Offset (startAt / maxResults / total)',
  'page-number': 'Page number',
  cursor: 'Cursor',
  'link-header': 'Link header (rel="next")',
  'next-link': 'Next link in the body (Microsoft Graph @odata.nextLink)',
}

/** A pagination rule of `type` with the schema's defaults filled in. */
export function paginationOfType(type: PaginationType): Pagination {
  switch (type) {
    case 'none':
    case 'link-header':
      return { type }
    case 'next-page-token':
      return { type, ...PAGINATION_DEFAULTS[type] }
    case 'offset':
      return { type, ...PAGINATION_DEFAULTS[type] }
    case 'page-number':
      return { type, ...PAGINATION_DEFAULTS[type] }
    case 'cursor':
      // The cursor's path has no default: the form asks for it.
      return { type, cursorPath: '', ...PAGINATION_DEFAULTS.cursor }
    case 'next-link':
      return { type, ...PAGINATION_DEFAULTS[type] }
  }
}

export const NEW_QUERY: QueryDocument = {
  name: '',
  datasource: '',
  method: 'GET',
  path: '/',
  params: [],
  pagination: { type: 'none' },
  ...QUERY_LIMIT_DEFAULTS,
  converter: '',
  visibility: { ...DEFAULT_VISIBILITY, roles: [...DEFAULT_VISIBILITY.roles], groups: [] },
  template: { type: 'table' },
}

export const CONVERTER_PLACEHOLDER = `function convert(json, metadata) {
  const parsed = JSON.parse(json)
  return parsed.issues.map((issue) => ({
    'Issue Key': issue.key,
    Summary: issue.fields.summary,
  }))
}`
