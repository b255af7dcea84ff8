import { describe, expect, it } from 'vitest'
import { ParamSpecSchema, type ParamSpec } from '../../src/domain/query.js'
import { visitorExposure } from '../../web/src/visitor-exposure.js'

/**
 * Issue 10: the params editor (web/src/visitor-exposure.ts) says what each parameter of a public
 * query exposes to visitors, and warns when it is open to any free text.
 */

const param = (input: object): ParamSpec => ParamSpecSchema.parse(input)

describe('what a public query’s parameter exposes', () => {
  it('is nothing while visitors may not change it', () => {
    expect(visitorExposure(param({ name: 'jql' }))).toEqual({
      warn: false,
      text: 'jql is fixed to its default for visitors.',
    })
  })

  it('is any search at all for free text opened without limits: a warning', () => {
    expect(visitorExposure(param({ name: 'jql', visitorInput: {} }))).toEqual({
      warn: true,
      text: "Anyone on the internet can run this query with any value of jql, using the datasource's credentials.",
    })
    expect(visitorExposure(param({ name: 'keys', type: 'list', visitorInput: {} })).warn).toBe(true)
  })

  it('names the allowed values and the pattern, item by item for a list', () => {
    expect(visitorExposure(param({ name: 'project', visitorInput: { allowed: ['DEMO', 'WEB'] } })).text).toBe(
      'Visitors may set project to one of DEMO, WEB.',
    )
    const keys = param({ name: 'keys', type: 'list', visitorInput: { pattern: '[A-Z]+-\\d+' } })
    expect(visitorExposure(keys)).toEqual({
      warn: false,
      text: 'Visitors may set each item of keys to a value that matches [A-Z]+-\\d+ as a whole.',
    })
  })

  it('is only a note for a typed value such as an integer', () => {
    expect(visitorExposure(param({ name: 'limit', type: 'integer', visitorInput: {} }))).toEqual({
      warn: false,
      text: 'Anyone on the internet can run this query with any integer as limit.',
    })
  })
})
