import { describe, expect, it } from 'vitest'
import { fieldChanges } from '../../src/domain/audit-diff.js'

/** The audit log's field-level diff (issue 19): what changed, with no secret value in it. */
describe('fieldChanges', () => {
  it('lists the fields that changed by path, objects walked and arrays whole', () => {
    expect(
      fieldChanges(
        'query',
        { definition: { path: '/a', params: [{ name: 'x' }] }, datasource: 'jira' },
        { definition: { path: '/b', params: [{ name: 'x' }, { name: 'y' }] }, datasource: 'jira' },
      ),
    ).toEqual([
      { field: 'definition.params', before: [{ name: 'x' }], after: [{ name: 'x' }, { name: 'y' }] },
      { field: 'definition.path', before: '/a', after: '/b' },
    ])
  })

  it('a created object lists its fields with no before; a removed one with no after', () => {
    expect(fieldChanges('setting', undefined, { value: ['https://a.example.com'] })).toEqual([
      { field: 'value', after: ['https://a.example.com'] },
    ])
    expect(fieldChanges('template', { content: 'x' }, undefined)).toEqual([{ field: 'content', before: 'x' }])
  })

  it('a field named like a secret is masked in any kind, an SMTP password in a setting included', () => {
    const before = { value: { host: 'smtp.example.com', password: 'smtp-password-1' } }
    const after = { value: { host: 'smtp.example.com', password: 'smtp-password-2' } }
    expect(fieldChanges('setting', before, after)).toEqual([
      { field: 'value.password', before: '••••••', after: '••••••', secret: true },
    ])
  })

  it('names like smtpPass, apiKey or refresh_token are secrets; tokenUrl and tokenParam are not', () => {
    const fields = ['smtpPass', 'apiKey', 'refresh_token', 'tokenUrl', 'tokenParam']
    const changes = fieldChanges('setting', {}, Object.fromEntries(fields.map((field) => [field, 'value-1'])))
    expect(changes.filter((change) => change.secret).map((change) => change.field)).toEqual([
      'apiKey',
      'refresh_token',
      'smtpPass',
    ])
  })

  it('a secret value never appears, even inside another field of the same object', () => {
    const changes = fieldChanges('connection', undefined, {
      tokens: { access_token: 'at-123456' },
      statusMessage: 'rejected at-123456 as expired',
    })
    expect(JSON.stringify(changes)).not.toContain('at-123456')
    expect(changes).toContainEqual({ field: 'statusMessage', after: 'rejected •••••• as expired' })
  })

  it('an unchanged secret is not listed; a secret set or removed shows the mask on its side only', () => {
    expect(
      fieldChanges('datasource', { secrets: { a: 'same-value' } }, { secrets: { a: 'same-value' } }),
    ).toEqual([])
    expect(fieldChanges('datasource', { secrets: {} }, { secrets: { a: 'new-value' } })).toEqual([
      { field: 'secrets.a', after: '••••••', secret: true },
    ])
  })
})
