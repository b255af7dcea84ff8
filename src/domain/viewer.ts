/** The signed-in person a query runs for (issue 15). */
export interface Viewer {
  readonly name: string
  readonly email: string | null
  readonly groups: readonly string[]
}
