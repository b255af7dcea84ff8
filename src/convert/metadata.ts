/**
 * The `metadata` a converter receives: Quarry's names and PocketQuery's, side
 * by side, so converters written for either run unchanged (issue 13).
 */
import type { ParamValue } from '../domain/params.js'

/** A parameter's value as PocketQuery hands it over: text; a list is its items joined by commas. */
function asText(value: ParamValue): string {
  return typeof value === 'object' ? value.join(',') : String(value)
}

/**
 * Builds `{ query, parameters, queryName, queryParameters, originalQueryParameters }` (the pool
 * adds `page` and `pages`, from its input's `position`). `parameters` holds the values parsed by their
 * declared types; `queryParameters` and `originalQueryParameters` hold them as
 * text, the way PocketQuery passes them. PocketQuery's two differ only after
 * its wildcards (`:@space.key`) were replaced; Quarry has no wildcards, so
 * both hold the same text (two separate objects).
 *
 * @example converterMetadata('countries', { MinPopulation: 1000 }).queryParameters // { MinPopulation: '1000' }
 */
export function converterMetadata(
  query: string,
  parameters: Readonly<Record<string, ParamValue>>,
): Readonly<Record<string, unknown>> {
  const text: Record<string, string> = {}
  for (const [name, value] of Object.entries(parameters)) text[name] = asText(value)
  return {
    query,
    parameters,
    queryName: query,
    queryParameters: text,
    originalQueryParameters: { ...text },
  }
}
