import type { Kysely, Selectable } from 'kysely'
import type { StoreContext } from './context.js'
import { compare } from './datasource-repo.js'
import { StoreError } from './errors.js'
import { fromDbTime, toDbTime, type Database, type LibraryTable } from './schema.js'
import { isForeignKeyViolation, isUniqueViolation } from './sql-errors.js'
import type { LibraryInput, LibraryPatch, LibraryRepo, StoredLibraryItem } from './types.js'
import { dropVersions, moveVersions, saveVersion, SqlVersionRepo, versionNotFound } from './version-repo.js'

type Kind = LibraryRepo['kind']

const TABLE = { converter: 'converters', template: 'templates' } as const
/** The queries column that refers to an entry of each library. */
const COLUMN = { converter: 'converter_name', template: 'template_name' } as const
const CODE = {
  converter: {
    missing: 'QUARRY_CONVERTER_NOT_FOUND',
    taken: 'QUARRY_CONVERTER_EXISTS',
    used: 'QUARRY_CONVERTER_IN_USE',
  },
  template: {
    missing: 'QUARRY_TEMPLATE_NOT_FOUND',
    taken: 'QUARRY_TEMPLATE_EXISTS',
    used: 'QUARRY_TEMPLATE_IN_USE',
  },
} as const

/**
 * No named converter (or template) of that name.
 *
 * @example libraryNotFound('converter', 'rows').message // 'No converter named "rows". List them with: quarry converter list'
 */
export function libraryNotFound(kind: Kind, name: string): StoreError {
  return new StoreError(CODE[kind].missing, `No ${kind} named "${name}". List them with: quarry ${kind} list`)
}

function libraryExists(kind: Kind, name: string): StoreError {
  return new StoreError(
    CODE[kind].taken,
    `A ${kind} named "${name}" already exists. Choose another name, or edit the existing one.`,
  )
}

function inUse(kind: Kind, name: string, queries: readonly string[]): StoreError {
  const sorted = [...queries].sort(compare)
  const shown = sorted.slice(0, 10).map((query) => `"${query}"`)
  if (sorted.length > 10) shown.push(`and ${sorted.length - 10} more`)
  const count = sorted.length === 1 ? '1 query' : `${sorted.length} queries`
  return new StoreError(
    CODE[kind].used,
    `The ${kind} "${name}" is used by ${count}: ${shown.join(', ')}. Give those queries another ${kind} ` +
      `(or their own) first.`,
  )
}

/**
 * The converter library or the template library: named entries that queries refer to by name (a
 * foreign key from `queries`, so a rename follows and a delete in use is refused). Both tables have the
 * same columns; `kind` picks the table and the error codes.
 *
 * @example
 * const converters = new SqlLibraryRepo(context, 'converter')
 * await converters.create({ name: 'issue-rows', content: 'function convert(json) { return JSON.parse(json).issues }' })
 */
export class SqlLibraryRepo implements LibraryRepo {
  readonly kind: Kind
  readonly #context: StoreContext
  readonly #table: (typeof TABLE)[Kind]
  readonly #column: (typeof COLUMN)[Kind]

  constructor(context: StoreContext, kind: Kind) {
    this.kind = kind
    this.#context = context
    this.#table = TABLE[kind]
    this.#column = COLUMN[kind]
  }

