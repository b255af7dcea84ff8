import type { Command } from 'commander'
import { collect } from './flags.js'
import { smtpOptions } from './smtp-flags.js'

const WHEN_HELP =
  'when the alert fires: "rows > 5", or "COLUMN OP VALUE [exists|none|all]", e.g. "Priority = Blocker exists"; OP: > >= < <= = !='

/** The flags that define an alert's channels (one of each type; --file for more). */
function channelFlags(sub: Command): Command {
  return smtpOptions(
    sub
      .option('--webhook <url>', 'POST a signed JSON notice to this URL')
      .option('--webhook-secret <secret>', "the webhook's HMAC-SHA256 key (env:NAME, or - for stdin)")
      .option('--slack <url>', 'a Slack-compatible incoming webhook URL, a secret (env:NAME, or - for stdin)')
      .option('--email <address>', 'mail this address (repeatable)', collect),
    'email: ',
  ).option(
    '--file <file>',
    'the whole alert as JSON ({"query", "condition", "channels": […]}); - reads stdin',
  )
}

/** `quarry alert add|list|show|edit|remove|check|test`: conditions on query results that notify (issue 16). */
export function registerAlert(program: Command): void {
  const command = program
    .command('alert')
    .description("Conditions on a query's result that notify a webhook, Slack or email when they change")
  channelFlags(
    command
      .command('add <name>')
      .description('Add an alert: a query (with --param values), a --when condition and its channels')
      .option('--query <name>', 'the query it watches')
      .option('--param <name=value>', 'a parameter value of the query (repeatable)', collect)
      .option('--when <condition>', WHEN_HELP)
      .option('--description <text>', 'what it is for'),
  ).action(async (name, flags, sub) => {
    const { addAlert } = await import('./alert-run.js')
    await addAlert(name, flags, sub.optsWithGlobals())
  })
  channelFlags(
    command
      .command('edit <name>')
      .description('Change an alert: only the flags given change; any channel flag replaces the channels')
      .option('--query <name>', 'the query it watches')
      .option('--param <name=value>', 'a parameter value (repeatable; replaces all)', collect)
      .option('--when <condition>', WHEN_HELP)
      .option('--description <text>', 'what it is for ("" clears it)')
      .option('--rename <newName>', 'a new name'),
  ).action(async (name, flags, sub) => {
    const { editAlert } = await import('./alert-run.js')
    await editAlert(name, flags, sub.optsWithGlobals())
  })
  command
    .command('list')
    .description('List the alerts: query, condition, state, last checked')
    .action(async (_flags, sub) => {
      const { listAlerts } = await import('./alert-run.js')
      await listAlerts(sub.optsWithGlobals())
    })
  command
    .command('show <name>')
    .description('Show an alert as JSON (secrets masked) with its state and latest events')
    .action(async (name, _flags, sub) => {
      const { showAlert } = await import('./alert-run.js')
      await showAlert(name, sub.optsWithGlobals())
    })
  command
    .command('remove <name>')
    .description('Remove an alert')
    .action(async (name, _flags, sub) => {
      const { removeAlert } = await import('./alert-run.js')
      await removeAlert(name, sub.optsWithGlobals())
    })
  command
    .command('check <name>')
    .description('Run the query now, evaluate the condition, and notify when the state changed')
    .option('--attempts <n>', 'delivery tries per channel (default 4)')
    .action(async (name, flags, sub) => {
      const { checkAlertNow } = await import('./alert-run.js')
      await checkAlertNow(name, flags, sub.optsWithGlobals())
    })
  command
    .command('test <name>')
    .description('Send a test notification to every channel of the alert, and say how each went')
    .option('--attempts <n>', 'delivery tries per channel (default 4)')
    .action(async (name, flags, sub) => {
      const { testAlertNow } = await import('./alert-run.js')
      await testAlertNow(name, flags, sub.optsWithGlobals())
    })
}
