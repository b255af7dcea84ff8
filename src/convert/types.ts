import type { ConvertLimits } from './limits.js'

/** One converter run: the converter's source and the pages it turns into rows. */
export interface ConvertInput {
  /** The converter's JavaScript; it must define `function convert(json, metadata)`. */
  readonly source: string
  /** Raw response texts, in page order. Each page is passed to `convert` on its own. */
  readonly pages: readonly string[]
  /** Given to `convert` as its second argument, e.g. `{ query: 'open-bugs', parameters: { project: 'DEMO' } }`; must be JSON-serialisable. */
  readonly metadata: Readonly<Record<string, unknown>>
  readonly limits?: Partial<ConvertLimits>
}

/** All rows of a run, as one JSON array text (rows never cross a boundary as objects: copying them costs 3×). */
export interface ConvertResult {
  readonly rowsJson: string
  readonly rowCount: number
}