  async list(): Promise<StoredLibraryItem[]> {
    return this.#context.run(`${this.#table}.list`, 'read', async () => {
      const rows = await this.#context.db.selectFrom(this.#table).selectAll().execute()
      const users = await this.#context.db
        .selectFrom('queries')
        .select(['name', this.#column])
        .where(this.#column, 'is not', null)
        .execute()
      const byName = new Map<string, string[]>()
      for (const user of users) {
        const used = user[this.#column] as string
        byName.set(used, [...(byName.get(used) ?? []), user.name])
      }
      return rows
        .map((row) => decode(row, byName.get(row.name) ?? []))
        .sort((a, b) => compare(a.name, b.name))
    })
  }

  async get(name: string): Promise<StoredLibraryItem | undefined> {
    return this.#context.run(`${this.#table}.get`, 'read', async () => {
      const row = await this.#context.db
        .selectFrom(this.#table)
        .selectAll()
        .where('name', '=', name)
        .executeTakeFirst()
      return row === undefined ? undefined : decode(row, await this.#users(name))
    })
  }

  async create(input: LibraryInput): Promise<StoredLibraryItem> {
    const now = toDbTime(new Date(), 'now')
    const values = {
      name: input.name,
      description: input.description ?? null,
      content: input.content,
      created_at: now,
      updated_at: now,
    }
    try {
      return await this.#context.audited(`${this.#table}.create`, async (tx, record, actor) => {
        const row = await tx.insertInto(this.#table).values(values).returningAll().executeTakeFirstOrThrow()
        const created = decode(row, [])
        const version = await saveVersion(tx, this.kind, created.name, versioned(created), actor)
        await record({
          kind: this.kind,
          object: created.name,
          action: 'create',
          after: versioned(created),
          version,
        })
        return created
      })
    } catch (error) {
      if (isUniqueViolation(error)) throw libraryExists(this.kind, input.name)
      throw error
    }
  }

  async update(name: string, patch: LibraryPatch): Promise<StoredLibraryItem> {
    return this.#save(`${this.#table}.update`, name, patch, 'update')
  }

  async revert(name: string, version: number): Promise<StoredLibraryItem> {
    const old = await new SqlVersionRepo(this.#context).get(this.kind, name, version)
    if (old === undefined) throw versionNotFound(this.kind, name, version)
    const { description, content } = old.definition as ReturnType<typeof versioned>
    return this.#save(`${this.#table}.revert`, name, { description, content }, 'revert')
  }

  /** An update or a revert: the row, a new version and the audit entry, in one transaction. */
  async #save(
    operation: string,
    name: string,
    patch: LibraryPatch,
    action: 'update' | 'revert',
  ): Promise<StoredLibraryItem> {
    const changes = {
      ...(patch.name === undefined ? {} : { name: patch.name }),
      ...(patch.description === undefined ? {} : { description: patch.description }),
      ...(patch.content === undefined ? {} : { content: patch.content }),
      updated_at: toDbTime(new Date(), 'now'),
    }
    try {
      return await this.#context.audited(operation, async (tx, record, actor) => {
        const old = await tx.selectFrom(this.#table).selectAll().where('name', '=', name).executeTakeFirst()
        if (old === undefined) throw libraryNotFound(this.kind, name)
        // One statement: a rename cascades to the queries that use it (ON UPDATE CASCADE).
        const row = await tx
          .updateTable(this.#table)
          .set(changes)
          .where('name', '=', name)
          .returningAll()
          .executeTakeFirst()
        if (row === undefined) throw libraryNotFound(this.kind, name)
        const updated = decode(row, await this.#users(row.name, tx))
        await moveVersions(tx, this.kind, name, updated.name)
        const version = await saveVersion(tx, this.kind, updated.name, versioned(updated), actor)
        await record({
          kind: this.kind,
          object: updated.name,
          action,
          before: { name, ...versioned(decode(old, [])) },
          after: { name: updated.name, ...versioned(updated) },
          version,
        })
        return updated
      })
    } catch (error) {
      if (isUniqueViolation(error) && patch.name !== undefined) throw libraryExists(this.kind, patch.name)
      throw error
    }
  }

  async remove(name: string): Promise<void> {
    try {
      await this.#context.audited(`${this.#table}.remove`, async (tx, record) => {
        const users = await tx.selectFrom('queries').select('name').where(this.#column, '=', name).execute()
        if (users.length > 0) {
          throw inUse(
            this.kind,
            name,
            users.map((row) => row.name),
          )
        }
        const old = await tx.selectFrom(this.#table).selectAll().where('name', '=', name).executeTakeFirst()
        const result = await tx.deleteFrom(this.#table).where('name', '=', name).executeTakeFirst()
        if (old === undefined || result.numDeletedRows === 0n) throw libraryNotFound(this.kind, name)
        await dropVersions(tx, this.kind, name)
        await record({ kind: this.kind, object: name, action: 'remove', before: versioned(decode(old, [])) })
      })
    } catch (error) {
      // A query that started using it in another process between the check and the delete: the
      // foreign key (ON DELETE RESTRICT) refused the delete.
      if (isForeignKeyViolation(error)) throw inUse(this.kind, name, await this.#users(name))
      throw error
    }
  }

  async #users(name: string, db: Kysely<Database> = this.#context.db): Promise<string[]> {
    const rows = await db.selectFrom('queries').select('name').where(this.#column, '=', name).execute()
    return rows.map((row) => row.name).sort(compare)
  }
}

/** What a version of a named converter or template keeps: its description and content. */
function versioned(item: StoredLibraryItem) {
  return { description: item.description, content: item.content }
}

function decode(row: Selectable<LibraryTable>, usedBy: readonly string[]): StoredLibraryItem {
  return Object.freeze({
    name: row.name,
    description: row.description,
    content: row.content,
    usedBy: Object.freeze([...usedBy].sort(compare)),
    createdAt: fromDbTime(row.created_at),
    updatedAt: fromDbTime(row.updated_at),
  })
}
