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
    const value = JSON.stringify(origins)
    return this.#context.run('settings.setEmbedOrigins', 'write', async () => {
      await this.#context.db
        .insertInto('meta')
        .values({ key: EMBED_ORIGINS_KEY, value })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
        .execute()
    })
  }
}
