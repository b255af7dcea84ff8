import type { Command } from 'commander'
import { collect } from './flags.js'
import { smtpOptions } from './smtp-flags.js'

/** `quarry subscription add|list|remove`: a schedule's runs mailed to addresses (issue 16). */
export function registerSubscription(program: Command): void {
  const command = program
    .command('subscription')
    .description("Mail a schedule's results to addresses: a table in the body, CSV or XLSX attached")
  smtpOptions(
    command
      .command('add <name>')
      .description("Subscribe addresses to a schedule's runs (mailed by quarry serve, with its --public-url)")
      .requiredOption('--schedule <schedule>', 'the schedule whose runs are mailed')
      .option('--to <address>', 'mail this address (repeatable)', collect)
      .option('--format <format>', 'the attachment: csv (default), xlsx or none')
      .option('--subject <text>', "the mail's subject (default: the query, its row count and time)")
      .option('--body-rows <n>', 'the most rows the table in the body shows (default 50; all are attached)'),
  ).action(async (name, flags, sub) => {
    const { addSubscription } = await import('./subscription-run.js')
    await addSubscription(name, flags, sub.optsWithGlobals())
  })
  command
    .command('list')
    .description('List the subscriptions: schedule, recipients, format, last mailing and its error')
    .action(async (_flags, sub) => {
      const { listSubscriptions } = await import('./subscription-run.js')
      await listSubscriptions(sub.optsWithGlobals())
    })
  command
    .command('remove <name>')
    .description('Remove a subscription: no more mails to any of its addresses')
    .action(async (name, _flags, sub) => {
      const { removeSubscription } = await import('./subscription-run.js')
      await removeSubscription(name, sub.optsWithGlobals())
    })
}
