import { describe, expect, it } from 'vitest'
import { paramsInOptionOrder, QuerySchema, type QueryInput } from '../../src/domain/query.js'
import { parseOptionsFlag } from '../../src/cli/query-input.js'

/** Issue 17: a parameter's options from a query, as the query definition declares them. */
const base = { name: 'issue', datasource: 'jira', path: '/issue/:issue' } as const

function issuesOf(input: Partial<QueryInput>): string[] {
  const parsed = QuerySchema.safeParse({ ...base, ...input })
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)
}

describe('ParamSpec options', () => {
  it('reads the options query, its value and label columns and its parameters, `:name` meaning a parameter of the query', () => {
    const query = QuerySchema.parse({
      ...base,
      params: [
        { name: 'project', options: { query: 'projects', value: 'key', label: 'name' } },
        { name: 'issue', options: { query: 'project-issues', params: { project: ':project', max: '20' } } },
      ],
    })
    expect(query.params[1]?.options).toEqual({
      query: 'project-issues',
      params: { project: ':project', max: '20' },
    })
    expect(query.params[0]?.options).toEqual({ query: 'projects', value: 'key', label: 'name', params: {} })
  })

  it('refuses a `:name` that is no parameter of the query, or the parameter itself', () => {
    expect(
      issuesOf({ params: [{ name: 'issue', options: { query: 'list', params: { project: ':project' } } }] }),
    ).toEqual([
      'params.0.options.params.project: the options of parameter "issue" pass ":project" to "project", but the query has no parameter "project"',
    ])
    expect(
      issuesOf({ params: [{ name: 'issue', options: { query: 'list', params: { x: ':issue' } } }] }),
    ).toEqual(['params.0.options.params.x: the options of parameter "issue" cannot depend on its own value'])
  })

  it('refuses parameters whose options depend on each other in a circle (a → b → a)', () => {
    expect(
      issuesOf({
        params: [
          { name: 'a', options: { query: 'list-a', params: { b: ':b' } } },
          { name: 'b', options: { query: 'list-b', params: { a: ':a' } } },
          { name: 'issue' },
        ],
      }),
    ).toEqual([
      'params: the options of parameters "a" → "b" → "a" depend on each other in a circle; let one of them take its options without the other',
    ])
  })

  it('refuses options from the query itself, and on yes/no and constant parameters', () => {
    expect(issuesOf({ params: [{ name: 'issue', options: { query: 'issue' } }] })).toEqual([
      'params.0.options.query: parameter "issue" cannot take its options from its own query "issue"',
    ])
    expect(issuesOf({ params: [{ name: 'issue', type: 'boolean', options: { query: 'list' } }] })).toEqual([
      'params.0.options: options from a query are for string, integer, number, date, list parameters',
    ])
  })

  it('orders parameters so that each comes after those its options depend on', () => {
    const query = QuerySchema.parse({
      ...base,
      params: [
        { name: 'issue', options: { query: 'issues', params: { sprint: ':sprint' } } },
        { name: 'sprint', options: { query: 'sprints', params: { project: ':project' } } },
        { name: 'project', options: { query: 'projects' } },
      ],
    })
    expect(paramsInOptionOrder(query.params).map((spec) => spec.name)).toEqual(['project', 'sprint', 'issue'])
  })
})

describe('quarry query add --options', () => {
  it('reads PARAM=QUERY with value, label and the options query’s parameters', () => {
    expect(parseOptionsFlag('sprint=board-sprints value=id label=name project=:project')).toEqual([
      'sprint',
      { query: 'board-sprints', value: 'id', label: 'name', params: { project: ':project' } },
    ])
  })

  it('drops the options with an empty query, and refuses a pair without a value', () => {
    expect(parseOptionsFlag('sprint=')).toEqual(['sprint', undefined])
    expect(() => parseOptionsFlag('sprint=s label')).toThrow(/"label" must be value=COLUMN/)
  })
})
