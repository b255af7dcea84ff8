/**
 * PocketQuery's Velocity templates (issue 13): stored from a PocketQuery import so nothing is lost,
 * shown as the default table with a notice until Quarry has a Velocity engine.
 */
import type { PanelKind, TemplateOf } from './panel.js'
import { tableHtml } from './table-panel.js'

/** What a view with a PocketQuery (Velocity) template says above its default table. */
export const VELOCITY_NOTICE =
  'This query has a PocketQuery (Velocity) template, which Quarry does not render yet: the rows are shown as a table.'

/** `{ type: 'velocity', source }`: the table, and a notice that the template is not rendered. */
export const velocityPanel: PanelKind<TemplateOf<'velocity'>> = {
  type: 'velocity',
  render: async (_template, input) => ({ html: tableHtml(input), notices: [VELOCITY_NOTICE] }),
}
