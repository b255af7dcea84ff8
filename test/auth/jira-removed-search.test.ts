import { describe, expect, it } from 'vitest'
import { REMOVED_SEARCH_FIX, withRemovedSearchFix } from '../../src/auth/presets/jira-removed-search.js'
import { QuarryError } from '../../src/domain/errors.js'

/** Jira's 410 for its removed search (CHANGE-2046) says what to use instead; nothing else does (issue 13). */

const site = 'https://api.atlassian.com/ex/jira/1a2b'
const upstream = (status: number) => new QuarryError('QUARRY_UPSTREAM_STATUS', `GET … answered ${status}`)

describe('the fix for Jira’s removed search', () => {
  it.each([
    `${site}/rest/api/2/search`,
    `${site}/rest/api/3/search?jql=project%3DDEMO`,
    `${site}/rest/api/2/search/`,
  ])('is added to a 410 from %s', (url) => {
    const error = withRemovedSearchFix(url, 410, upstream(410))
    expect(error.message).toBe(`GET … answered 410. ${REMOVED_SEARCH_FIX}`)
    expect(error.code).toBe('QUARRY_UPSTREAM_STATUS')
  })

  it.each([
    [`${site}/rest/api/3/search/jql`, 410],
    [`${site}/rest/api/3/search`, 400],
    ['https://api.example.com/search', 410],
  ])('is not added to %s answering %i', (url, status) => {
    const error = upstream(status)
    expect(withRemovedSearchFix(url, status, error)).toBe(error)
  })
})
