import type { SimProject, SimSite, SimUser, SimNamed, SimStatus } from '../data/model.js'

/**
 * Jira's JSON for the small objects issues are made of. Field shapes follow Atlassian's
 * OpenAPI document (docs/atlassian.md, "The Jira platform OpenAPI document": User, StatusDetails,
 * Priority, IssueTypeDetails, Project); the tests validate against test/fixtures/jira-schemas.json.
 */

const AVATAR = 'https://secure.gravatar.com/avatar/00000000000000000000000000000000?d=mm'

/** `2026-01-15T10:30:00.000+0000`: Jira's timestamp format (offset without a colon). */
export function jiraDate(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('Z', '+0000')
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** `15/Jan/26 10:30 AM`: how `renderedFields` shows a timestamp. */
export function renderedDate(epochMs: number): string {
  const d = new Date(epochMs)
  const hours = d.getUTCHours()
  const h12 = hours % 12 === 0 ? 12 : hours % 12
  const day = String(d.getUTCDate()).padStart(2, '0')
  const year = String(d.getUTCFullYear() % 100).padStart(2, '0')
  const minutes = String(d.getUTCMinutes()).padStart(2, '0')
  return `${day}/${MONTHS[d.getUTCMonth()]}/${year} ${h12}:${minutes} ${hours < 12 ? 'AM' : 'PM'}`
}

export function avatarUrls(base: string): Record<'16x16' | '24x24' | '32x32' | '48x48', string> {
  return { '48x48': base, '24x24': base, '16x16': base, '32x32': base }
}

/** The short user object Jira nests in issues (assignee, reporter, comment author). */
export function userJson(site: SimSite, user: SimUser): Record<string, unknown> {
  return {
    self: `${site.url}/rest/api/3/user?accountId=${encodeURIComponent(user.accountId)}`,
    accountId: user.accountId,
    emailAddress: user.email,
    avatarUrls: avatarUrls(AVATAR),
    displayName: user.displayName,
    active: true,
    timeZone: user.timeZone,
    accountType: 'atlassian',
  }
}

const CATEGORY = {
  new: { id: 2, key: 'new', colorName: 'blue-gray', name: 'To Do' },
  indeterminate: { id: 4, key: 'indeterminate', colorName: 'yellow', name: 'In Progress' },
  done: { id: 3, key: 'done', colorName: 'green', name: 'Done' },
} as const

export function statusJson(site: SimSite, status: SimStatus): Record<string, unknown> {
  const category = CATEGORY[status.category]
  return {
    self: `${site.url}/rest/api/3/status/${status.id}`,
    description: '',
    iconUrl: `${site.url}/images/icons/statuses/generic.png`,
    name: status.name,
    id: status.id,
    statusCategory: { self: `${site.url}/rest/api/3/statuscategory/${category.id}`, ...category },
  }
}

export function priorityJson(site: SimSite, priority: SimNamed): Record<string, unknown> {
  return {
    self: `${site.url}/rest/api/3/priority/${priority.id}`,
    iconUrl: `${site.url}/images/icons/priorities/${priority.name.toLowerCase()}.svg`,
    name: priority.name,
    id: priority.id,
  }
}

export function issueTypeJson(site: SimSite, type: SimNamed): Record<string, unknown> {
  return {
    self: `${site.url}/rest/api/3/issuetype/${type.id}`,
    id: type.id,
    description: '',
    iconUrl: `${site.url}/images/icons/issuetypes/${type.name.toLowerCase()}.svg`,
    name: type.name,
    subtask: false,
    hierarchyLevel: type.name === 'Epic' ? 1 : 0,
  }
}

/** The project as nested in an issue (short form). */
export function projectRefJson(site: SimSite, project: SimProject): Record<string, unknown> {
  return {
    self: `${site.url}/rest/api/3/project/${project.id}`,
    id: project.id,
    key: project.key,
    name: project.name,
    projectTypeKey: project.projectTypeKey,
    simplified: false,
    avatarUrls: avatarUrls(`${site.url}/rest/api/3/universal_avatar/view/type/project/avatar/10400`),
  }
}
