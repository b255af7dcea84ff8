import type { Channel } from '../domain/alert.js'
import type { AlertNotice } from './notice.js'

/** What one delivery attempt runs with: the transport (tests inject it), the clock, the attempt's deadline. */
export interface SendContext {
  readonly fetch: typeof fetch
  /** Aborted when the attempt's time is up. */
  readonly signal: AbortSignal
  readonly timeoutMs: number
  readonly now: () => number
}

/**
 * One channel type's way to deliver a notice: resolves when the receiver took it, throws a
 * DeliveryFailure otherwise. Each is one `*-channel.ts` file in this folder, listed in channels.ts.
 */
export type ChannelSender<C extends Channel> = (
  channel: C,
  notice: AlertNotice,
  context: SendContext,
) => Promise<void>
