import type { ParamValue } from '../domain/params.js'
import type { BoundQuery } from './bind.js'
import type { EngineDeps } from './deps.js'
import type { ResultRows } from './result.js'

/** What a stage (REST or SQL) is given: a bound query, where its rows go, and how the run is watched. */
export interface StageInput<Bound extends BoundQuery> {
  readonly deps: EngineDeps
  readonly run: Bound
  /** The parameters' values, for the converter's metadata. */
  readonly values: ReadonlyMap<string, ParamValue>
  readonly rows: ResultRows
  /** Why results may be incomplete; the stage adds to it. */
  readonly notices: string[]
  /** Called after each page (or batch) arrives, with a REST page's text length. */
  readonly onPage?: ((pages: number, chars?: number) => void) | undefined
  readonly signal?: AbortSignal | undefined
  /** Whose connection a REST stage uses: '' for the shared one, the viewer's on a per-user datasource. */
  readonly user: string
}
