import { z } from 'zod'
import { nameSchema } from './name.js'
import { TemplateSchema, type Template } from './query.js'

/**
 * The converter and template libraries (issue 13): named converters and templates that several
 * queries use by name, as in PocketQuery, where converters and templates are entities of their own
 * and a query refers to one. Editing a named one changes every query that uses it; one in use cannot
 * be deleted. Their names follow the datasource and query names' rule (name-rules.ts).
 */

/** The longest converter source (as a query's inline converter has no cap, this is generous). */
export const CONVERTER_SOURCE_MAX = 1_000_000

const description = z.string().max(2000)

/**
 * A named converter: PocketQuery's `function convert(json, metadata)`.
 *
 * @example NamedConverterSchema.parse({ name: 'issue-rows', source: 'function convert(json) { return JSON.parse(json).issues }' })
 */
export const NamedConverterSchema = z.object({
  name: nameSchema,
  description: description.optional(),
  source: z.string().min(1, 'a converter needs its source').max(CONVERTER_SOURCE_MAX),
})
export type NamedConverter = z.infer<typeof NamedConverterSchema>

/**
 * A named template: one of the template kinds a query's inline template may be (table, liquid, chart,
 * vega-lite, velocity), with a name and a description.
 *
 * @example NamedTemplateSchema.parse({ name: 'bugs', template: { type: 'liquid', source: '{{ rows.size }}' } })
 */
export const NamedTemplateSchema = z.object({
  name: nameSchema,
  description: description.optional(),
  template: TemplateSchema,
})
export type NamedTemplate = z.infer<typeof NamedTemplateSchema>

/** A named converter or template as the store and the API hand it out: with when it last changed and who uses it. */
export interface LibraryEntry {
  readonly name: string
  readonly description: string | null
  readonly updatedAt: string
  /** The queries that use it, by name. */
  readonly usedBy: readonly string[]
}

export type ConverterEntry = LibraryEntry & { readonly source: string }
export type TemplateEntry = LibraryEntry & { readonly template: Template }
