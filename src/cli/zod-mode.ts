import { z } from 'zod'

/**
 * Zod compiles each object schema into a function the first time it parses (`new Function`), which
 * pays off over thousands of parses and costs a one-shot command more than it saves: a cached
 * `quarry run` parses a handful of objects once each. So commands that run and exit parse without
 * compiling; the servers (`serve`, `demo`, `sim`) keep the compiled parsers. Zod reads the setting
 * when a schema is built, so main.ts imports this module before anything that builds one.
 * A query or datasource named like a server command only gets the servers' setting: speed, not behaviour.
 */
const SERVERS = new Set(['serve', 'demo', 'sim'])
if (!process.argv.slice(2).some((arg) => SERVERS.has(arg))) z.config({ jitless: true })
