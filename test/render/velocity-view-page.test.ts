/**
 * The view page with a Velocity template (issue 13): what a query's rows look like through it, its
 * named templates and empty message, its errors on the page — and the page says so without a sandbox.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { ConverterPool } from '../../src/convert/index.js'
import { isQuarryError } from '../../src/domain/errors.js'
import { renderViewPage, type ViewPageInput } from '../../src/render/view-page.js'
import { hasElement } from '../helpers/html-text.js'

const pool = new ConverterPool({ size: 1 })
afterAll(() => pool.close())

const page = (fields: Partial<ViewPageInput>): Promise<string> =>
  renderViewPage({
    query: 'open-issues',
    params: [{ name: 'project', type: 'string', default: 'QA' }],
    values: { project: 'Q<A>' },
    rows: [{ key: 'QA-1' }, { key: 'QA-2' }],
    now: new Date('2026-01-15T10:05:30Z'),
    fetchedAt: new Date('2026-01-15T10:00:00Z'),
    nonce: 'bm9uY2U',
    urls: { self: '/v/open-issues', refresh: '/v/open-issues/refresh', downloads: [] },
    embed: false,
    assets: { script: '/assets/view.js', stylesheet: '/assets/view.css' },
    sandbox: pool,
    ...fields,
  })

describe('a view page with a Velocity template', () => {
  it('shows its output, with named templates from the lookup it is given', async () => {
    const html = await page({
      template: {
        type: 'velocity',
        source:
          '<h2>$queryParameters.project</h2>#foreach($r in $result)<i>$r.key</i>#end$PQ.templateByName("footer")',
      },
      templates: async (name) => (name === 'footer' ? '<footer>$result.size() issues</footer>' : undefined),
    })
    expect(html).toContain(
      '<div class="quarry-velocity">\n<h2>Q&lt;A&gt;</h2><i>QA-1</i><i>QA-2</i><footer>2 issues</footer>\n</div>',
    )
  })

  it('says its emptymsg for no rows, escaped', async () => {
    const html = await page({
      rows: [],
      template: {
        type: 'velocity',
        source: '## @param emptymsg:No <b>open</b> issues\n$PQ.template("default")',
      },
    })
    expect(html).toContain('<p class="quarry-empty">No &lt;b&gt;open&lt;/b&gt; issues</p>')
    expect(hasElement(html, 'b')).toBe(false)
  })

  it('shows a template error like a failed query, with its line', async () => {
    const html = await page({ template: { type: 'velocity', source: 'ok\n#if(' } })
    expect(html).toContain(
      '<p class="quarry-error" role="alert">The Velocity template does not parse at line 2',
    )
  })

  it('is Quarry’s bug, not the template’s, when no sandbox was given', async () => {
    const failed = await page({
      template: { type: 'velocity', source: '$result' },
      sandbox: undefined,
    }).catch((error: unknown) => error)
    expect(isQuarryError(failed, 'QUARRY_INTERNAL')).toBe(true)
  })
})
