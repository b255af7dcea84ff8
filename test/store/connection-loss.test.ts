import { describe, expect, it } from 'vitest'
import { isConnectionLoss } from '../../src/store/sql-errors.js'

/** Issue 18: which driver failures mean "the store is out of reach" (QUARRY_STORE_UNREACHABLE, 503). */
const coded = (message: string, code: string) => Object.assign(new Error(message), { code })

describe('isConnectionLoss', () => {
  it.each([
    ['a refused connection', coded('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a reset', coded('read ECONNRESET', 'ECONNRESET')],
    [
      'pg_ctl stop -m fast ending the session (57P01)',
      coded('terminating connection due to administrator command', '57P01'),
    ],
    ['a server starting up or shutting down (57P03)', coded('the database system is shutting down', '57P03')],
    ['a connection exception (class 08)', coded('connection failure', '08006')],
    ['a session that ended without a word', new Error('Connection terminated unexpectedly')],
    ['a pool that found no connection in time', new Error('timeout exceeded when trying to connect')],
    [
      'a client whose connection died earlier',
      new Error('Client has encountered a connection error and is not queryable'),
    ],
    [
      'localhost refused on both addresses',
      new AggregateError([coded('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], ''),
    ],
  ])('is true for %s', (_what, error) => {
    expect(isConnectionLoss(error)).toBe(true)
  })

  it.each([
    ['a unique violation', coded('duplicate key value violates unique constraint', '23505')],
    ['a lock timeout', coded('canceling statement due to lock timeout', '55P03')],
    ['a syntax error', coded('syntax error at or near "selec"', '42601')],
    ['a plain bug', new TypeError('undefined is not a function')],
  ])('is false for %s', (_what, error) => {
    expect(isConnectionLoss(error)).toBe(false)
  })
})
