/**
 * NDJSON (newline-delimited JSON, also "JSON Lines"): one compact JSON object per row, each followed
 * by `\n`. No rows → no output at all. JSON.stringify escapes CR and LF inside strings, so a row
 * can never span two lines.
 */
import { rowJson } from './json-format.js'
import { rowFormat } from './row-format.js'

/**
 * NDJSON output.
 *
 * @example
 * render('ndjson', [{ key: 'QA-1' }, { key: 'QA-2' }]) // '{"key":"QA-1"}\n{"key":"QA-2"}\n'
 */
export const ndjsonFormat = rowFormat(
  // application/x-ndjson: the type the NDJSON specification (ndjson.org) names; none is registered.
  { name: 'ndjson', label: 'NDJSON', mediaType: 'application/x-ndjson; charset=utf-8', extension: 'ndjson' },
  {
    needsColumns: false,
    open: () => '',
    row: (row, _index, context) => rowJson(row, context.columns) + '\n',
    close: () => '',
    empty: () => '',
  },
)
