import { createHash } from 'node:crypto'
import type { Selectable } from 'kysely'
import type { StoreContext } from './context.js'
import { StoreError } from './errors.js'
import {
  fromDbTime,
  fromDbTimeOrNull,
  toDbTime,
  toDbTimeOrNull,
  type ApiTokensTable,
  type UsersTable,
} from './schema.js'
import { isUniqueViolation } from './sql-errors.js'
import type {
  AccountRepo,
  ApiTokenInfo,
  NewApiToken,
  Role,
  StoredUser,
  TokenHolder,
  TokenScope,
  UserInput,
  UserPatch,
} from './types.js'

/** SHA-256 in hex: how bearer secrets (session ids, API tokens, states) are looked up without storing them. */
export function digest(secret: string): string {
  return createHash('sha256').update(secret).digest('hex')
}

/**
 * A setup token's `meta` key: one per token (`setup:sha256:HEX`), so each server that starts on a store
 * without users adds its link instead of replacing another's (two servers starting at once each print
 * one, and both must work). Before that, one row held the only token under `setup_token_sha256`.
 */
const SETUP_PREFIX = 'setup:sha256:'
const LEGACY_SETUP_KEY = 'setup_token_sha256'
/** How finely an API token's last use is recorded. */
const TOKEN_USE_RESOLUTION_MS = 60_000

function userNotFound(name: string): StoreError {
  return new StoreError('QUARRY_USER_NOT_FOUND', `No user named "${name}".`)
}

/**
 * People who sign in to the server, their API tokens, and the first-run setup token. Passwords arrive
 * already hashed (the store never sees one in clear); tokens are kept as SHA-256 digests.
 */
export class SqlAccountRepo implements AccountRepo {
  readonly #context: StoreContext

  constructor(context: StoreContext) {
    this.#context = context
  }

