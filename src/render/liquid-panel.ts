/**
 * Liquid templates: the query author's markup over the rows, rendered by liquid-template.ts (every
 * output escaped, time and memory capped).
 */
import { renderLiquid } from './liquid-template.js'
import type { PanelKind, TemplateOf } from './panel.js'

/** `{ type: 'liquid', source }`: the template's output in a `.quarry-liquid` wrapper. */
export const liquidPanel: PanelKind<TemplateOf<'liquid'>> = {
  type: 'liquid',
  async render(template, input) {
    const html = await renderLiquid(template.source, {
      rows: input.rows,
      columns: input.columns,
      query: input.query,
      params: input.params,
      fetchedAt: input.fetchedAt.toISOString(),
    })
    return { html: `<div class="quarry-liquid">\n${html}\n</div>\n`, notices: [] }
  },
}
