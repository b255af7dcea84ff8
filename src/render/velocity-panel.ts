/**
 * PocketQuery's Velocity templates (issue 13): rendered in the converter sandbox by
 * velocity-template.ts, inside a `.quarry-velocity` wrapper; `$PQ.template("default")` inserts the
 * default table (table-panel.ts), and `## @param emptymsg:TEXT` is what an empty result says.
 */
import { QuarryError } from '../domain/errors.js'
import type { PanelKind, TemplateOf } from './panel.js'
import { tableHtml } from './table-panel.js'
import { renderVelocity, velocityEmptyMessage } from './velocity-template.js'

/** `{ type: 'velocity', source }`: the template's output; scripts taken out are reported as notices. */
export const velocityPanel: PanelKind<TemplateOf<'velocity'>> = {
  type: 'velocity',
  async render(template, input) {
    if (input.sandbox === undefined) {
      // Every caller that shows views passes the pool: without it, this is Quarry's bug.
      throw new QuarryError(
        'QUARRY_INTERNAL',
        'A Velocity template needs the converter sandbox to render in.',
      )
    }
    const output = await renderVelocity(
      template.source,
      { result: input.rows, query: input.query, params: input.params },
      {
        sandbox: input.sandbox,
        ...(input.templates === undefined ? {} : { templates: input.templates }),
        defaultTable: () => tableHtml(input),
      },
    )
    return { html: `<div class="quarry-velocity">\n${output.html}\n</div>\n`, notices: output.notices }
  },
  emptyMessage: (template) => velocityEmptyMessage(template.source),
}
