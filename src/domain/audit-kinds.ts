/*
 * The audit log's registry of kinds (issue 19), without zod, so that `quarry --help` (which lists
 * them in `quarry audit --kind`) stays instant.
 */

/**
 * Every kind of object the audit log records, with the fields of each that are secret: their values
 * never reach an entry (not even hashed); a change shows only that one happened. A field is named by
 * its path in the recorded document (`secrets` covers `secrets.auth.clientSecret` and all below it).
 * A new kind of object is one line here; its repository records its writes with `recordChange`
 * (src/store/audit-recorder.ts) inside the transaction of the write.
 */
export const AUDIT_KINDS = {
  datasource: { secretPaths: ['secrets'] },
  query: { secretPaths: [] },
  converter: { secretPaths: [] },
  template: { secretPaths: [] },
  user: { secretPaths: ['password'] },
  token: { secretPaths: [] },
  connection: { secretPaths: ['tokens'] },
  setting: { secretPaths: [] },
  // Alerts are recorded without their channels' secrets (webhook secret, Slack URL, SMTP login):
  // only the definition the store keeps in the clear.
  alert: { secretPaths: [] },
  schedule: { secretPaths: [] },
  // Subscriptions likewise: the definition (recipients included), never the SMTP login or unsubscribe key.
  subscription: { secretPaths: [] },
  dashboard: { secretPaths: [] },
} as const satisfies Record<string, { readonly secretPaths: readonly string[] }>

export type AuditKind = keyof typeof AUDIT_KINDS
export const AUDIT_KIND_NAMES = Object.keys(AUDIT_KINDS) as [AuditKind, ...AuditKind[]]

/**
 * Field names that are masked wherever they appear, whatever the kind declares: a second line of
 * defence for a secret a new kind forgets to declare (an SMTP password in a setting, say).
 */
export const SECRET_FIELD_NAME =
  /secret|password|passwd|pass(phrase)?$|credential|private.?key|^tokens?$|access.?token|refresh.?token|api.?key/i
