import type { WebhookChannel } from '../domain/alert.js'
import { describeUrl } from '../domain/describe-url.js'
import type { ChannelSender } from './channel.js'
import type { AlertNotice } from './notice.js'
import { postJson } from './post-json.js'
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook } from './webhook-signature.js'

/** The JSON a webhook receives: the notice's facts under stable names (docs/alerts.md lists them). */
export function webhookBody(notice: AlertNotice): string {
  return JSON.stringify({
    alert: notice.alert,
    event: notice.event,
    previous: notice.previous,
    query: notice.query,
    params: notice.params,
    condition: notice.condition,
    summary: notice.summary,
    rowCount: notice.rowCount,
    matched: notice.matched,
    at: notice.at,
    ...(notice.link === undefined ? {} : { link: notice.link }),
  })
}

/**
 * A JSON POST signed with the channel's secret (webhook-signature.ts): the timestamp is taken per
 * attempt, so a retry is as fresh as the first try.
 */
export const sendWebhook: ChannelSender<WebhookChannel> = async (channel, notice, context) => {
  const body = webhookBody(notice)
  const timestamp = Math.floor(context.now() / 1000)
  const headers = {
    [TIMESTAMP_HEADER]: String(timestamp),
    [SIGNATURE_HEADER]: signWebhook(channel.secret, timestamp, body),
  }
  await postJson(channel.url, body, headers, context, describeUrl(channel.url))
}
