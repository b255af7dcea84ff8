/**
 * What the Liquid template's hint promises, kept apart from the editor so that a test renders
 * each of these through the server's renderer (src/render/liquid-template.ts): the hint cannot
 * name a variable or filter that does not exist (issue 10: it once named a `| raw` filter that
 * the renderer removes).
 */

/** The variables a template sees. */
export const LIQUID_HINT_VARIABLES = ['rows', 'columns', 'query', 'params', 'fetchedAt'] as const

/** Filters shown as examples, as written after `|`. */
export const LIQUID_HINT_FILTERS = [
  'date: "%Y-%m-%d"',
  'size',
  'join: ", "',
  'upcase',
  'truncate: 40',
  'default: "—"',
] as const
