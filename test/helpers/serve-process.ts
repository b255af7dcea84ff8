import { serveQuarry, stopProcess, type QuarryServer } from './quarry-process.mjs'
import { TEST_SECRET_KEY } from './engine.js'

/** A `quarry serve` process of its own (the built CLI), on a free loopback port. */
export type ServeProcess = QuarryServer

/**
 * Starts `quarry serve` on `databaseUrl` with the tests' secret key and resolves once it listens:
 * for tests of several servers on one store.
 *
 * @example
 * const server = await serveProcess({ databaseUrl: schema.url, dataDir })
 */
export function serveProcess(target: { databaseUrl: string; dataDir: string }): Promise<ServeProcess> {
  return serveQuarry({ ...target, secretKey: TEST_SECRET_KEY })
}

export { stopProcess }
