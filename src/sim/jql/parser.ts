/**
 * Recursive-descent JQL parser, following Jira's grammar (precedence NOT > AND > OR,
 * `&&`/`&`, `||`/`|` and `!` as symbol forms) and its syntax-error sentences.
 *
 *   query    := [or] [ORDER BY sort ("," sort)*]
 *   or       := and (OR and)*
 *   and      := not (AND not)*
 *   not      := (NOT | "!") not | "(" or ")" | clause
 *   clause   := field op operand | field WAS [NOT] [IN] operand predicate* | field CHANGED predicate*
 *   operand  := value | EMPTY | NULL | name "(" [arg ("," arg)*] ")" | "(" operand ("," operand)* ")"
 *   sort     := field [ASC | DESC]
 */
import type {
  Clause,
  FieldRef,
  FunctionOperand,
  HistoryOperator,
  JqlQuery,
  ListOperand,
  Operand,
  Operator,
  SortTerm,
} from './ast.js'
import { VALID_OPERATORS, syntaxError } from './errors.js'
import { tokenize } from './lexer.js'
import type { Token } from './lexer.js'

/** Words the grammar itself uses: unquoted, they cannot be a field name or a value. */
const KEYWORDS = new Set([
  'and',
  'or',
  'not',
  'in',
  'is',
  'empty',
  'null',
  'order',
  'by',
  'asc',
  'desc',
  'was',
  'changed',
  'after',
  'before',
  'on',
  'during',
  'from',
  'to',
])

/** Jira's reserved words that are not keywords (JqlStringSupportImpl, as listed in TestJqlParsing). */
const RESERVED_WORDS = new Set(
  (
    'abort access add alias all alter any as audit avg begin between boolean break byte catch char character ' +
    'check checkpoint collate collation column commit connect continue count create current date decimal ' +
    'declare decrement default defaults define delete delimiter difference distinct divide do double drop ' +
    'else encoding end equals escape exclusive exec execute exists explain false fetch file field first float ' +
    'for function go goto grant greater group having identified if immediate increment index initial inner ' +
    'inout input insert int integer intersect intersection into isempty isnull join last left less like limit ' +
    'lock long max min minus mode modify modulo more multiply next noaudit notin nowait number object of ' +
    'option outer output power previous prior privileges public raise raw remainder rename resource return ' +
    'returns revoke right row rowid rownum rows select session set share size sqrt start strict string ' +
    'subtract sum synonym table then trans transaction trigger true uid union unique update user validate ' +
    'values view when whenever where while with'
  ).split(' '),
)

const HISTORY_PREDICATES = new Set(['after', 'before', 'on', 'by', 'from', 'to', 'during'])

/**
 * Parses JQL into a syntax tree. Throws JqlError with Jira's message for any syntax error.
 *
 * @example parseJql('project = DEMO ORDER BY created DESC').orderBy[0]?.direction // 'desc'
 */
export function parseJql(jql: string): JqlQuery {
  return new Parser(tokenize(jql)).query()
}

/** Deeper nesting of parentheses and NOTs is refused before it can exhaust the stack. */
const MAX_DEPTH = 100

class Parser {
  readonly #tokens: readonly Token[]
  #index = 0
  #depth = 0

  constructor(tokens: readonly Token[]) {
    this.#tokens = tokens
  }

  query(): JqlQuery {
    let where: Clause | undefined
    if (this.#peek().kind !== 'eof' && !this.#isWord(this.#peek(), 'order')) where = this.#or()
    let orderBy: SortTerm[] = []
    const next = this.#peek()
    if (this.#isWord(next, 'order')) orderBy = this.#orderBy()
    else if (next.kind !== 'eof')
      throw syntaxError(`Expecting either 'OR' or 'AND' but got '${next.raw}'.`, next)

    return { where, orderBy }
  }

  #peek(offset = 0): Token {
    return this.#tokens[Math.min(this.#index + offset, this.#tokens.length - 1)] as Token
  }

  #take(): Token {
    const token = this.#peek()
    if (token.kind !== 'eof') this.#index++
    return token
  }

