/** Shared inputs for the converter tests: the guide's converter and small Jira pages. */
import { ConverterError } from '../../src/convert/index.js'
import type { ConverterPool } from '../../src/convert/index.js'
import type { ConvertInput } from '../../src/convert/index.js'

/** The guide's converter, verbatim (docs/architecture.md, "The guide Quarry replaces"). */
export const EXAMPLE_CONVERTER = `function convert(json) {
  const parsed = JSON.parse(json);
  return parsed['issues'].map(issue => ({
    'Issue Key': issue.key,
    'Description': issue.fields.description,
  }));
}`

/** Small limits keep the failure tests fast. */
export const FAST_LIMITS = { timeoutMs: 200, memoryMb: 16 }

export const doc = (text: string): unknown => ({
  version: 1,
  type: 'doc',
  content: [{ type: 'paragraph', content: [{ type: 'text', text }] }],
})

/** A search/jql page with issues `KEY-from` … `KEY-(from + count - 1)`. */
export function searchPage(from: number, count: number, isLast = true): string {
  const issues = Array.from({ length: count }, (_, i) => ({
    id: String(10_000 + from + i),
    key: `DEMO-${from + i}`,
    fields: { summary: `Issue ${from + i}`, description: doc(`About ${from + i}`) },
  }))
  return JSON.stringify(isLast ? { issues, isLast } : { issues, isLast, nextPageToken: `t${from}` })
}

export function input(
  source: string,
  pages: readonly string[] = ['{}'],
  extra: Partial<ConvertInput> = {},
): ConvertInput {
  return { source, pages, metadata: { query: 'test', parameters: {} }, limits: FAST_LIMITS, ...extra }
}

/** Runs and returns the rows, parsed. */
export async function rowsOf(
  pool: ConverterPool,
  source: string,
  pages?: readonly string[],
): Promise<unknown[]> {
  const result = await pool.run(input(source, pages))
  const rows = JSON.parse(result.rowsJson) as unknown[]
  if (rows.length !== result.rowCount) throw new Error(`rowCount ${result.rowCount} but ${rows.length} rows`)
  return rows
}

/** Runs a converter that must fail, and returns its error. */
export async function failureOf(pool: ConverterPool, run: ConvertInput): Promise<ConverterError> {
  try {
    await pool.run(run)
  } catch (error) {
    if (error instanceof ConverterError) return error
    throw error
  }
  throw new Error('the converter was expected to fail')
}
