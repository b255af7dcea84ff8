import { describe, expect, it } from 'vitest'
import { describeDeath, describeFailure, locate } from '../../src/convert/describe-failure.js'
import { DEFAULT_LIMITS } from '../../src/convert/index.js'

describe('describing failures', () => {
  it('finds the first frame in the converter, not in the helpers that called into it', () => {
    const stack = 'RangeError: x\n    at f (quarry-sandbox.js:10:5)\n    at convert (converter.js:4:9)'
    expect(locate(stack, 'converter.js')).toEqual({ line: 4, column: 9 })
  })

  it('tells a worker that ran out of memory from one that crashed', () => {
    const report = '<--- Last few GCs --->\n\nCALL_AND_RETRY_LAST\nis_heap_oom = 1\n'
    expect(describeDeath(null, 'SIGABRT', report, DEFAULT_LIMITS)).toMatchObject({ kind: 'memory' })
    expect(describeDeath(null, 'SIGSEGV', '', DEFAULT_LIMITS)).toMatchObject({ kind: 'crashed' })
  })

  it('puts the page and the place a runaway converter was stopped in one parenthesis', () => {
    const error = describeFailure(
      {
        type: 'failed',
        id: 1,
        kind: 'timeout',
        name: 'Error',
        message: '',
        stack: 'at converter.js:2:3',
        page: 4,
        pages: 9,
      },
      DEFAULT_LIMITS,
      'converter.js',
    )
    expect(error.message).toBe(
      'Converter exceeded its CPU time limit of 5000 ms (stopped at line 2, column 3, page 5 of 9)',
    )
  })
})
