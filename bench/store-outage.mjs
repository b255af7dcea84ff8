// The store fails under load (issue 18, done-when 8): two `quarry serve` processes on a PostgreSQL
// cluster of their own, load of views, API runs and token refreshes (3 s access tokens) from the
// simulator, PostgreSQL stopped for 10 s (`pg_ctl stop -m fast`) and started again. Records what the
// requests in flight during the outage got, the longest of them, and how soon each server served
// again. The scenario is test/helpers/store-outage.mjs, which test/store/store-outage.test.ts asserts on.
//   npm run bench:store-outage
import { loadavg } from 'node:os'
import { runStoreOutage } from '../test/helpers/store-outage.mjs'
import { recordResult } from './results.mjs'

const figures = await runStoreOutage({ outageMs: 10_000 })
const load = loadavg()[0].toFixed(1)
const list = (counts) =>
  Object.entries(counts)
    .sort(([, a], [, b]) => b - a)
    .map(([outcome, n]) => `${n} ${outcome}`)
    .join(', ')
const ms = (value) => (value === null ? 'never' : `${Math.round(value)} ms`)
const line =
  `Two servers, PostgreSQL stopped for ${figures.outageMs / 1000} s (stop took ${ms(figures.stopMs)}, start ${ms(figures.startMs)}) ` +
  `under load (per server: anonymous public cached view, signed-in uncached view, API run of a cached query). ` +
  `In flight from the stop to the start's end, ${figures.requests.during} requests: ${list(figures.duringByOutcome)}; ` +
  `${figures.unreachableWithoutRetryAfter} 503s without Retry-After; **max latency ${ms(figures.maxLatencyDuringMs)}** ` +
  `(documented bound ${figures.boundMs} ms; before the outage the slowest was ${ms(figures.maxLatencyBeforeMs)}). ` +
  `**Recovered without restart** in ${figures.recoveryMs.map(ms).join(' and ')} after PostgreSQL answered again; ` +
  `afterwards ${list(figures.afterByOutcome)}. Servers alive: ${figures.serversAlive.join(', ')}; sessions intact: ` +
  `${figures.sessionsIntact.every(Boolean)}; cached result intact on both: ${figures.cachedIntact.every(Boolean)}; ` +
  `connection ${figures.connection.status}; simulator: ${figures.sim.refreshes} refreshes, ` +
  `${figures.sim.graceRefreshes} refresh tokens sent twice, ${figures.sim.invalidGrants} invalid_grant, ` +
  `${figures.sim.revokedGrants} grants revoked; ${figures.scheduledAfter} scheduled runs ok after the restart. ` +
  `Machine shared (load average ${load} on 2 cores).`
console.log(line)
recordResult('Server: store outage', 'npm run bench:store-outage', line)
