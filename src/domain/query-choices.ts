/**
 * A query's choices and defaults as plain values: the schema (query.ts) is built from them, and the
 * admin UI takes them into its bundle. No imports, so no zod in the browser (like token-scope.ts).
 */

export const PARAM_TYPES = ['string', 'integer', 'number', 'boolean', 'date', 'list', 'constant'] as const
export type ParamType = (typeof PARAM_TYPES)[number]

/** The HTTP methods a REST query may use. */
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const
export type HttpMethod = (typeof HTTP_METHODS)[number]

/** Chart marks a `chart` template can draw (an `arc` is a pie: `x` gives the slices, `y` their size; a `donut` is a pie with a hole). */
export const CHART_MARKS = ['bar', 'line', 'area', 'point', 'arc', 'donut'] as const
export type ChartMark = (typeof CHART_MARKS)[number]

/** How a `chart` template combines the `y` values of rows that share an `x` (and `series`). */
export const CHART_AGGREGATES = ['sum', 'count', 'mean', 'median', 'min', 'max', 'distinct'] as const
export type ChartAggregate = (typeof CHART_AGGREGATES)[number]

/** The bounds of a `chart` template's width and height, in pixels. */
export const CHART_SIZE = { min: 50, max: 4000 } as const

/** What each pagination rule's optional fields are when left out (PaginationSchema's defaults). */
export const PAGINATION_DEFAULTS = {
  /** Jira's search/jql. */
  'next-page-token': {
    tokenParam: 'nextPageToken',
    tokenPath: 'nextPageToken',
    lastPath: 'isLast',
    itemsPath: 'issues',
  },
  /** Jira's older lists (project/search). */
  offset: {
    startParam: 'startAt',
    sizeParam: 'maxResults',
    pageSize: 50,
    totalPath: 'total',
    itemsPath: 'values',
  },
  'page-number': { pageParam: 'page', firstPage: 1 },
  cursor: { cursorParam: 'cursor' },
  /** Microsoft Graph (OData): the next page's URL in the body. */
  'next-link': { linkPath: '@odata.nextLink', itemsPath: 'value' },
} as const

/** A query's limits when left out (QuerySchema's defaults). */
export const QUERY_LIMIT_DEFAULTS = { maxPages: 1000, concurrency: 4 } as const

/**
 * Who sees a new query: every viewer. `editor` is kept for the documents that list it, but it never
 * narrows anything: admins and editors see every query (src/server/auth/access.ts seesByRole).
 */
export const DEFAULT_VISIBILITY = {
  roles: ['viewer', 'editor'],
  groups: [],
  public: false,
} as const satisfies { roles: readonly ('viewer' | 'editor')[]; groups: readonly string[]; public: boolean }

/**
 * PocketQuery's default template ("Insert Example Code"), as its docs give it: what a new Velocity
 * template starts with in the admin UI. It renders the same table as Quarry's default
 * (test/render/velocity-corpus.test.ts, test/fixtures/pocketquery-templates/default-template.vm).
 */
export const VELOCITY_EXAMPLE = `#set($tableRows = $PQ.toList($result))
#set($tableHeaders = $tableRows.get(0).keySet())
<table class="aui aui-table-sortable">
  <thead>
    <tr>
      #foreach ($header in $tableHeaders)
        <th>$!header</th>
      #end
    </tr>
  </thead>
  <tbody>
    #foreach ($row in $tableRows)
      <tr>
        #foreach ($column in $row)
          <td>$!column</td>
        #end
      </tr>
    #end
  </tbody>
</table>
`
