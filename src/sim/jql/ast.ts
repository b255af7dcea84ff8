/**
 * The JQL syntax tree: what was written, before any field, value or function is
 * resolved against the world. Plain frozen-shape data; `parser.ts` builds it,
 * `evaluate.ts` and `order.ts` give it meaning.
 */
import type { SourcePosition } from './errors.js'

export type Operator = '=' | '!=' | '<' | '<=' | '>' | '>=' | '~' | '!~' | 'in' | 'not in' | 'is' | 'is not'

/** History operators: parsed so the rest of the query is checked, but never evaluated. */
export type HistoryOperator = 'was' | 'was not' | 'was in' | 'was not in' | 'changed'

export interface FieldRef {
  /** The name as decoded (`"Story Points"` → `Story Points`), or `cf[10010]` for custom fields. */
  readonly name: string
  /** Set for `cf[NNNNN]`. */
  readonly customFieldId?: string
  readonly at: SourcePosition
}

export interface ValueOperand {
  readonly kind: 'value'
  readonly text: string
  /** Written in quotes: never a number, never a keyword. */
  readonly quoted: boolean
  readonly at: SourcePosition
}

/** `EMPTY` or `NULL`. */
export interface EmptyOperand {
  readonly kind: 'empty'
  readonly at: SourcePosition
}

export interface FunctionOperand {
  readonly kind: 'function'
  /** As written; function names are matched case-insensitively. */
  readonly name: string
  readonly args: readonly string[]
  readonly at: SourcePosition
}

export interface ListOperand {
  readonly kind: 'list'
  readonly items: readonly Operand[]
  readonly at: SourcePosition
}

export type Operand = ValueOperand | EmptyOperand | FunctionOperand | ListOperand

export interface TerminalClause {
  readonly kind: 'terminal'
  readonly field: FieldRef
  readonly operator: Operator
  readonly operand: Operand
}

export interface HistoryClause {
  readonly kind: 'history'
  readonly field: FieldRef
  readonly operator: HistoryOperator
}

export interface AndClause {
  readonly kind: 'and'
  readonly clauses: readonly Clause[]
}

export interface OrClause {
  readonly kind: 'or'
  readonly clauses: readonly Clause[]
}

export interface NotClause {
  readonly kind: 'not'
  readonly clause: Clause
}

export type Clause = TerminalClause | HistoryClause | AndClause | OrClause | NotClause

export interface SortTerm {
  readonly field: FieldRef
  /** Undefined when not written (ascending). */
  readonly direction: 'asc' | 'desc' | undefined
}

export interface JqlQuery {
  /** Undefined for an empty query or one with only ORDER BY. */
  readonly where: Clause | undefined
  readonly orderBy: readonly SortTerm[]
}

/**
 * An operand as Jira prints it inside validation messages: strings in double
 * quotes, numbers bare, `fn(a, b)`, `(x, y)`, `EMPTY`.
 *
 * @example displayOperand({ kind: 'value', text: 'test', quoted: false, at }) // '"test"'
 */
export function displayOperand(operand: Operand): string {
  switch (operand.kind) {
    case 'value':
      return !operand.quoted && /^-?[0-9]+$/.test(operand.text) ? operand.text : `"${operand.text}"`
    case 'empty':
      return 'EMPTY'
    case 'function':
      return `${operand.name}(${operand.args.join(', ')})`
    case 'list':
      return `(${operand.items.map(displayOperand).join(', ')})`
  }
}
