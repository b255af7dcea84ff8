import { describe, expect, it } from 'vitest'
import { isQuarryError } from '../../src/domain/errors.js'
import type { LiquidData } from '../../src/render/liquid-template.js'
import { renderLiquid } from '../../src/render/liquid-template.js'

const XSS = '<img src=x onerror=alert(1)>'

const data = (rows: LiquidData['rows'] = [{ key: 'QA-1', summary: XSS }]): LiquidData => ({
  rows,
  columns: ['key', 'summary'],
  query: 'open-issues',
  params: { project: 'QA' },
  fetchedAt: '2026-01-15T10:30:00.000Z',
})

async function failure(source: string, rows?: LiquidData['rows']): Promise<unknown> {
  try {
    await renderLiquid(source, data(rows))
  } catch (error) {
    return error
  }
  throw new Error('expected the template to fail')
}

describe('Liquid templates', () => {
  it('loop over rows, with the query name, columns, params and fetch time in scope', async () => {
    const out = await renderLiquid(
      '{{ query }} {{ columns | join: "," }} {{ params.project }} {{ fetchedAt }}' +
        '{% for r in rows %}|{{ r.key }}{% endfor %}',
      data(),
    )
    expect(out).toBe('open-issues key,summary QA 2026-01-15T10:30:00.000Z|QA-1')
  })

  it('escape every output, so a value with HTML shows as text', async () => {
    const out = await renderLiquid('<p>{{ rows[0].summary }}</p>', data())
    expect(out).toBe('<p>&lt;img src=x onerror=alert(1)&gt;</p>')
  })

  it('escape outputs inside filters, echo and the liquid tag too', async () => {
    const out = await renderLiquid(
      '{{ rows[0].summary | upcase }}{% echo rows[0].summary %}{% liquid\necho rows[0].summary\n%}',
      data(),
    )
    expect(out).not.toContain('<')
    expect(out).toContain('&lt;IMG')
  })

  it('refuse the raw filter, which would turn escaping off', async () => {
    const error = await failure('{{ rows[0].summary | raw }}')
    expect(isQuarryError(error, 'QUARRY_VIEW_TEMPLATE_INVALID')).toBe(true)
    expect((error as Error).message).toMatch(/raw/)
  })

  it('refuse include, render and layout: templates cannot read files', async () => {
    for (const tag of ['{% include "/etc/passwd" %}', "{% render 'x' %}", "{% layout 'x' %}"]) {
      const error = await failure(tag)
      expect(isQuarryError(error, 'QUARRY_VIEW_TEMPLATE_INVALID')).toBe(true)
    }
  })

  it('report a syntax error with its line', async () => {
    const error = await failure('<ul>\n{% for r in rows %}\n<li>{{ r.key }</li>\n')
    expect(isQuarryError(error, 'QUARRY_VIEW_TEMPLATE_INVALID')).toBe(true)
    expect((error as Error).message).toMatch(/does not parse at line 3, column \d+/)
  })

  it('report an unclosed block with the line it opens on', async () => {
    const error = await failure('a\nb\n{% if rows %}\nnever closed')
    expect((error as Error).message).toMatch(/line 3/)
  })

  it('stop a loop that would run for ever', async () => {
    const started = performance.now()
    const error = await failure(
      '{% for a in (1..100000) %}{% for b in (1..100000) %}{% assign c = b | plus: a %}{% endfor %}{% endfor %}',
    )
    expect(isQuarryError(error, 'QUARRY_VIEW_TEMPLATE_LIMIT')).toBe(true)
    expect(performance.now() - started).toBeLessThan(5_000)
  })

  it('stop a template that allocates a huge range', async () => {
    const error = await failure('{% for i in (1..1000000000) %}{% endfor %}')
    expect(isQuarryError(error, 'QUARRY_VIEW_TEMPLATE_LIMIT')).toBe(true)
  })

  it('stop a template that doubles a string until memory runs out', async () => {
    const error = await failure(
      '{% assign s = "xxxxxxxxxx" %}{% for i in (1..60) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}',
    )
    expect(isQuarryError(error, 'QUARRY_VIEW_TEMPLATE_LIMIT')).toBe(true)
  })

  it('stop a loop that prints a long value over and over', async () => {
    const long = 'y'.repeat(100_000)
    const error = await failure('{% for i in (1..10000) %}{{ rows[0].v }}{% endfor %}', [{ v: long }])
    expect(isQuarryError(error, 'QUARRY_VIEW_TEMPLATE_LIMIT')).toBe(true)
  })

  it('hide properties a row inherits', async () => {
    const out = await renderLiquid('[{{ rows[0].constructor }}][{{ rows[0].__proto__ }}]', data())
    expect(out).toBe('[][]')
  })
})
