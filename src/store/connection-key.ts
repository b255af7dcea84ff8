/** The user of a datasource's shared connection: the one every run uses unless the datasource is per-user. */
export const SHARED_CONNECTION = ''

/** Which connection: a datasource's shared one (user '') or one person's of a per-user datasource. */
export interface ConnectionKey {
  readonly datasource: string
  readonly user: string
}

/** How messages name a connection: `datasource "jira"`, or `datasource "jira" for user "alice"`. */
export function describeConnection(key: ConnectionKey): string {
  return key.user === SHARED_CONNECTION
    ? `datasource "${key.datasource}"`
    : `datasource "${key.datasource}" for user "${key.user}"`
}

/** How messages name a withLock call: `connections.withLock("jira")`, with the user when it is a person's. */
export function describeLockCall(key: ConnectionKey): string {
  return key.user === SHARED_CONNECTION
    ? `connections.withLock("${key.datasource}")`
    : `connections.withLock("${key.datasource}", user "${key.user}")`
}
