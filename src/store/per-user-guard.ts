import type { Kysely } from 'kysely'
import { StoreError } from './errors.js'
import { fromJsonText, type Database } from './schema.js'

/*
 * A public query cannot run on a per-user datasource (issue 15): an anonymous visitor has no account
 * of their own to run it with, and running it with someone else's would show that person's data to
 * everyone. Checked in the store, inside the transaction of the write, so that neither order of two
 * concurrent edits (make the query public, make its datasource per-user) lets the pair through.
 */

/** Whether a datasource's stored config (JSON the store otherwise leaves alone) says per-user. */
export function isPerUserConfig(config: unknown): boolean {
  return (
    typeof config === 'object' &&
    config !== null &&
    (config as { connectionMode?: unknown }).connectionMode === 'per-user'
  )
}

function isPublicDefinition(definition: unknown): boolean {
  const visibility = (definition as { visibility?: { public?: unknown } } | null)?.visibility
  return visibility?.public === true
}

function publicPerUser(query: string, datasource: string, because: string): StoreError {
  return new StoreError(
    'QUARRY_PUBLIC_PER_USER',
    `Query "${query}" is public and datasource "${datasource}" runs per user (each person with their own ` +
      `account): ${because} Make the query not public (visibility), or set the datasource's connection mode to shared.`,
  )
}

/**
 * Refuses a saved query that is public on a per-user datasource.
 *
 * @example await refusePublicOnPerUser(tx, { name: 'open-bugs', datasource: 'jira', definition })
 */
export async function refusePublicOnPerUser(
  tx: Kysely<Database>,
  query: { readonly name: string; readonly datasource: string; readonly definition: unknown },
): Promise<void> {
  if (!isPublicDefinition(query.definition)) return
  const row = await tx
    .selectFrom('datasources')
    .select('config')
    .where('name', '=', query.datasource)
    .executeTakeFirst()
  if (row !== undefined && isPerUserConfig(fromJsonText(row.config)))
    throw publicPerUser(query.name, query.datasource, 'an anonymous visitor has no account to run it with.')
}

/**
 * Refuses making a datasource per-user while public queries use it; names the first such query.
 *
 * @example await refusePerUserWithPublicQueries(tx, 'jira', { connectionMode: 'per-user', … })
 */
export async function refusePerUserWithPublicQueries(
  tx: Kysely<Database>,
  datasource: string,
  config: unknown,
): Promise<void> {
  if (!isPerUserConfig(config)) return
  const rows = await tx
    .selectFrom('queries')
    .select(['name', 'definition'])
    .where('datasource', '=', datasource)
    .execute()
  const names = rows
    .filter((row) => isPublicDefinition(fromJsonText(row.definition)))
    .map((row) => row.name)
    .sort()
  const first = names[0]
  if (first !== undefined) {
    throw publicPerUser(
      first,
      datasource,
      `switching the datasource to per-user would leave ${names.length === 1 ? 'it' : `it (and ${names.length - 1} more public queries)`} with no account to run for anonymous visitors.`,
    )
  }
}
