import { AUDIT_KINDS, SECRET_FIELD_NAME, type AuditKind } from './audit-kinds.js'
import type { FieldChange } from './audit.js'
import { maskSecrets, SECRET_MASK } from './secret-mask.js'

/**
 * A plain object's leaves by dotted path: objects are walked, everything else (arrays included) is
 * one value, compared as JSON. Dates become ISO text, so before and after compare as written.
 */
function leaves(value: unknown, prefix: string, into: Map<string, unknown>): void {
  if (value instanceof Date) {
    into.set(prefix, value.toISOString())
    return
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    // An empty object has no leaves: `{}` → `{a: 1}` shows only the new field.
    for (const [key, child] of Object.entries(value as Record<string, unknown>))
      if (child !== undefined) leaves(child, prefix === '' ? key : `${prefix}.${key}`, into)

    return
  }
  if (value !== undefined) into.set(prefix, value)
}

function isSecretPath(kind: AuditKind, path: string): boolean {
  const declared: readonly string[] = AUDIT_KINDS[kind].secretPaths
  if (declared.some((secret) => path === secret || path.startsWith(`${secret}.`))) return true
  return path.split('.').some((segment) => SECRET_FIELD_NAME.test(segment))
}

/** Every string inside a value, for scrubbing. */
function stringsOf(value: unknown, into: string[]): void {
  if (typeof value === 'string') into.push(value)
  else if (Array.isArray(value)) for (const item of value) stringsOf(item, into)
  else if (typeof value === 'object' && value !== null)
    for (const child of Object.values(value)) stringsOf(child, into)
}

/** The value with every known secret replaced by the mask, in every string it holds. */
function scrub(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return maskSecrets(value, secrets)
  if (Array.isArray(value)) return value.map((item) => scrub(item, secrets))
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, scrub(child, secrets)]))
  return value
}

/**
 * What changed between two states of one object, field by field, secrets masked: a secret field that
 * changed shows the mask on each side where it had a value, and no value of a secret — from this
 * object, before or after — appears anywhere in the result, not even inside another field's text
 * (a base URL with a pasted token in it, say). `before` undefined: created; `after` undefined: removed.
 *
 * @example
 * fieldChanges('datasource', { config: { baseUrl: 'a' }, secrets: { k: 'old' } },
 *                            { config: { baseUrl: 'b' }, secrets: { k: 'new' } })
 * // [{ field: 'config.baseUrl', before: 'a', after: 'b' },
 * //  { field: 'secrets.k', before: '••••••', after: '••••••', secret: true }]
 */
export function fieldChanges(kind: AuditKind, before: unknown, after: unknown): FieldChange[] {
  const was = new Map<string, unknown>()
  const now = new Map<string, unknown>()
  leaves(before, '', was)
  leaves(after, '', now)
  const secrets: string[] = []
  for (const side of [was, now])
    for (const [path, value] of side) if (isSecretPath(kind, path)) stringsOf(value, secrets)

  const paths = [...new Set([...was.keys(), ...now.keys()])].sort()
  const changes: FieldChange[] = []
  for (const path of paths) {
    const a = was.get(path)
    const b = now.get(path)
    if (JSON.stringify(a) === JSON.stringify(b)) continue
    if (isSecretPath(kind, path)) {
      changes.push({
        field: path,
        ...(a === undefined ? {} : { before: SECRET_MASK }),
        ...(b === undefined ? {} : { after: SECRET_MASK }),
        secret: true,
      })
      continue
    }
    changes.push({
      field: path,
      ...(a === undefined ? {} : { before: scrub(a, secrets) }),
      ...(b === undefined ? {} : { after: scrub(b, secrets) }),
    })
  }
  return changes
}
