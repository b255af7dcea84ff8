import { networkCause } from '../domain/network-error.js'
import type { SendContext } from './channel.js'
import { DeliveryFailure } from './delivery-failure.js'

/** How much of a refusing receiver's body a failure quotes. */
const QUOTED_BODY_CHARS = 200

/** Retry-After in seconds or as an HTTP date (RFC 9110 §10.2.3), in milliseconds from now. */
function retryAfterOf(header: string | null, now: number): number | undefined {
  if (header === null) return undefined
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000
  const date = Date.parse(header)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/**
 * POSTs a JSON body and resolves on a 2xx answer. Redirects are not followed: a receiver that moved
 * must be configured again, not chased with a signed body. `shown` is how the receiver is named in
 * failures: never a Slack URL, whose path is its credential.
 *
 * @example await postJson('https://example.com/hook', '{"a":1}', { 'x-quarry-signature': sig }, context, 'example.com/hook')
 */
export async function postJson(
  url: string,
  body: string,
  headers: Readonly<Record<string, string>>,
  context: SendContext,
  shown: string,
): Promise<void> {
  let response: Response
  try {
    response = await context.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Quarry alerts', ...headers },
      body,
      redirect: 'manual',
      signal: context.signal,
    })
  } catch (error) {
    if (context.signal.aborted) {
      throw new DeliveryFailure(`${shown} did not answer within ${context.timeoutMs} ms.`, {
        retryable: true,
      })
    }
    const { sentence, tls } = networkCause(error, url, false)
    throw new DeliveryFailure(`POST ${shown}: ${sentence}`, { retryable: !tls })
  }
  let text = ''
  try {
    text = await response.text()
  } catch {
    // The status is what counts; a body cut short says nothing more.
  }
  if (response.status >= 200 && response.status < 300) return
  const status = response.status
  const retryable = status >= 500 || status === 408 || status === 429
  const quoted = text.trim().slice(0, QUOTED_BODY_CHARS)
  const retryAfterMs = retryAfterOf(response.headers.get('retry-after'), context.now())
  throw new DeliveryFailure(`POST ${shown} answered ${status}${quoted === '' ? '' : `: ${quoted}`}.`, {
    retryable,
    status,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  })
}
