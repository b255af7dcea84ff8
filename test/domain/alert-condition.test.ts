import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { cellMatches, evaluateCondition, parseCondition } from '../../src/domain/alert-condition.js'
import {
  AlertSchema,
  COMPARISONS,
  joinAlertSecrets,
  keepSecrets,
  maskAlert,
  splitAlertSecrets,
  type Condition,
} from '../../src/domain/alert.js'
import { SECRET_MASK } from '../../src/domain/secret-mask.js'

/** Issue 16, done-when 3: alert conditions on a result's rows. */

const issues = [
  { Key: 'DEMO-1', Priority: 'Blocker', 'Story Points': 13 },
  { Key: 'DEMO-2', Priority: 'Major', 'Story Points': '5' },
  { Key: 'DEMO-3', Priority: 'Minor', 'Story Points': null },
]

const column = (text: string): Condition => parseCondition(text)

describe('reading a condition written as text', () => {
  it('reads a row count', () => {
    expect(parseCondition('rows >= 10')).toEqual({ kind: 'row-count', op: '>=', value: 10 })
    expect(parseCondition('row count != 0')).toEqual({ kind: 'row-count', op: '!=', value: 0 })
  })

  it('reads a column comparison whose column has spaces, with its quantifier', () => {
    expect(parseCondition('Story Points > 8 exists')).toEqual({
      kind: 'column',
      column: 'Story Points',
      op: '>',
      value: 8,
      quantifier: 'exists',
    })
    expect(parseCondition('Priority = Blocker none')).toMatchObject({ value: 'Blocker', quantifier: 'none' })
    expect(parseCondition('Priority = "Blocker all"')).toMatchObject({
      value: 'Blocker all',
      quantifier: 'exists',
    })
    expect(parseCondition('Done = true all')).toMatchObject({ value: true, quantifier: 'all' })
  })

  it('refuses text without an operator, a value or a whole row count, with an example', () => {
    for (const text of ['Priority is Blocker', 'Priority = ', 'Priority = exists', 'rows > many', '= 3'])
      expect(() => parseCondition(text)).toThrow(/--when: .*e\.g\. "Priority = Blocker exists"/)
  })
})

describe('evaluating a condition', () => {
  it('fires on a row count past its line, and not below it', () => {
    expect(evaluateCondition(parseCondition('rows > 2'), issues)).toMatchObject({ holds: true, rowCount: 3 })
    expect(evaluateCondition(parseCondition('rows > 3'), issues).holds).toBe(false)
  })

  it('fires when some row has Priority = Blocker, and counts the rows that do', () => {
    const outcome = evaluateCondition(column('Priority = Blocker exists'), issues)
    expect(outcome).toMatchObject({ holds: true, matched: 1, rowCount: 3 })
    expect(outcome.summary).toBe('1 of 3 rows have Priority = "Blocker" (alert when exists)')
  })

  it('compares numbers numerically, text that reads as a number included, and skips empty cells', () => {
    expect(evaluateCondition(column('Story Points > 4 exists'), issues).matched).toBe(2)
    expect(evaluateCondition(column('Story Points > 100 exists'), issues).holds).toBe(false)
  })

  it('fires on none only when no row matches, and on all only when every row does', () => {
    expect(evaluateCondition(column('Priority = Trivial none'), issues).holds).toBe(true)
    expect(evaluateCondition(column('Priority = Minor none'), issues).holds).toBe(false)
    expect(evaluateCondition(column('Key != "" all'), issues).holds).toBe(true)
    expect(evaluateCondition(column('Priority = Blocker all'), issues).holds).toBe(false)
  })

  it('calls a column no row has a mistake, naming the columns there are', () => {
    expect(() => evaluateCondition(column('Prio = Blocker exists'), issues)).toThrow(
      'The alert\'s condition names the column "Prio", which no row has. The rows have: "Key", "Priority", "Story Points".',
    )
  })

  it('treats null as an empty cell', () => {
    expect(cellMatches(null, '=', null)).toBe(true)
    expect(cellMatches(undefined, '!=', 'x')).toBe(true)
    expect(cellMatches(undefined, '>', 1)).toBe(false)
  })
})

