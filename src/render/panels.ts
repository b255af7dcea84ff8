/**
 * The registry of template kinds: every `*-panel.ts` is listed here once, and the view page
 * (view-page.ts) shows a query's rows through the kind its template names. Adding a kind is a
 * `type` in TemplateSchema (domain/query.ts), one new `*-panel.ts` file shaped like table-panel.ts,
 * and one line in BUILT_IN — which does not compile until the kind is there.
 */
import { QuarryError } from '../domain/errors.js'
import type { Template } from '../domain/query.js'
import { chartPanel, vegaLitePanel } from './chart-panel.js'
import { liquidPanel } from './liquid-panel.js'
import type { PanelKind, PanelTemplate, TemplateOf } from './panel.js'
import { statPanel } from './stat-panel.js'
import { tablePanel } from './table-panel.js'
import { velocityPanel } from './velocity-panel.js'

/** A kind for every type TemplateSchema allows: a type without one is a compile error here. */
const BUILT_IN: { readonly [K in Template['type']]: PanelKind<TemplateOf<K>> } = {
  table: tablePanel,
  stat: statPanel,
  liquid: liquidPanel,
  chart: chartPanel,
  'vega-lite': vegaLitePanel,
  velocity: velocityPanel,
}

const registered = new Map<string, PanelKind>(Object.entries(BUILT_IN))

/**
 * Adds a template kind; returns what removes it again. Its type must be new.
 *
 * @example
 * const unregister = registerPanelKind({ type: 'stat', render: async (template, input) => ({ html, notices: [] }) })
 */
export function registerPanelKind<T extends PanelTemplate>(kind: PanelKind<T>): () => void {
  if (registered.has(kind.type)) throw new RangeError(`A template kind "${kind.type}" is registered already.`)
  registered.set(kind.type, kind as PanelKind)
  return () => {
    if (registered.get(kind.type) === kind) registered.delete(kind.type)
  }
}

/**
 * The kind that renders this template.
 *
 * @example
 * await panelKind({ type: 'table' }).render({ type: 'table' }, input) // { html: '<div class="quarry-table" …', notices: [] }
 */
export function panelKind(template: PanelTemplate): PanelKind {
  const kind = registered.get(template.type)
  if (kind === undefined) {
    throw new QuarryError(
      'QUARRY_VIEW_TEMPLATE_INVALID',
      `No template kind is called "${template.type}"; use one of ${[...registered.keys()].join(', ')}.`,
    )
  }
  return kind
}
