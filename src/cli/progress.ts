/** Where progress goes: standard error, or a stream a test reads. */
export interface ProgressOutput {
  readonly isTTY?: boolean
  readonly columns?: number
  write(text: string): unknown
}

/** What `quarry run` tells the progress line as a run goes. */
export interface Progress {
  /** Pages fetched so far. */
  page(pages: number): void
  /** Rows that came out of the converter, added to the count. */
  rows(count: number): void
  /** Clears the line (the run is over, however it ended). */
  done(): void
}

const CLEAR = '\r\u001b[2K'
const BAR = 12
const BLOCK = 3
/** How often the line is redrawn while nothing arrives, so the time moves. */
const TICK_MS = 250
/** Rows arrive in slices; the line is redrawn for them at most this often. */
const ROWS_REDRAW_MS = 100

/** `4.2s`, `1m 05s`, `1h 02m`: how long the run has taken. */
export function elapsedText(ms: number): string {
  const seconds = Math.floor(ms / 1000)
  if (seconds < 60) return `${(ms / 1000).toFixed(1)}s`
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`
  return `${Math.floor(seconds / 3600)}h ${String(Math.floor(seconds / 60) % 60).padStart(2, '0')}m`
}

/**
 * The line: a bar that moves while the run goes (how many pages there are is not known ahead),
 * then pages, rows and elapsed time, cut to the terminal's width.
 *
 * @example progressText(3, 2500, 4200, 0, 80) // '▕███         ▏ 3 pages · 2,500 rows · 4.2s'
 */
export function progressText(pages: number, rows: number, ms: number, frame: number, width: number): string {
  const span = BAR - BLOCK
  const at = frame % (2 * span)
  const start = at <= span ? at : 2 * span - at
  const bar = ' '.repeat(start) + '█'.repeat(BLOCK) + ' '.repeat(span - start)
  const text = `▕${bar}▏ ${pages.toLocaleString('en-US')} pages · ${rows.toLocaleString('en-US')} rows · ${elapsedText(ms)}`
  return [...text].slice(0, Math.max(width - 1, 0)).join('')
}

/**
 * A progress line on `output` for a run of several pages, only when a person is watching (a
 * terminal): from the second page on, redrawn as pages and rows arrive and as time passes, and
 * cleared at the end. On a pipe or a file it writes nothing.
 */
export function progressLine(output: ProgressOutput, now: () => number = Date.now): Progress {
  if (!output.isTTY) return { page: () => undefined, rows: () => undefined, done: () => undefined }
  const started = now()
  let pages = 0
  let rows = 0
  let frame = 0
  let drawnAt = 0
  let timer: NodeJS.Timeout | undefined
  const draw = () => {
    drawnAt = now()
    output.write(`${CLEAR}${progressText(pages, rows, drawnAt - started, frame++, output.columns || 80)}`)
  }
  return {
    page(count) {
      pages = count
      if (pages < 2) return
      if (timer === undefined) {
        timer = setInterval(draw, TICK_MS)
        // The line never keeps the process alive.
        timer.unref()
      }
      draw()
    },
    rows(count) {
      rows += count
      if (timer !== undefined && now() - drawnAt >= ROWS_REDRAW_MS) draw()
    },
    done() {
      if (timer === undefined) return
      clearInterval(timer)
      timer = undefined
      output.write(CLEAR)
    },
  }
}
