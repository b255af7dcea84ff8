import type { Pagination, ParamSpec, ParamType, QueryDocument } from './api.js'

export type { ParamSpec, ParamType }

// Mirrors PARAM_TYPES in src/domain/query.ts (a type-only import keeps zod out of the bundle).
export const PARAM_TYPES_LIST: readonly ParamType[] = [
  'string',
  'integer',
  'number',
  'boolean',
  'date',
  'list',
  'constant',
]

export type PaginationType = Pagination['type']

export const PAGINATION_LABELS: Record<PaginationType, string> = {
  none: 'None',
  'next-page-token': 'Next-page token (Jira search/jql)',
  offset: 'Offset (startAt / maxResults / total)',
  'page-number': 'Page number',
  cursor: 'Cursor',
  'link-header': 'Link header (rel="next")',
}

/** A pagination rule of `type` with the schema's defaults filled in. */
export function paginationOfType(type: PaginationType): Pagination {
  switch (type) {
    case 'none':
    case 'link-header':
      return { type }
    case 'next-page-token':
      return {
        type,
        tokenParam: 'nextPageToken',
        tokenPath: 'nextPageToken',
        lastPath: 'isLast',
        itemsPath: 'issues',
      }
    case 'offset':
      return {
        type,
        startParam: 'startAt',
        sizeParam: 'maxResults',
        pageSize: 50,
        totalPath: 'total',
        itemsPath: 'values',
      }
    case 'page-number':
      return { type, pageParam: 'page', firstPage: 1 }
    case 'cursor':
      return { type, cursorPath: '', cursorParam: 'cursor' }
  }
}

export const NEW_QUERY: QueryDocument = {
  name: '',
  datasource: '',
  method: 'GET',
  path: '/',
  params: [],
  pagination: { type: 'none' },
  maxPages: 1000,
  concurrency: 4,
  converter: '',
  visibility: { roles: ['viewer', 'editor'], groups: [], public: false },
  template: { type: 'table' },
}

export const CONVERTER_PLACEHOLDER = `function convert(json, metadata) {
  const parsed = JSON.parse(json)
  return parsed.issues.map((issue) => ({
    'Issue Key': issue.key,
    Summary: issue.fields.summary,
  }))
}`
