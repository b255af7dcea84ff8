/**
 * The terminal table: box-drawn, one line per row, and never wider than the terminal.
 *
 * When the natural table is too wide, the widest columns give up width first (a "water level"
 * that lowers until everything fits), their cells cut short with `…`; no column goes below
 * MIN_COLUMN_WIDTH unless it is narrower by nature. If even that does not fit, the rightmost columns
 * are left out and a last line names them. Nothing wraps: a newline inside a cell shows as `␊`.
 *
 * Data can come from anyone who can edit a Jira issue, so every cell goes through terminalText():
 * an ANSI escape sequence in a summary cannot move the cursor, recolour the terminal or set the
 * window title; it shows up, visibly, as `␛[…`.
 */
import { cellText, cellValue, isNumeric } from './cell.js'
import type { Row } from './cell.js'
import type { RenderOptions } from './format.js'
import { wholeFormat } from './row-format.js'
import { terminalText, textWidth, truncateToWidth } from './text-width.js'

export const DEFAULT_WIDTH = 100
/** Narrowest a column is squeezed to (room for four characters and `…`); below that, columns are left out. */
export const MIN_COLUMN_WIDTH = 5

const BOLD = '\x1b[1m'
const NOT_BOLD = '\x1b[22m'

type Align = 'left' | 'right'

interface Cell {
  readonly text: string
  readonly width: number
}

function cellOf(text: string): Cell {
  const safe = terminalText(text)
  return { text: safe, width: textWidth(safe) }
}

function sum(values: readonly number[]): number {
  let total = 0
  for (const value of values) total += value
  return total
}

/** Characters a table of `count` columns spends on borders and padding: `│ a │ b │`. */
function overhead(count: number): number {
  return 3 * count + 1
}

/**
 * Column widths that fit `width`, given each column's natural width. Returns as many widths as
 * columns are shown (the first ones; at least one).
 *
 * @example
 * fitColumns([4, 30, 50], 40) // [4, 13, 13]: the two wide columns shrink, the narrow one keeps its width
 */
export function fitColumns(natural: readonly number[], width: number): number[] {
  const minimum = natural.map((w) => Math.min(w, MIN_COLUMN_WIDTH))
  let shown = natural.length
  while (shown > 1 && sum(minimum.slice(0, shown)) > width - overhead(shown)) shown--
  const room = Math.max(width - overhead(shown), 0)
  const wanted = natural.slice(0, shown)
  const floors = minimum.slice(0, shown)
  if (sum(wanted) <= room) return wanted
  // Only one column left and not even its minimum fits: give it what there is.
  if (sum(floors) > room) return [room]

  // The highest water level `cap` at which every column, cut to max(floor, min(natural, cap)), fits.
  const at = (cap: number): number[] => wanted.map((w, i) => Math.min(w, Math.max(floors[i] ?? 0, cap)))
  let low = 0
  // Not Math.max(...wanted): a row may have more columns than a call has room for arguments (issue 12).
  let high = wanted.reduce((a, b) => Math.max(a, b), 0)
  while (low < high) {
    const middle = (low + high + 1) >> 1
    if (sum(at(middle)) <= room) low = middle
    else high = middle - 1
  }
  const widths = at(low)
  // Hand the columns left over below the next level to the capped columns, left to right.
  let spare = room - sum(widths)
  for (let i = 0; i < widths.length && spare > 0; i++) {
    const current = widths[i] ?? 0
    if (current === low && (wanted[i] ?? 0) > low) {
      widths[i] = current + 1
      spare--
    }
  }
  return widths
}

function pad(cell: Cell, width: number, align: Align, bold: boolean): string {
  const text = cell.width <= width ? cell.text : truncateToWidth(cell.text, width)
  const used = cell.width <= width ? cell.width : textWidth(text)
  const spaces = ' '.repeat(Math.max(width - used, 0))
  const shown = bold ? BOLD + text + NOT_BOLD : text
  return align === 'right' ? spaces + shown : shown + spaces
}

function border(widths: readonly number[], left: string, middle: string, right: string): string {
  return left + widths.map((w) => '─'.repeat(w + 2)).join(middle) + right + '\n'
}

function line(
  cells: readonly Cell[],
  widths: readonly number[],
  aligns: readonly Align[],
  bold = false,
): string {
  const parts = widths.map((w, i) => ' ' + pad(cells[i] ?? cellOf(''), w, aligns[i] ?? 'left', bold) + ' ')
  return '│' + parts.join('│') + '│\n'
}

function checkedWidth(width: number | undefined): number {
  const value = width ?? DEFAULT_WIDTH
  if (!(value > 0)) throw new RangeError(`Table width must be a positive number of columns, got ${value}.`)
  return Math.floor(value)
}

function renderTable(rows: readonly Row[], columns: readonly string[], options: RenderOptions): string {
  const width = checkedWidth(options.width)
  if (rows.length === 0) return truncateToWidth('(no rows)', width) + '\n'
  if (columns.length === 0) return truncateToWidth(`(${rows.length} rows without columns)`, width) + '\n'

  const header = columns.map(cellOf)
  const body = rows.map((row) => columns.map((column) => cellOf(cellText(cellValue(row, column)))))
  // A column is numeric when every value it has is a real number; its header aligns with them.
  const aligns: Align[] = columns.map((column) => {
    let numbers = 0
    for (const row of rows) {
      const value = cellValue(row, column)
      if (isNumeric(value)) numbers++
      else if (value != null) return 'left'
    }
    return numbers > 0 ? 'right' : 'left'
  })
  const natural = columns.map((_column, i) => {
    let widest = header[i]?.width ?? 0
    for (const cells of body) widest = Math.max(widest, cells[i]?.width ?? 0)
    return widest
  })

  const widths = fitColumns(natural, width)
  const cellAligns = rows.map((row) =>
    columns.map((column): Align => (isNumeric(cellValue(row, column)) ? 'right' : 'left')),
  )
  const out = [border(widths, '┌', '┬', '┐'), line(header, widths, aligns, options.color === true)]
  out.push(border(widths, '├', '┼', '┤'))
  body.forEach((cells, r) => out.push(line(cells, widths, cellAligns[r] ?? [])))
  out.push(border(widths, '└', '┴', '┘'))
  const hidden = columns.slice(widths.length)
  if (hidden.length > 0) {
    const names = hidden.map((column) => terminalText(column)).join(', ')
    const noun = hidden.length === 1 ? 'column' : 'columns'
    out.push(truncateToWidth(`(${hidden.length} more ${noun} not shown: ${names})`, width) + '\n')
  }
  return out.join('')
}

/**
 * Terminal table output.
 *
 * @example
 * render('table', [{ key: 'QA-1', points: 3 }], { width: 40 })
 * // ┌──────┬────────┐
 * // │ key  │ points │
 * // ├──────┼────────┤
 * // │ QA-1 │      3 │
 * // └──────┴────────┘
 */
export const tableFormat = wholeFormat(
  // Downloaded, the table is plain text (at DEFAULT_WIDTH, without colour).
  { name: 'table', label: 'Text', mediaType: 'text/plain; charset=utf-8', extension: 'txt' },
  renderTable,
)
