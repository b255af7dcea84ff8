import { describe, expect, it } from 'vitest'
import { safeReturnPath } from '../../src/domain/return-path.js'

describe('safeReturnPath (where sign-in returns to)', () => {
  it('keeps a path on this server, with its query string and fragment', () => {
    expect(safeReturnPath('/v/jira-issues?jql=project%20%3D%20DEMO#top')).toBe(
      '/v/jira-issues?jql=project%20%3D%20DEMO#top',
    )
    expect(safeReturnPath('/admin/queries/jira-issues')).toBe('/admin/queries/jira-issues')
  })

  it('refuses every form of another site (no open redirect)', () => {
    for (const next of [
      'https://evil.example/',
      'http://evil.example',
      'javascript:alert(1)',
      '//evil.example',
      '//evil.example/v/x',
      '/\\evil.example',
      '\\\\evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      ' /v/x',
      'v/x',
      '',
    ])
      expect(safeReturnPath(next), JSON.stringify(next)).toBeUndefined()
  })

  it('refuses a missing or absurdly long value', () => {
    expect(safeReturnPath(null)).toBeUndefined()
    expect(safeReturnPath(undefined)).toBeUndefined()
    expect(safeReturnPath(`/${'a'.repeat(3000)}`)).toBeUndefined()
  })
})