  #isWord(token: Token, word: string): boolean {
    return token.kind === 'word' && token.value.toLowerCase() === word
  }

  /** Consumes a keyword or throws "Expecting 'x' but got …". */
  #expectWord(word: string, shown: string): void {
    const token = this.#take()
    if (this.#isWord(token, word)) return
    if (token.kind === 'eof') throw syntaxError(`Expecting '${shown}' before the end of the query.`)
    throw syntaxError(`Expecting '${shown}' but got '${token.raw}'.`, token)
  }

  #or(): Clause {
    const clauses = [this.#and()]
    while (this.#peek().kind === 'or' || this.#isWord(this.#peek(), 'or')) {
      this.#take()
      clauses.push(this.#and())
    }
    return clauses.length === 1 ? (clauses[0] as Clause) : { kind: 'or', clauses }
  }

  #and(): Clause {
    const clauses = [this.#not()]
    while (this.#peek().kind === 'and' || this.#isWord(this.#peek(), 'and')) {
      this.#take()
      clauses.push(this.#not())
    }
    return clauses.length === 1 ? (clauses[0] as Clause) : { kind: 'and', clauses }
  }

  #not(): Clause {
    const token = this.#peek()
    const nests = token.kind === 'bang' || token.kind === 'lparen' || this.#isWord(token, 'not')
    if (nests && ++this.#depth > MAX_DEPTH) throw syntaxError('Unable to parse the query.', token)
    try {
      if (token.kind === 'bang' || this.#isWord(token, 'not')) {
        this.#take()
        return { kind: 'not', clause: this.#not() }
      }
      if (token.kind === 'lparen') {
        this.#take()
        const inner = this.#or()
        const close = this.#take()
        if (close.kind === 'eof') throw syntaxError(`Expecting ')' before the end of the query.`)
        if (close.kind !== 'rparen') throw syntaxError(`Expecting ')' but got '${close.raw}'.`, close)
        return inner
      }
      return this.#clause()
    } finally {
      if (nests) this.#depth--
    }
  }

  #clause(): Clause {
    const field = this.#field()
    const token = this.#take()
    let operator: Operator
    if (token.kind === 'op') {
      operator = token.value as Operator
    } else if (this.#isWord(token, 'in')) {
      operator = 'in'
    } else if (this.#isWord(token, 'not')) {
      this.#expectWord('in', 'IN')
      operator = 'not in'
    } else if (this.#isWord(token, 'is')) {
      operator = 'is'
      const next = this.#peek()
      if (this.#isWord(next, 'not')) {
        this.#take()
        operator = 'is not'
      } else if (
        next.kind !== 'word' &&
        next.kind !== 'string' &&
        next.kind !== 'lparen' &&
        next.kind !== 'eof'
      ) {
        throw syntaxError(`Expecting 'NOT' but got '${next.raw}'.`, next)
      }
    } else if (this.#isWord(token, 'was') || this.#isWord(token, 'changed')) {
      return { kind: 'history', field, operator: this.#history(token) }
    } else if (token.kind === 'eof') {
      throw syntaxError(`Expecting operator before the end of the query. ${VALID_OPERATORS}`)
    } else {
      throw syntaxError(`Expecting operator but got '${token.raw}'. ${VALID_OPERATORS}`, token)
    }
    return { kind: 'terminal', field, operator, operand: this.#operand() }
  }

  /** Parses the rest of a WAS/CHANGED clause so the whole query is checked; it is refused later. */
  #history(operatorToken: Token): HistoryOperator {
    let operator: HistoryOperator = 'changed'
    if (this.#isWord(operatorToken, 'was')) {
      const negated = this.#isWord(this.#peek(), 'not')
      if (negated) this.#take()
      const list = this.#isWord(this.#peek(), 'in')
      if (list) this.#take()
      operator = negated ? (list ? 'was not in' : 'was not') : list ? 'was in' : 'was'
      this.#operand()
    }
    while (this.#peek().kind === 'word' && HISTORY_PREDICATES.has(this.#peek().value.toLowerCase())) {
      this.#take()
      this.#operand()
    }
    return operator
  }

  #field(): FieldRef {
    const token = this.#take()
    if (token.kind === 'word') {
      const lower = token.value.toLowerCase()
      if (lower === 'cf') return this.#customField(token)
      if (KEYWORDS.has(lower)) throw notAField(token)
      if (RESERVED_WORDS.has(lower)) throw reservedWord(token)
      return { name: token.value, at: token }
    }
    if (token.kind === 'string') {
      if (token.value === '') throw syntaxError('A field name cannot be empty.', token)
      return { name: token.value, at: token }
    }
    if (token.kind === 'eof') throw syntaxError('Expecting a field name at the end of the query.')
    if (token.kind === 'lbracket')
      throw syntaxError(`Expecting a field name but got '['. Did you mean 'cf['?`, token)
    throw notAField(token)
  }

  #customField(cf: Token): FieldRef {
    const open = this.#take()
    if (open.kind === 'eof') throw syntaxError(`Expecting '[' before the end of the query.`)
    if (open.kind !== 'lbracket') throw syntaxError(`Expecting '[' but got '${open.raw}'.`, open)
    const id = this.#take()
    if (id.kind === 'eof')
      throw syntaxError('Expecting a custom field id (a positive number) before the end of the query.')

    if (id.kind !== 'word' || !/^[0-9]+$/.test(id.value))
      throw syntaxError(`Expecting a custom field id (a positive number) but got '${id.raw}'.`, id)

    const close = this.#take()
    if (close.kind === 'eof') throw syntaxError(`Expecting ']' before the end of the query.`)
    if (close.kind !== 'rbracket') throw syntaxError(`Expecting ']' but got '${close.raw}'.`, close)
    return { name: `cf[${id.value}]`, customFieldId: id.value, at: cf }
  }

  #operand(): Operand {
    const token = this.#peek()
    if (token.kind === 'lparen') return this.#list()
    if (token.kind === 'word' || token.kind === 'string') {
      const lower = token.value.toLowerCase()
      if (token.kind === 'word' && (lower === 'empty' || lower === 'null')) {
        this.#take()
        return { kind: 'empty', at: token }
      }
      if (this.#peek(1).kind === 'lparen') return this.#function()
      if (token.kind === 'word' && KEYWORDS.has(lower)) throw notAValue(token)
      if (token.kind === 'word' && RESERVED_WORDS.has(lower)) throw reservedWord(token)
      this.#take()
      return { kind: 'value', text: token.value, quoted: token.kind === 'string', at: token }
    }
    if (token.kind === 'eof')
      throw syntaxError('Expecting either a value, list or function before the end of the query.')

    throw notAValue(token)
  }

  #list(): ListOperand {
    const open = this.#take()
    if (++this.#depth > MAX_DEPTH) throw syntaxError('Unable to parse the query.', open)
    const items = [this.#operand()]
    for (;;) {
      const token = this.#take()
      if (token.kind === 'rparen') break
      if (token.kind === 'comma') {
        items.push(this.#operand())
        continue
      }
      if (token.kind === 'eof') throw syntaxError(`Expecting ')' before the end of the query.`)
      throw syntaxError(`Expecting ')' but got '${token.raw}'.`, token)
    }
    this.#depth--
    return { kind: 'list', items, at: open }
  }

  #function(): FunctionOperand {
    const name = this.#take()
    if (name.value === '') throw syntaxError('A function name cannot be empty.', name)
    this.#take() // (
    const args: string[] = []
    const first = this.#peek()
    if (first.kind === 'rparen') {
      this.#take()
      return { kind: 'function', name: name.value, args, at: name }
    }
    if (first.kind === 'comma') throw syntaxError(`Expecting ')' but got ','.`, first)
    if (first.kind === 'eof') throw syntaxError(`Expecting ')' before the end of the query.`)
    for (;;) {
      const arg = this.#take()
      if (arg.kind !== 'word' && arg.kind !== 'string') {
        throw syntaxError(
          `Expecting a function argument but got '${arg.raw}'. You must surround '${arg.raw}' in quotation marks to use it as an argument.`,
          arg,
        )
      }
      args.push(arg.value)
      const after = this.#take()
      if (after.kind === 'rparen') break
      if (after.kind === 'eof') throw syntaxError(`Expecting ')' before the end of the query.`)
      if (after.kind !== 'comma') throw syntaxError(`Expecting ')' or ',' but got '${after.raw}'.`, after)
      const next = this.#peek()
      if (next.kind === 'rparen') throw syntaxError('Function argument must be specified.', next)
      if (next.kind === 'eof') throw syntaxError('Expecting a function argument at the end of the query.')
    }
    return { kind: 'function', name: name.value, args, at: name }
  }

  #orderBy(): SortTerm[] {
    this.#take() // order
    this.#expectWord('by', 'by')
    const terms: SortTerm[] = []
    for (;;) {
      const field = this.#field()
      let direction: SortTerm['direction']
      let token = this.#peek()
      if (this.#isWord(token, 'asc') || this.#isWord(token, 'desc')) {
        direction = token.value.toLowerCase() as 'asc' | 'desc'
        this.#take()
        token = this.#peek()
        if (token.kind !== 'comma' && token.kind !== 'eof')
          throw syntaxError(`Expecting ',' but got '${token.raw}'.`, token)
      } else if (token.kind !== 'comma' && token.kind !== 'eof') {
        throw syntaxError(`Expecting either 'ASC' or 'DESC' but got '${token.raw}'.`, token)
      }
      terms.push({ field, direction })
      if (this.#take().kind === 'eof') return terms
    }
  }
}

function notAField(token: Token): Error {
  return syntaxError(
    `Expecting a field name but got '${token.raw}'. You must surround '${token.raw}' in quotation marks to use it as a field name.`,
    token,
  )
}

function notAValue(token: Token): Error {
  return syntaxError(
    `Expecting either a value, list or function but got '${token.raw}'. You must surround '${token.raw}' in quotation marks to use it as a value.`,
    token,
  )
}

function reservedWord(token: Token): Error {
  return syntaxError(
    `'${token.raw}' is a reserved JQL word. You must surround it in quotation marks to use it in a query.`,
    token,
  )
}
