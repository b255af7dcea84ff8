import { z } from 'zod'
import { httpUrl } from '../http-url.js'
import type { AnyAuthKind, Auth, AuthInput } from './index.js'
import type { AuthField, AuthFields } from './auth-kind.js'

/** The zod schema of one field, from its description. */
function fieldSchema(field: AuthField): z.ZodType {
  switch (field.input) {
    case 'checkbox':
      return z.boolean().default(field.default)
    case 'choice': {
      const values = z.enum(field.choices.map((choice) => choice.value) as [string, ...string[]])
      const aliases: Readonly<Record<string, string>> = field.aliases ?? {}
      const named = z.preprocess(
        (v) => (typeof v === 'string' && Object.hasOwn(aliases, v) ? aliases[v] : v),
        values,
      )
      return field.default === undefined ? named : named.default(field.default)
    }
    case 'params':
      return z
        .record(
          z.string().regex(/^[A-Za-z0-9_.~-]+$/, 'parameter names are letters, digits and _ . ~ -'),
          z.string(),
        )
        .superRefine((params, context) => {
          for (const [name, instead] of Object.entries(field.reserved)) {
            if (Object.hasOwn(params, name)) {
              context.addIssue({
                code: 'custom',
                path: [name],
                message: `${name} is set by Quarry: ${instead}`,
              })
            }
          }
        })
        .default({ ...field.default })
    case 'metadata':
      return z
        .looseObject({
          issuer: z.string().min(1),
          authorization_endpoint: z.string().optional(),
          token_endpoint: z.string().optional(),
        })
        .optional()
    case 'url':
      return field.optional ? httpUrl.optional() : httpUrl
    default:
      if (field.optional) return z.string().optional()
      return field.allowEmpty ? z.string() : z.string().min(1)
  }
}

/** One kind's object schema: its `type` literal and its fields. */
export function authKindSchema(kind: AnyAuthKind) {
  const fields = Object.entries(kind.fields as AuthFields).map(([name, field]) => [name, fieldSchema(field)])
  return z.object({ type: z.literal(kind.type), ...Object.fromEntries(fields) })
}

/**
 * The schema of an auth: a discriminated union by `type` over the kinds, each derived from its
 * description (auth-kind.ts), so a schema cannot drift from the flags and fields.
 *
 * @example authSchema(AUTH_KIND_LIST).parse({ type: 'bearer', token: 't' })
 */
export function authSchema(kinds: readonly AnyAuthKind[]): z.ZodType<Auth, AuthInput> {
  const [first, ...rest] = kinds.map(authKindSchema)
  if (first === undefined) throw new TypeError('authSchema needs at least one kind')
  return z.discriminatedUnion('type', [first, ...rest]) as unknown as z.ZodType<Auth, AuthInput>
}
