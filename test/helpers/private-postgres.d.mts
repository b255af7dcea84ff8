/** A PostgreSQL cluster of one test's own (private-postgres.mjs). */
export interface PrivatePostgres {
  readonly url: string
  start(): Promise<void>
  stop(): Promise<void>
  close(): Promise<void>
}

export function postgresBinDir(): string
export function startPrivatePostgres(port: number): Promise<PrivatePostgres>
