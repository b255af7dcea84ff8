/**
 * The sandbox helpers, evaluated in this process for trusted callers (the
 * default converter, tests): one implementation of the ADF and date
 * renderers, whichever side of the sandbox uses it. The sources are ours, not
 * a user's, so evaluating them here is safe.
 */
import { ADF_SOURCE } from './adf-source.js'
import { DATE_SOURCE } from './date-source.js'

export interface AdfRenderers {
  readonly adfToText: (adf: unknown) => string
  readonly adfToMarkdown: (adf: unknown) => string
  readonly adfToHtml: (adf: unknown) => string
}

export interface DateHelpers {
  readonly formatDate: (value: unknown, pattern?: string, timeZone?: string) => string
  /** PocketQuery.formatDate: moment.js pattern tokens. */
  readonly formatMoment: (value: unknown, pattern?: string) => string
}

/**
 * ADF → text, Markdown, HTML, exactly as converters see them.
 *
 * @example adf.adfToText({ type: 'doc', version: 1, content: [] }) // ''
 */
export const adf = new Function(ADF_SOURCE)() as AdfRenderers

/**
 * `formatDate` and `PocketQuery.formatDate` (`formatMoment`), exactly as converters see them.
 *
 * @example dates.formatDate('2026-01-15T10:30:00.000+0000') // '2026-01-15 10:30'
 */
export const dates = new Function(DATE_SOURCE)() as DateHelpers
