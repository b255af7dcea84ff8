import { describe, expect, it } from 'vitest'
import { defaultRows } from '../../src/convert/index.js'
import { doc } from './fixtures.js'

describe('defaultRows for Jira search results', () => {
  const search = {
    issues: [
      {
        id: '10001',
        key: 'DEMO-1',
        self: 'https://api.atlassian.com/ex/jira/x/rest/api/3/issue/10001',
        fields: {
          summary: 'Checkout fails',
          description: doc('Steps to reproduce'),
          status: { name: 'In Progress', id: '3', statusCategory: { key: 'indeterminate' } },
          assignee: { accountId: '712020:a', displayName: 'Alice Andersen' },
          priority: { name: 'High', id: '2' },
          customfield_10020: { value: 'Red', id: '1' },
          labels: ['checkout', 'payments'],
          components: [{ name: 'Web' }, { name: 'API' }],
          comment: { comments: [{ id: '1' }, { id: '2' }], total: 2, maxResults: 50, startAt: 0 },
          parent: { id: '10000', key: 'DEMO-0', fields: { summary: 'Epic' } },
          votes: { votes: 3, hasVoted: false },
          created: '2026-01-15T10:30:00.000+0000',
          resolution: null,
        },
      },
    ],
    isLast: true,
  }

  it('makes one row per issue with key, id and each field flattened', () => {
    expect(defaultRows(search)).toEqual([
      {
        key: 'DEMO-1',
        id: '10001',
        summary: 'Checkout fails',
        description: 'Steps to reproduce',
        status: 'In Progress',
        assignee: 'Alice Andersen',
        priority: 'High',
        customfield_10020: 'Red',
        labels: 'checkout, payments',
        components: 'Web, API',
        comment: 2,
        parent: 'DEMO-0',
        'votes.votes': 3,
        'votes.hasVoted': false,
        created: '2026-01-15T10:30:00.000+0000',
        resolution: null,
      },
    ])
  })

  it('names columns after the fields when the response has expand=names', () => {
    const withNames = {
      issues: [{ key: 'DEMO-1', fields: { customfield_10011: 'Q1' } }],
      names: { customfield_10011: 'Epic Name' },
    }
    expect(defaultRows(withNames)).toEqual([{ key: 'DEMO-1', 'Epic Name': 'Q1' }])
  })

  it('gives no rows for an empty result', () => {
    expect(defaultRows({ issues: [], isLast: true })).toEqual([])
  })
})

describe('defaultRows for other responses', () => {
  it('turns a top-level array into rows, objects flattened one level with dotted keys', () => {
    expect(defaultRows([{ a: 1, b: { c: 2, d: { e: 3 } }, tags: ['x', 'y'] }, 'plain'])).toEqual([
      { a: 1, 'b.c': 2, 'b.d': '{"e":3}', tags: 'x, y' },
      { value: 'plain' },
    ])
  })

  it('takes the rows of the only array of objects in an object', () => {
    const page = { startAt: 0, maxResults: 2, total: 2, isLast: true, values: [{ key: 'A' }, { key: 'B' }] }
    expect(defaultRows(page)).toEqual([{ key: 'A' }, { key: 'B' }])
  })

  it('makes any other object one flattened row', () => {
    expect(defaultRows({ count: 3, site: { name: 'acme' }, ids: [1, 2] })).toEqual([
      { count: 3, 'site.name': 'acme', ids: '1, 2' },
    ])
  })

  it('makes a scalar one row and null none', () => {
    expect(defaultRows(42)).toEqual([{ value: 42 }])
    expect(defaultRows(null)).toEqual([])
  })
})
