import { STATUSES, type IssueTable, type SimSite, type SimUser, type SimWorld } from '../data/model.js'
import { statusChanges } from './agile-world.js'
import { jiraDate, statusJson, userJson } from './format.js'

/**
 * The `expand` values of an issue (GET issue, search/jql) beyond renderedFields/names/schema.
 * Which values exist and what each returns is from the platform OpenAPI document
 * (/work/shared/specs, `expand` of GET /rest/api/3/issue/{issueIdOrKey} and of search/jql;
 * shapes PageOfChangelogs, PageBeanChangelog, IssueTransition, Operations, IssueUpdateMetadata).
 * Values Jira does not know are ignored, as Jira does.
 */
export const ISSUE_EXPANDS: ReadonlySet<string> = new Set([
  'renderedFields',
  'names',
  'schema',
  'transitions',
  'operations',
  'editmeta',
  'changelog',
  'versionedRepresentations',
])

/** The known expand values of a request, unknown ones dropped. */
export function knownExpands(values: Iterable<string>): Set<string> {
  return new Set([...values].filter((value) => ISSUE_EXPANDS.has(value)))
}

/** Changelog entries (Jira's Changelog), oldest first as the changelog endpoint pages them. */
export function changelogJson(
  world: SimWorld,
  site: SimSite,
  table: IssueTable,
  row: number,
): Record<string, unknown>[] {
  return statusChanges(table, row).map((change) => {
    const from = STATUSES[change.from] as (typeof STATUSES)[number]
    const to = STATUSES[change.to] as (typeof STATUSES)[number]
    const author = world.users[change.authorIndex] as SimUser | undefined
    return {
      id: change.id,
      ...(author ? { author: userJson(site, author) } : {}),
      created: jiraDate(change.at),
      items: [
        {
          field: 'status',
          fieldtype: 'jira',
          fieldId: 'status',
          from: from.id,
          fromString: from.name,
          to: to.id,
          toString: to.name,
        },
      ],
    }
  })
}

/**
 * `expand=changelog`: PageOfChangelogs. Jira documents it as "sorted by date, starting from
 * the most recent" for this expansion, unlike the changelog endpoint.
 */
export function changelogExpansion(
  world: SimWorld,
  site: SimSite,
  table: IssueTable,
  row: number,
): Record<string, unknown> {
  const histories = changelogJson(world, site, table, row).reverse()
  return { startAt: 0, maxResults: histories.length, total: histories.length, histories }
}

/** The simulator's workflow: from any status to any other one (Jira's default simplified workflow). */
export function transitionsJson(site: SimSite, table: IssueTable, row: number): Record<string, unknown>[] {
  const current = table.status[row] as number
  return STATUSES.flatMap((status, index) =>
    index === current
      ? []
      : [
          {
            id: String(11 + index * 10),
            name: status.name,
            to: statusJson(site, status),
            hasScreen: false,
            isGlobal: true,
            isInitial: false,
            isAvailable: true,
            isConditional: false,
            isLooped: false,
          },
        ],
  )
}

/** `expand=operations`: the issue's operations menu, in Jira's LinkGroup shape. */
export function operationsJson(site: SimSite, table: IssueTable, row: number): Record<string, unknown> {
  const key = table.key(row)
  const link = (id: string, label: string, href: string) => ({
    id,
    styleClass: '',
    label,
    title: label,
    href,
    weight: 10,
  })
  return {
    linkGroups: [
      {
        id: 'view.issue.opsbar',
        links: [],
        groups: [
          {
            id: 'edit-issue_container',
            weight: 1,
            links: [link('edit-issue', 'Edit', `${site.url}/secure/EditIssue!default.jspa?key=${key}`)],
            groups: [],
          },
          {
            id: 'transitions-all',
            weight: 20,
            links: transitionsJson(site, table, row).map((t) =>
              link(`action_id_${String(t.id)}`, String(t.name), `${site.url}/browse/${key}`),
            ),
            groups: [],
          },
        ],
      },
    ],
  }
}
