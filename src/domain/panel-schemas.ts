import { z } from 'zod'
import {
  DATE_TOKENS,
  DURATION_UNITS,
  NUMBER_UNITS,
  PANEL_COLORS,
  STAT_REDUCERS,
  STATUS_CATEGORIES,
  TABLE_PAGE_SIZE,
} from './panel-choices.js'

/**
 * The settings of the stat panel and of the table panel's columns (issue 17), parsed where a
 * template comes in (TemplateSchema in query.ts). New objects are strict, so a misspelt setting
 * (`pagesize`, `time_zone`) is named in the error instead of being dropped without a word.
 */

export const columnName = z.string().min(1).max(256)

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

// A pattern is tokens (DATE_TOKENS) and literal text; letters outside a token must be quoted ('at').
const DATE_PATTERN_PIECE = new RegExp(`${[...DATE_TOKENS].join('|')}|'[^']*'|[^A-Za-z']`, 'g')

function isDatePattern(pattern: string): boolean {
  return pattern.replace(DATE_PATTERN_PIECE, '') === ''
}

const decimals = z.number().int().min(0).max(10)
const currency = z
  .string()
  .regex(/^[A-Z]{3}$/, { error: 'use a three-letter ISO 4217 code such as EUR or USD' })

/** How numbers are written: a unit, decimals, and the currency for `currency`. */
const numberSettings = {
  unit: z.enum(NUMBER_UNITS).optional(),
  decimals: decimals.optional(),
  currency: currency.optional(),
}

function currencyNeeded(
  value: { unit?: string | undefined; currency?: string | undefined },
  ctx: z.RefinementCtx,
) {
  if (value.unit === 'currency' && value.currency === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['currency'],
      message: 'the unit currency needs a currency, e.g. "EUR"',
    })
  }
}

/**
 * A link's URL template: `{value}` is the cell, `{Column Name}` another column of the row, each
 * URL-encoded. It must start with http:// or https:// — or be a `{…}` placeholder whose value is
 * checked as a URL when the cell is drawn (a `javascript:` value is never a link).
 */
const urlTemplate = z
  .string()
  .min(1)
  .max(2000)
  .refine((url) => /^https?:\/\//i.test(url) || /^\{[^{}]+\}/.test(url), {
    error: 'a link URL must start with https:// or http:// (or be a {column} holding such a URL)',
  })

export const ColumnFormatSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text') }),
  z.strictObject({
    type: z.literal('date'),
    /** Tokens yyyy yy MMMM MMM MM dd HH mm ss SSS EEE zzz; other letters in quotes. Default `yyyy-MM-dd HH:mm`. */
    pattern: z
      .string()
      .min(1)
      .max(100)
      .refine(isDatePattern, {
        error: `a date pattern is made of ${DATE_TOKENS.join(' ')} and other characters; quote letters ('at')`,
      })
      .optional(),
    /** An IANA time zone (Europe/Berlin); default UTC. */
    timeZone: z
      .string()
      .refine(isTimeZone, { error: 'use an IANA time zone such as UTC or Europe/Berlin' })
      .optional(),
  }),
  z.strictObject({ type: z.literal('number'), ...numberSettings }).superRefine(currencyNeeded),
  z.strictObject({ type: z.literal('duration'), unit: z.enum(DURATION_UNITS).optional() }),
  z.strictObject({
    type: z.literal('link'),
    url: urlTemplate,
    /** The link's text, with the same placeholders; default the cell's value. */
    text: z.string().min(1).max(500).optional(),
  }),
  z.strictObject({
    type: z.literal('jira-key'),
    /** The Jira Cloud site, when the datasource does not say (https://acme.atlassian.net). */
    site: z
      .string()
      .regex(/^https?:\/\/[^/?#\s]+\/?$/i, { error: 'use the site only, e.g. https://acme.atlassian.net' })
      .optional(),
  }),
  z.strictObject({
    type: z.literal('status'),
    /** A column holding each row's status category key (Jira's statusCategory.key). */
    categoryColumn: columnName.optional(),
    /** Status names and their category, for names the defaults do not know. */
    categories: z.record(z.string().min(1).max(200), z.enum(STATUS_CATEGORIES)).optional(),
  }),
])
export type ColumnFormat = z.infer<typeof ColumnFormatSchema>

export const TableColumnSchema = z.strictObject({
  column: columnName,
  /** The header's text; default the column's name. */
  label: z.string().min(1).max(200).optional(),
  hidden: z.boolean().optional(),
  format: ColumnFormatSchema.optional(),
})
export type TableColumn = z.infer<typeof TableColumnSchema>

/** The table panel's settings; `{ type: 'table' }` alone is the table every query had before. */
export const tableSettings = {
  /** Listed columns come first, in this order; the others follow as the result has them. */
  columns: z.array(TableColumnSchema).max(500).optional(),
  /** Only the listed columns are shown. */
  onlyListed: z.boolean().optional(),
  /** Rows per page (the view pages in the browser; no request per page). */
  pageSize: z.number().int().min(TABLE_PAGE_SIZE.min).max(TABLE_PAGE_SIZE.max).optional(),
}

export const ThresholdSchema = z.strictObject({
  /** From this value up (inclusive) the stat takes the colour, until the next threshold. */
  from: z.number(),
  color: z.enum(PANEL_COLORS),
})

/** The stat panel: one number (or text) from the rows. */
export const StatTemplateSchema = z
  .strictObject({
    type: z.literal('stat'),
    column: columnName.optional(),
    aggregate: z.enum(STAT_REDUCERS).optional(),
    label: z.string().max(200).optional(),
    ...numberSettings,
    /** The colour below every threshold (and for text values). */
    color: z.enum(PANEL_COLORS).optional(),
    thresholds: z.array(ThresholdSchema).max(20).optional(),
  })
  .superRefine((stat, ctx) => {
    if (stat.column === undefined && stat.aggregate !== 'count') {
      ctx.addIssue({
        code: 'custom',
        path: ['column'],
        message: `name the column whose ${stat.aggregate ?? 'first'} value the stat shows (only aggregate "count" needs none)`,
      })
    }
    currencyNeeded(stat, ctx)
  })
