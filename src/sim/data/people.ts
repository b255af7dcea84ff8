/**
 * The fixed cast of the demo world: three sites, eight people, six projects.
 * Names, handles and memberships never change; only the ids derive from the
 * seed, so tests can say "alice" and still see seed-specific account ids.
 */
import { hash32, hashString } from '../random.js'
import type { SimProject, SimSite, SimUser } from './model.js'

const AVATAR_BASE = 'https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240'

interface SiteCast {
  readonly name: string
  readonly avatar: string
  /** Share of all issues this site receives. */
  readonly share: number
}

export const SITE_CAST: readonly SiteCast[] = [
  { name: 'acme', avatar: 'rocket', share: 0.6 },
  { name: 'globex', avatar: 'planet', share: 0.25 },
  { name: 'initech', avatar: 'lightbulb', share: 0.15 },
]

interface UserCast {
  readonly login: string
  readonly displayName: string
  readonly timeZone: string
  readonly sites: readonly string[]
}

// Erin's apostrophe and Heidi's å are deliberate: they exercise escaping and
// non-ASCII handling wherever a display name is printed.
const USER_CAST: readonly UserCast[] = [
  { login: 'alice', displayName: 'Alice Andersen', timeZone: 'Europe/Copenhagen', sites: ['acme', 'globex'] },
  { login: 'bob', displayName: 'Bob Brennan', timeZone: 'America/New_York', sites: ['acme'] },
  {
    login: 'carol',
    displayName: 'Carol Castillo',
    timeZone: 'America/Los_Angeles',
    sites: ['acme', 'initech'],
  },
  { login: 'dave', displayName: 'Dave Dubois', timeZone: 'Europe/Paris', sites: ['globex'] },
  { login: 'erin', displayName: "Erin O'Connor", timeZone: 'Europe/Dublin', sites: ['initech'] },
  { login: 'frank', displayName: 'Frank Fischer', timeZone: 'Europe/Berlin', sites: ['globex', 'initech'] },
  { login: 'grace', displayName: 'Grace Gupta', timeZone: 'Asia/Kolkata', sites: ['acme'] },
  { login: 'heidi', displayName: 'Heidi Håkansson', timeZone: 'Europe/Stockholm', sites: ['acme'] },
]

interface ProjectCast {
  readonly key: string
  readonly name: string
  readonly description: string
  readonly site: string
  readonly lead: string
  readonly projectTypeKey: SimProject['projectTypeKey']
  /** Relative share of its site's issues. */
  readonly weight: number
}

export const PROJECT_CAST: readonly ProjectCast[] = [
  {
    key: 'DEMO',
    name: 'Demo Project',
    description: 'The online shop: catalogue, cart, checkout and orders.',
    site: 'acme',
    lead: 'alice',
    projectTypeKey: 'software',
    weight: 5,
  },
  {
    key: 'WEB',
    name: 'Website',
    description: 'The public website, blog and documentation site.',
    site: 'acme',
    lead: 'heidi',
    projectTypeKey: 'software',
    weight: 3,
  },
  {
    key: 'OPS',
    name: 'Operations',
    description: 'Infrastructure, deployments, monitoring and on-call follow-ups.',
    site: 'acme',
    lead: 'bob',
    projectTypeKey: 'software',
    weight: 2,
  },
  {
    key: 'GLX',
    name: 'Globex Platform',
    description: 'Billing, tenants and the public API of the Globex platform.',
    site: 'globex',
    lead: 'dave',
    projectTypeKey: 'software',
    weight: 13,
  },
  {
    key: 'MOB',
    name: 'Mobile App',
    description: 'The iOS and Android apps.',
    site: 'globex',
    lead: 'frank',
    projectTypeKey: 'software',
    weight: 7,
  },
  {
    key: 'TPS',
    name: 'TPS Reports',
    description: 'Report templates, approvals and the cover sheet everyone keeps forgetting.',
    site: 'initech',
    lead: 'erin',
    projectTypeKey: 'business',
    weight: 1,
  },
]

/**
 * A UUID-shaped string (version 4 layout) derived from the seed and a label.
 *
 * @example uuidFrom(42, 'site:acme') // '3f1c…-…-4…-a…-…'
 */
export function uuidFrom(seed: number, label: string): string {
  const salt = hashString(label)
  let hex = ''
  for (let i = 0; i < 4; i++) hex += hash32(seed, salt, i).toString(16).padStart(8, '0')
  const variant = '89ab'[parseInt(hex[16] ?? '0', 16) & 3] ?? '8'
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

/** @example buildSites(1)[0].url // 'https://acme.atlassian.net' */
export function buildSites(seed: number): SimSite[] {
  return SITE_CAST.map((site) => ({
    cloudId: uuidFrom(seed, `site:${site.name}`),
    name: site.name,
    url: `https://${site.name}.atlassian.net`,
    avatarUrl: `${AVATAR_BASE}/${site.avatar}.png`,
  }))
}

/** @example buildUsers(1, buildSites(1)).find((u) => u.login === 'alice')?.siteIndexes // [0, 1] */
export function buildUsers(seed: number, sites: readonly SimSite[]): SimUser[] {
  return USER_CAST.map((user) => ({
    // Atlassian's newer account ids look like `712020:` followed by a UUID.
    accountId: `712020:${uuidFrom(seed, `user:${user.login}`)}`,
    login: user.login,
    displayName: user.displayName,
    email: `${user.login}@example.com`,
    timeZone: user.timeZone,
    locale: 'en_US',
    siteIndexes: user.sites.map((name) => indexOfName(sites, name)),
  }))
}

/** @example buildProjects(sites, users)[0].key // 'DEMO' */
export function buildProjects(sites: readonly SimSite[], users: readonly SimUser[]): SimProject[] {
  return PROJECT_CAST.map((project, i) => ({
    id: String(10000 + i),
    key: project.key,
    name: project.name,
    description: project.description,
    siteIndex: indexOfName(sites, project.site),
    leadIndex: users.findIndex((u) => u.login === project.lead),
    projectTypeKey: project.projectTypeKey,
  }))
}

/** Indexes of the users who can reach a site, in cast order. @example usersOfSite(users, 0) // [0, 1, 2, 6, 7] */
export function usersOfSite(users: readonly SimUser[], siteIndex: number): number[] {
  const out: number[] = []
  users.forEach((u, i) => {
    if (u.siteIndexes.includes(siteIndex)) out.push(i)
  })
  return out
}

function indexOfName(sites: readonly SimSite[], name: string): number {
  const i = sites.findIndex((s) => s.name === name)
  if (i < 0) throw new Error(`unknown site ${name}`)
  return i
}
