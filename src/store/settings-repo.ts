import type { StoreContext } from './context.js'
import type { SettingsRepo } from './types.js'

/** The meta row holding the embed origins an admin listed (a JSON array of origin strings). */
const EMBED_ORIGINS_KEY = 'setting:embed_origins'

/**
 * Server settings an admin changes while the server runs, shared by every server process on the
 * store. They live in the `meta` key/value table (each a JSON value under a `setting:` key), so a
 * new setting needs no migration. Values are checked by the caller (the server's routes).
 */
export class SqlSettingsRepo implements SettingsRepo {
  readonly #context: StoreContext

  constructor(context: StoreContext) {
    this.#context = context
  }

  async embedOrigins(): Promise<readonly string[]> {
    return this.#context.run('settings.embedOrigins', 'read', async () => {
      const row = await this.#context.db
        .selectFrom('meta')
        .select('value')
        .where('key', '=', EMBED_ORIGINS_KEY)
        .executeTakeFirst()
      const value: unknown = row === undefined ? [] : JSON.parse(row.value)
      return Object.freeze(Array.isArray(value) ? value.filter((item) => typeof item === 'string') : [])
    })
  }

  async setEmbedOrigins(origins: readonly string[]): Promise<void> {
    await this.#write('settings.setEmbedOrigins', EMBED_ORIGINS_KEY, origins)
  }

  /**
   * Stores one setting and records the change in the audit log, in one transaction. The audit entry
   * names the setting without its `setting:` prefix; fields named like secrets (a password) are masked.
   */
  async #write(operation: string, key: string, value: unknown): Promise<void> {
    const text = JSON.stringify(value)
    await this.#context.audited(operation, async (tx, record) => {
      const old = await tx.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst()
      await tx
        .insertInto('meta')
        .values({ key, value: text })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: text }))
        .execute()
      await record({
        kind: 'setting',
        object: key.replace(/^setting:/, ''),
        action: 'update',
        before: old === undefined ? undefined : { value: JSON.parse(old.value) as unknown },
        after: { value },
      })
    })
  }
}
