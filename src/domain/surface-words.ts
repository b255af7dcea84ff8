/**
 * How a caller asks for something, in the words of the surface it uses (issue 11): messages written
 * below the CLI and the server name the CLI's flag to a terminal and the API's field over HTTP,
 * never one surface's words on the other.
 *
 * @example `These exist already (use ${words.replace} to overwrite)` // "--replace" or "\"replace\": true"
 */
export interface SurfaceWords {
  /** Overwrite what exists already instead of refusing or renaming. */
  readonly replace: string
}

export const CLI_WORDS: SurfaceWords = { replace: '--replace' }
export const API_WORDS: SurfaceWords = { replace: '"replace": true' }
