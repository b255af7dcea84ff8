/**
 * JSON: one array of the row objects, one compact object per line —
 * `[\n{…},\n{…}\n]\n` — so a large result streams row by row, diffs line by line, and still parses
 * as a single JSON document. No rows → `[]\n`.
 */
import { cellValue, toJson } from './cell.js'
import type { Row } from './cell.js'
import type { FormatContext } from './format.js'
import { rowFormat } from './row-format.js'

/**
 * One row as compact JSON. With explicit columns, only those keys, in that order (a key the row lacks
 * stays absent rather than becoming null, so the output says what the data said). Bigints become
 * strings of digits; values JSON has no form for (undefined, functions) are left out, as
 * JSON.stringify does.
 *
 * @example
 * rowJson({ b: 2, a: 1 }, ['a', 'b']) // '{"a":1,"b":2}'
 */
export function rowJson(row: Row, columns: readonly string[] | undefined): string {
  if (columns === undefined) return toJson(row) ?? '{}'
  const picked: Record<string, unknown> = {}
  for (const column of columns) {
    if (!Object.hasOwn(row, column)) continue
    // defineProperty, not assignment: a column named __proto__ must become a key, not a prototype.
    Object.defineProperty(picked, column, {
      value: cellValue(row, column),
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return toJson(picked) ?? '{}'
}

/**
 * JSON array output.
 *
 * @example
 * render('json', [{ key: 'QA-1' }, { key: 'QA-2' }]) // '[\n{"key":"QA-1"},\n{"key":"QA-2"}\n]\n'
 */
export const jsonFormat = rowFormat(
  { name: 'json', label: 'JSON', mediaType: 'application/json; charset=utf-8', extension: 'json' },
  {
    needsColumns: false,
    open: () => '[\n',
    row: (row, index, context: FormatContext) => (index === 0 ? '' : ',\n') + rowJson(row, context.columns),
    close: () => '\n]\n',
    empty: () => '[]\n',
  },
)
