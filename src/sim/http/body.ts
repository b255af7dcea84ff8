import type { IncomingMessage } from 'node:http'

/** The largest request body the simulator reads; Atlassian's own limits are larger, but no test needs more. */
export const MAX_BODY_BYTES = 1024 * 1024

export class BodyError extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.name = 'BodyError'
    this.status = status
  }
}

/**
 * Reads the whole request body as UTF-8, refusing more than MAX_BODY_BYTES.
 * On refusal the rest of the body is drained, not torn off: destroying the
 * request would take the socket, and with it the 413, down before the client reads it.
 */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk)
        return
      }
      req.off('data', onData)
      req.off('end', onEnd)
      req.resume()
      reject(new BodyError(413, `Request body larger than ${MAX_BODY_BYTES} bytes.`))
    }
    const onEnd = () => resolve(Buffer.concat(chunks).toString('utf8'))
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', reject)
  })
}

export type BodyFields = Readonly<Record<string, unknown>>

/**
 * Parses a JSON object or a form-encoded body (the token endpoint takes both).
 * Returns undefined for an empty body; throws BodyError for a malformed one.
 */
export function parseBody(text: string, contentType: string | undefined): BodyFields | undefined {
  if (text.trim() === '') return undefined
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase()
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(text))

  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new BodyError(400, 'The request body is not valid JSON.')
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new BodyError(400, 'The request body must be a JSON object.')

  return value as BodyFields
}
