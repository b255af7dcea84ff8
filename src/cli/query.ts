import type { Command } from 'commander'
import { registerVersionCommands } from './versions.js'
import { collect } from './flags.js'

/** `quarry query add|list|show|edit|sample|remove`. */
export function registerQuery(program: Command): void {
  const command = program
    .command('query')
    .description('Define requests with typed :params, pagination and a converter')
  const definition = (sub: Command) =>
    sub
      .option('--datasource <name>', 'the datasource the query uses')
      .option('--method <method>', 'GET (default), POST, PUT, PATCH or DELETE')
      .option('--path <path>', 'path relative to the base URL, with :params, e.g. "/search/jql?jql=:jql"')
      .option('--body <json|@file>', 'JSON body template with :params')
      .option(
        '--sql <statement|@file>',
        'SQL datasources: the statement, e.g. "SELECT * FROM t WHERE id = :id" (values bound, never spliced)',
      )
      .option(
        '--param <name[:type][=default]>',
        'declare a parameter (repeatable; replaces all on edit)',
        collect,
      )
      .option('--allowed <name=v1,v2>', 'the only values a constant parameter accepts', collect)
      .option(
        '--options <"param=query [value=col] [label=col] [name=:other]">',
        "a parameter's allowed values from another query's rows (repeatable; param= drops them)",
        collect,
      )
      .option(
        '--pagination <rule>',
        'none | next-page-token | offset | page-number | cursor | link-header | next-link',
      )
      .option('--page-size <n>', 'offset/page-number: items per page')
      .option('--items-path <path>', 'where the items are in a page, e.g. issues or data.items')
      .option('--total-path <path>', 'offset: where the total is (default total)')
      .option('--last-path <path>', 'where "this is the last page" is (default isLast)')
      .option('--token-param <name>', 'next-page-token: the parameter to send (default nextPageToken)')
      .option('--token-path <path>', 'next-page-token: where the token is (default nextPageToken)')
      .option('--cursor-path <path>', 'cursor: where the next cursor is')
      .option('--cursor-param <name>', 'cursor: the parameter to send (default cursor)')
      .option('--link-path <key>', "next-link: where the next page's URL is (default @odata.nextLink)")
      .option('--page-param <name>', 'page-number: the parameter (default page)')
      .option('--size-param <name>', 'offset/page-number: the page-size parameter')
      .option('--start-param <name>', 'offset: the start parameter (default startAt)')
      .option('--first-page <n>', 'page-number: the first page (default 1)')
      .option('--max-pages <n>', 'stop after this many pages, saying so (default 1000)')
      .option('--max-rows <n>', 'keep at most this many rows, saying so')
      .option('--concurrency <n>', 'pages fetched at once when the rule allows (default 4)')
      .option('--cache <duration>', 'keep results this long, e.g. 5m')
      .option(
        '--time-zone <zone>',
        'the IANA time zone of :@now and :@today, e.g. Europe/Berlin (default UTC)',
      )
      .option('--converter <file>', 'a file with function convert(json, metadata)')
      .option('--converter-name <name>', 'use a named converter (quarry converter list) instead of a file')
      .option('--template-name <name>', 'show the rows with a named template (quarry template list)')

  definition(command.command('add <name>').description('Add a query')).action(async (name, flags, sub) => {
    const { addQuery } = await import('./query-run.js')
    await addQuery(name, flags, sub.optsWithGlobals())
  })
  definition(command.command('edit <name>').description('Change a query: only the flags given change'))
    .option('--rename <newName>', 'give the query a new name')
    .option('--no-converter', 'drop the converter, own or named (rows come from the default converter)')
    .option('--no-template', 'drop the template, own or named (views show the default table)')
    .action(async (name, flags, sub) => {
      const { editQuery } = await import('./query-run.js')
      await editQuery(name, flags, sub.optsWithGlobals())
    })
  command
    .command('list')
    .description('List queries')
    .action(async (_flags, sub) => {
      const { listQueries } = await import('./query-run.js')
      await listQueries(sub.optsWithGlobals())
    })
  command
    .command('show <name>')
    .description('Show a query as JSON')
    .action(async (name, _flags, sub) => {
      const { showQuery } = await import('./query-run.js')
      await showQuery(name, sub.optsWithGlobals())
    })
  command
    .command('sample <name>')
    .description("Print what the query's converter is given: a REST query's first page, raw")
    .option('-p, --param <name=value>', 'a parameter value (repeatable)', collect)
    .action(async (name, flags, sub) => {
      const { sampleCommand } = await import('./sample-run.js')
      await sampleCommand(name, flags, sub.optsWithGlobals())
    })
  command
    .command('remove <name>')
    .description('Remove a query')
    .action(async (name, _flags, sub) => {
      const { removeQuery } = await import('./query-run.js')
      await removeQuery(name, sub.optsWithGlobals())
    })
  registerVersionCommands(command, 'query')
}