describe('properties of the evaluation', () => {
  const op = fc.constantFrom(...COMPARISONS)
  const cell = fc.oneof(
    fc.integer({ min: -50, max: 50 }),
    fc.constantFrom('a', 'b', 'Blocker'),
    fc.constant(null),
  )
  const rows = fc.array(fc.record({ c: cell }), { maxLength: 20 })
  const value = fc.oneof(fc.integer({ min: -50, max: 50 }), fc.constantFrom('a', 'Blocker'))

  it('exists and none are opposites on every result', () => {
    fc.assert(
      fc.property(rows, op, value, (given, comparison, compared) => {
        fc.pre(given.length > 0)
        const of = (quantifier: 'exists' | 'none') =>
          evaluateCondition(
            { kind: 'column', column: 'c', op: comparison, value: compared, quantifier },
            given,
          ).holds
        expect(of('exists')).toBe(!of('none'))
      }),
    )
  })

  it('= and != split every cell: exactly one matches', () => {
    fc.assert(
      fc.property(cell, value, (given, compared) => {
        expect(cellMatches(given, '=', compared)).toBe(!cellMatches(given, '!=', compared))
      }),
    )
  })

  it('a row count condition agrees with comparing the count directly', () => {
    fc.assert(
      fc.property(fc.nat({ max: 30 }), fc.nat({ max: 30 }), op, (count, line, comparison) => {
        const holds = evaluateCondition(
          { kind: 'row-count', op: comparison, value: line },
          new Array(count).fill({}),
        ).holds
        const expected = {
          '>': count > line,
          '>=': count >= line,
          '<': count < line,
          '<=': count <= line,
          '=': count === line,
          '!=': count !== line,
        }[comparison]
        expect(holds).toBe(expected)
      }),
    )
  })

  it('a condition written back in words reads as the same condition', () => {
    fc.assert(
      fc.property(op, fc.integer({ min: 0, max: 1000 }), (comparison, line) => {
        expect(parseCondition(`rows ${comparison} ${line}`)).toEqual({
          kind: 'row-count',
          op: comparison,
          value: line,
        })
      }),
    )
  })
})

describe("an alert's secrets", () => {
  const alert = AlertSchema.parse({
    name: 'blockers',
    query: 'open-issues',
    condition: { kind: 'row-count', op: '>', value: 0 },
    channels: [
      { type: 'webhook', url: 'https://hooks.example.com/quarry', secret: 'whsec-0123456789abcdef' },
      { type: 'slack', url: 'https://hooks.slack.com/services/T000/B000/XXXXSECRET' },
      {
        type: 'email',
        host: 'smtp.example.com',
        port: 587,
        from: 'q@example.com',
        to: ['a@example.com'],
        user: 'mailer',
        password: 'pa55word!',
      },
    ],
  })

  it('splits the webhook secret, the Slack URL and the SMTP login out, and joins them back', () => {
    const { config, secrets } = splitAlertSecrets(alert)
    expect(secrets).toEqual({
      '0.secret': 'whsec-0123456789abcdef',
      '1.url': 'https://hooks.slack.com/services/T000/B000/XXXXSECRET',
      '2.user': 'mailer',
      '2.password': 'pa55word!',
    })
    expect(JSON.stringify(config)).not.toMatch(/whsec|XXXXSECRET|pa55word|mailer/)
    expect(joinAlertSecrets(config, secrets)).toEqual(alert)
  })

  it('masks them for showing, and a masked value sent back keeps the stored one', () => {
    const masked = maskAlert(alert)
    expect(JSON.stringify(masked)).not.toMatch(/whsec|XXXXSECRET|pa55word|mailer/)
    expect(masked.channels[1]).toEqual({ type: 'slack', url: SECRET_MASK })
    expect(AlertSchema.parse(keepSecrets(masked, alert))).toEqual(alert)
  })
})
