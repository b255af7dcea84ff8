import { describe, expect, it } from 'vitest'
import { isQuarryError } from '../../src/domain/errors.js'
import { renderLiquid, type LiquidData } from '../../src/render/liquid-template.js'
import { LIQUID_HINT_FILTERS, LIQUID_HINT_VARIABLES } from '../../web/src/liquid-hint.js'

/**
 * Issue 10: the query editor's Liquid hint (web/src/liquid-hint.ts) says only what is true of the
 * server's renderer: each variable and filter it names works, and raw HTML cannot be output.
 */

const data: LiquidData = {
  rows: [{ 'Issue Key': 'DEMO-1', Summary: 'A summary that is longer than forty characters, to be cut' }],
  columns: ['Issue Key', 'Summary'],
  query: 'issues',
  params: { jql: 'project = DEMO' },
  fetchedAt: '2026-01-15T10:30:00.000Z',
}

/** Each hinted filter applied to a value it is meant for, and what it gives. */
const EXAMPLES: Record<string, { readonly input: string; readonly output: string }> = {
  'date: "%Y-%m-%d"': { input: 'fetchedAt', output: '2026-01-15' },
  size: { input: 'rows', output: '1' },
  'join: ", "': { input: 'columns', output: 'Issue Key, Summary' },
  upcase: { input: 'query', output: 'ISSUES' },
  'truncate: 40': { input: 'rows[0].Summary', output: 'A summary that is longer than forty c...' },
  'default: "—"': { input: 'params.missing', output: '—' },
}

describe('the Liquid hint', () => {
  it.each(LIQUID_HINT_FILTERS)('names a filter the renderer has: | %s', async (filter) => {
    const example = EXAMPLES[filter]
    expect(example, `an example for the hinted filter "${filter}"`).toBeDefined()
    expect(await renderLiquid(`{{ ${example!.input} | ${filter} }}`, data)).toBe(example!.output)
  })

  it.each(LIQUID_HINT_VARIABLES)('names a variable the template sees: %s', async (name) => {
    expect(await renderLiquid(`{% if ${name} %}yes{% endif %}`, data)).toBe('yes')
  })

  it('is right that raw HTML cannot be output: there is no | raw filter', async () => {
    const error = await renderLiquid('{{ "<b>" | raw }}', data).catch((failure: unknown) => failure)
    expect(isQuarryError(error, 'QUARRY_VIEW_TEMPLATE_INVALID')).toBe(true)
    expect(await renderLiquid('{{ "<b>" }}', data)).toBe('&lt;b&gt;')
  })
})
