import type { StoreContext } from './context.js'
import { toDbTime } from './schema.js'
import type { LeaseRepo } from './types.js'

/**
 * Named leases: "this process does job X until T". Several servers on one store take the keep-alive
 * lease in turn, so the job runs once, not once per process. Taking is one conditional statement, so
 * two processes cannot both win; a holder that dies loses the lease when it expires.
 */
export class SqlLeaseRepo implements LeaseRepo {
  readonly #context: StoreContext

  constructor(context: StoreContext) {
    this.#context = context
  }

  async take(name: string, holder: string, now: Date, until: Date): Promise<boolean> {
    const at = toDbTime(now, 'now')
    const expires = toDbTime(until, 'until')
    return this.#context.run('leases.take', 'write', async () => {
      const row = await this.#context.db
        .insertInto('leases')
        .values({ name, holder, expires_at: expires })
        .onConflict((oc) =>
          oc
            .column('name')
            .doUpdateSet({ holder, expires_at: expires })
            .where((eb) => eb.or([eb('leases.expires_at', '<=', at), eb('leases.holder', '=', holder)])),
        )
        .returning('holder')
        .executeTakeFirst()
      return row?.holder === holder
    })
  }
}
