import type { StoreContext } from './context.js'
import { decodeUser, digest } from './account-repo.js'
import { fromDbTime, toDbTime } from './schema.js'
import type { ConsentState, SessionRepo, StoredSession } from './types.js'

/**
 * Browser state that must survive a restart and be shared by every server process on one store:
 * sessions (by the digest of the cookie) and OAuth consent attempts in flight (by the digest of the
 * state parameter, tied to the session that started them).
 */
export class SqlSessionRepo implements SessionRepo {
  readonly #context: StoreContext

  constructor(context: StoreContext) {
    this.#context = context
  }

  async create(id: string, user: string, csrfToken: string, now: Date, expiresAt: Date): Promise<void> {
    return this.#context.run('sessions.create', 'write', async () => {
      await this.#context.db
        .insertInto('sessions')
        .values({
          id_hash: digest(id),
          user_name: user,
          csrf_token: csrfToken,
          created_at: toDbTime(now, 'now'),
          expires_at: toDbTime(expiresAt, 'expiresAt'),
        })
        .execute()
    })
  }

  async get(id: string, now: Date): Promise<StoredSession | undefined> {
    return this.#context.run('sessions.get', 'read', async () => {
      // The user comes along: every signed-in request needs both, in one round trip.
      const row = await this.#context.db
        .selectFrom('sessions')
        .innerJoin('users', 'users.name', 'sessions.user_name')
        .selectAll('users')
        .select(['sessions.id_hash', 'sessions.csrf_token', 'sessions.expires_at'])
        .where('sessions.id_hash', '=', digest(id))
        .where('sessions.expires_at', '>', toDbTime(now, 'now'))
        .executeTakeFirst()
      if (row === undefined) return undefined
      return Object.freeze({
        idHash: row.id_hash,
        user: decodeUser(row),
        csrfToken: row.csrf_token,
        expiresAt: fromDbTime(row.expires_at),
      })
    })
  }

  async remove(id: string): Promise<void> {
    return this.#context.run('sessions.remove', 'write', async () => {
      await this.#context.db.deleteFrom('sessions').where('id_hash', '=', digest(id)).execute()
    })
  }

  async purgeExpired(now: Date): Promise<void> {
    const at = toDbTime(now, 'now')
    return this.#context.run('sessions.purge', 'write', async () => {
      await this.#context.db.deleteFrom('sessions').where('expires_at', '<=', at).execute()
      await this.#context.db.deleteFrom('consent_states').where('expires_at', '<=', at).execute()
    })
  }

  async saveConsent(state: string, consent: ConsentState, expiresAt: Date): Promise<void> {
    const details = this.#context.box.encrypt(JSON.stringify(consent.details), `consent:${digest(state)}`)
    return this.#context.run('consent.save', 'write', async () => {
      await this.#context.db
        .insertInto('consent_states')
        .values({
          state_hash: digest(state),
          session_hash: consent.sessionHash,
          datasource: consent.datasource,
          details,
          expires_at: toDbTime(expiresAt, 'expiresAt'),
        })
        .execute()
    })
  }

  async takeConsent(state: string, now: Date): Promise<ConsentState | undefined> {
    const hash = digest(state)
    // Taken once: deleting it first means a replayed callback finds nothing.
    const row = await this.#context.run('consent.take', 'write', async () => {
      return this.#context.db
        .deleteFrom('consent_states')
        .where('state_hash', '=', hash)
        .where('expires_at', '>', toDbTime(now, 'now'))
        .returningAll()
        .executeTakeFirst()
    })
    if (row === undefined) return undefined
    return {
      sessionHash: row.session_hash,
      datasource: row.datasource,
      details: JSON.parse(
        this.#context.box.decrypt(row.details, `consent:${hash}`, 'a consent state'),
      ) as Record<string, string>,
    }
  }
}
