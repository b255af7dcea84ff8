import type { SlackChannel } from '../domain/alert.js'
import type { ChannelSender } from './channel.js'
import { headline, noticeLines, type AlertNotice } from './notice.js'
import { postJson } from './post-json.js'

/**
 * A Slack incoming webhook's message: `text` (what notifications and clients without blocks show) and
 * Block Kit blocks — a header and a section of fields (api.slack.com/messaging/webhooks). Mattermost,
 * Rocket.Chat and Discord's /slack endpoint read the same shape.
 */
export function slackBody(notice: AlertNotice): string {
  const [, ...details] = noticeLines(notice)
  return JSON.stringify({
    text: noticeLines(notice).join('\n'),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: headline(notice).slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: details.map(escapeMrkdwn).join('\n') } },
    ],
  })
}

/** Slack's mrkdwn treats &, < and > as markup (api.slack.com/reference/surfaces/formatting#escaping). */
function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
}

/** POSTs the message. The URL is the credential: failures name its host only. */
export const sendSlack: ChannelSender<SlackChannel> = async (channel, notice, context) => {
  await postJson(
    channel.url,
    slackBody(notice),
    {},
    context,
    `the Slack webhook at ${new URL(channel.url).host}`,
  )
}