  async countUsers(): Promise<number> {
    return this.#context.run('users.count', 'read', async () => {
      const row = await this.#context.db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .executeTakeFirstOrThrow()
      return Number(row.n)
    })
  }

  async listUsers(): Promise<StoredUser[]> {
    return this.#context.run('users.list', 'read', async () => {
      const rows = await this.#context.db.selectFrom('users').selectAll().orderBy('name').execute()
      return rows.map(decodeUser)
    })
  }

  async getUser(name: string): Promise<StoredUser | undefined> {
    return this.#context.run('users.get', 'read', async () => {
      const row = await this.#context.db
        .selectFrom('users')
        .selectAll()
        .where('name', '=', name)
        .executeTakeFirst()
      return row === undefined ? undefined : decodeUser(row)
    })
  }

  async createUser(input: UserInput): Promise<StoredUser> {
    const now = toDbTime(new Date(), 'now')
    try {
      return await this.#context.audited('users.create', async (tx, record) => {
        const row = await tx
          .insertInto('users')
          .values({
            name: input.name,
            password_hash: input.passwordHash,
            role: input.role,
            groups: JSON.stringify(input.groups),
            created_at: now,
            updated_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow()
        const created = decodeUser(row)
        await record({ kind: 'user', object: created.name, action: 'create', after: auditedUser(created) })
        return created
      })
    } catch (error) {
      if (isUniqueViolation(error))
        throw new StoreError('QUARRY_USER_EXISTS', `A user named "${input.name}" exists already.`)
      throw error
    }
  }

  async updateUser(name: string, patch: UserPatch): Promise<StoredUser> {
    const changes = {
      ...(patch.passwordHash === undefined ? {} : { password_hash: patch.passwordHash }),
      ...(patch.role === undefined ? {} : { role: patch.role }),
      ...(patch.groups === undefined ? {} : { groups: JSON.stringify(patch.groups) }),
      updated_at: toDbTime(new Date(), 'now'),
    }
    return this.#context.audited('users.update', async (trx, record) => {
      const old = await trx.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst()
      const row = await trx
        .updateTable('users')
        .set(changes)
        .where('name', '=', name)
        .returningAll()
        .executeTakeFirst()
      if (old === undefined || row === undefined) throw userNotFound(name)
      const updated = decodeUser(row)
      await record({
        kind: 'user',
        object: name,
        action: 'update',
        before: auditedUser(decodeUser(old)),
        after: auditedUser(updated),
      })
      // A new password ends every way in the old one opened: sessions and API tokens.
      if (patch.passwordHash !== undefined) {
        await trx.deleteFrom('sessions').where('user_name', '=', name).execute()
        const tokens = await trx
          .deleteFrom('api_tokens')
          .where('user_name', '=', name)
          .returningAll()
          .execute()
        for (const token of tokens) {
          await record({
            kind: 'token',
            object: token.id,
            action: 'remove',
            before: auditedToken(decodeToken(token)),
          })
        }
      }
      return updated
    })
  }

  async removeUser(name: string): Promise<void> {
    return this.#context.audited('users.remove', async (tx, record) => {
      const old = await tx.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst()
      const result = await tx.deleteFrom('users').where('name', '=', name).executeTakeFirst()
      if (old === undefined || result.numDeletedRows === 0n) throw userNotFound(name)
      // Their sessions and tokens go with them (ON DELETE CASCADE); the user's entry says so. Their own
      // connections of per-user datasources (issue 15) have no foreign key ('' is the shared one): they
      // go here, in the same transaction, so no grant outlives its person.
      const connections = await tx
        .deleteFrom('connections')
        .where('user_name', '=', name)
        .where('user_name', '<>', '')
        .returning('datasource')
        .execute()
      await record({ kind: 'user', object: name, action: 'remove', before: auditedUser(decodeUser(old)) })
      for (const { datasource } of connections)
        await record({ kind: 'connection', object: `${datasource}/${name}`, action: 'disconnect' })
    })
  }

  async createApiToken(token: NewApiToken): Promise<ApiTokenInfo> {
    const now = toDbTime(new Date(), 'now')
    return this.#context.audited('apiTokens.create', async (tx, record) => {
      const row = await tx
        .insertInto('api_tokens')
        .values({
          id: token.id,
          user_name: token.user,
          name: token.name,
          token_hash: digest(token.token),
          scope: token.scope,
          created_at: now,
          expires_at: toDbTimeOrNull(token.expiresAt, 'expiresAt'),
          last_used_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow()
      const created = decodeToken(row)
      await record({ kind: 'token', object: created.id, action: 'create', after: auditedToken(created) })
      return created
    })
  }

  async listApiTokens(user: string): Promise<ApiTokenInfo[]> {
    return this.#context.run('apiTokens.list', 'read', async () => {
      const rows = await this.#context.db
        .selectFrom('api_tokens')
        .selectAll()
        .where('user_name', '=', user)
        .orderBy('created_at')
        .execute()
      return rows.map(decodeToken)
    })
  }

  async removeApiToken(user: string, id: string): Promise<boolean> {
    return this.#context.audited('apiTokens.remove', async (tx, record) => {
      const removed = await tx
        .deleteFrom('api_tokens')
        .where('id', '=', id)
        .where('user_name', '=', user)
        .returningAll()
        .execute()
      for (const token of removed) {
        await record({
          kind: 'token',
          object: token.id,
          action: 'remove',
          before: auditedToken(decodeToken(token)),
        })
      }
      return removed.length > 0
    })
  }

  async tokenHolder(token: string, now: Date): Promise<TokenHolder | undefined> {
    const hash = digest(token)
    const found = await this.#context.run('apiTokens.find', 'read', async () => {
      const row = await this.#context.db
        .selectFrom('api_tokens')
        .innerJoin('users', 'users.name', 'api_tokens.user_name')
        .selectAll('users')
        .select([
          'api_tokens.last_used_at',
          'api_tokens.scope',
          'api_tokens.expires_at',
          'api_tokens.name as token_name',
        ])
        .where('api_tokens.token_hash', '=', hash)
        .executeTakeFirst()
      return row === undefined
        ? undefined
        : {
            holder: Object.freeze({
              user: decodeUser(row),
              tokenName: row.token_name,
              scope: row.scope as TokenScope,
              expiresAt: fromDbTimeOrNull(row.expires_at),
            }),
            lastUsedAt: fromDbTimeOrNull(row.last_used_at),
          }
    })
    if (found === undefined) return undefined
    const { holder, lastUsedAt } = found
    if (holder.expiresAt !== null && holder.expiresAt.getTime() <= now.getTime()) return holder
    // A script calling in a loop must not make every request a write: the use is recorded to the minute.
    if (lastUsedAt === null || now.getTime() - lastUsedAt.getTime() >= TOKEN_USE_RESOLUTION_MS) {
      await this.#context.run('apiTokens.used', 'write', async () => {
        await this.#context.db
          .updateTable('api_tokens')
          .set({ last_used_at: toDbTime(now, 'now') })
          .where('token_hash', '=', hash)
          .execute()
      })
    }
    return holder
  }

  async setSetupToken(token: string): Promise<void> {
    const value = digest(token)
    return this.#context.run('setup.set', 'write', async () => {
      await this.#context.db
        .insertInto('meta')
        .values({ key: `${SETUP_PREFIX}${value}`, value })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute()
    })
  }

  async takeSetupToken(token: string): Promise<boolean> {
    return this.#context.run('setup.take', 'write', async () => {
      // One statement takes every setup token if this one is among them: of two setups racing with
      // two different links, one deletes the rows and the other finds none left, so one admin is made.
      const result = await this.#context.db
        .deleteFrom('meta')
        .where((eb) => eb.or([eb('key', 'like', `${SETUP_PREFIX}%`), eb('key', '=', LEGACY_SETUP_KEY)]))
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('meta as given')
              .select('given.key')
              .where('given.key', '=', `${SETUP_PREFIX}${digest(token)}`),
          ),
        )
        .executeTakeFirst()
      return result.numDeletedRows > 0n
    })
  }
}

/** A user as the audit log sees it: the password hash only as "changed" (AUDIT_KINDS masks it). */
function auditedUser(user: StoredUser) {
  return { role: user.role, groups: [...user.groups], password: user.passwordHash }
}

/** An API token as the audit log sees it: never its value or digest. */
function auditedToken(token: ApiTokenInfo) {
  return { user: token.user, name: token.name, scope: token.scope, expiresAt: token.expiresAt }
}

export function decodeUser(row: Selectable<UsersTable>): StoredUser {
  return Object.freeze({
    name: row.name,
    passwordHash: row.password_hash,
    role: row.role as Role,
    groups: Object.freeze(JSON.parse(row.groups) as string[]),
    createdAt: fromDbTime(row.created_at),
    updatedAt: fromDbTime(row.updated_at),
  })
}

function decodeToken(row: Selectable<ApiTokensTable>): ApiTokenInfo {
  return Object.freeze({
    id: row.id,
    user: row.user_name,
    name: row.name,
    scope: row.scope as TokenScope,
    createdAt: fromDbTime(row.created_at),
    expiresAt: fromDbTimeOrNull(row.expires_at),
    lastUsedAt: fromDbTimeOrNull(row.last_used_at),
  })
}
