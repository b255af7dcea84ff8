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
  /**
   * Where these pages stand in the caller's whole result, for `metadata.page` and `metadata.pages`
   * and for failures, which name the page: `first` is the index of `pages[0]`, `total` the pages
   * in the whole result, `null` while not known (a paginated REST query converts each page as it
   * arrives, before it knows which is the last). Without it: the pages of this run, from 0.
   */
  readonly position?: PagePosition
}

/** A run's pages within a larger result: see ConvertInput's `position`. */
export interface PagePosition {
  readonly first: number
  readonly total: number | null
}

/** All rows of a run, as one JSON array text (rows never cross a boundary as objects: copying them costs 3×). */
export interface ConvertResult {
  readonly rowsJson: string
  readonly rowCount: number
}
