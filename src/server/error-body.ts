import { z } from 'zod'

/**
 * What the API answers when anything fails: one schema, so the error handler's type and the OpenAPI
 * document's `Error` component cannot drift apart (a field added here appears in both).
 */
export const ErrorBodySchema = z.object({
  error: z.object({
    /** A stable code from the error registry (domain/errors.ts), e.g. QUARRY_QUERY_NOT_FOUND. */
    code: z.string(),
    /** What failed and what to do about it; never a secret or a value sent. */
    message: z.string(),
    /** A converter's failing line, for admins and editors. */
    line: z.number().int().optional(),
    /** QUARRY_CONNECTION_REQUIRED: the per-user datasource whose Connect prompt to show (issue 15). */
    datasource: z.string().optional(),
  }),
})
export type ErrorBody = z.infer<typeof ErrorBodySchema>

export const ERROR_EXAMPLE: ErrorBody = {
  error: { code: 'QUARRY_QUERY_NOT_FOUND', message: 'No query named "issues" is shown to you.' },
}
