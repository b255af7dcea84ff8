import { describe, expect, it } from 'vitest'
import { DatasourceSchema } from '../../src/domain/datasource.js'
import { describeIssues } from '../../src/domain/field-issues.js'

/** One way to report a value that does not fit its schema, over HTTP and in the CLI (issue 11). */

const input = { name: 'bad', type: 'rest', baseUrl: 'ftp://user:s3cret-pw@host', auth: { type: 'none' } }
const error = DatasourceSchema.safeParse(input).error!

describe('describeIssues', () => {
  it('names each wrong field as the admin UI labels it, with no prefix for a request body', () => {
    const message = describeIssues(error, undefined, input).message
    expect(message).toMatch(/^Base URL: must be an absolute http\(s\) URL/)
  })

  it("names the thing and the surface's own word for a field when given one (a CLI flag)", () => {
    const message = describeIssues(error, 'datasource "bad"', input, { baseUrl: '--url' }).message
    expect(message).toMatch(/^Invalid datasource "bad": --url: must be an absolute http\(s\) URL/)
  })

  it('never repeats a value sent', () => {
    expect(describeIssues(error, 'datasource "bad"', input).message).not.toContain('s3cret-pw')
  })

  it('says "required" for a field that is missing', () => {
    const missing = { type: 'rest', name: 'x', baseUrl: 'https://api.example.com', auth: { type: 'bearer' } }
    const check = DatasourceSchema.safeParse(missing).error!
    expect(describeIssues(check, undefined, missing).message).toBe('Authentication token: required.')
  })
})
