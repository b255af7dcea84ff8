import { QuarryError } from '../domain/errors.js'
import { runQuery, type RunResult } from '../engine/index.js'
import { FORMATS, isFormatName, renderStream, type Row } from '../render/index.js'
import { withEngine, type StoreFlags } from './context.js'
import { parseAssignments, parseDuration } from './flags.js'
import { RowQueue } from './row-queue.js'
import { rowSlices } from './row-slices.js'

/** Rows parsed at a time from a page's JSON text (the queue holds about this many). */
const SLICE_ROWS = 1000

interface RunFlags {
  readonly param?: string[]
  readonly format: string
  readonly columns?: string
  readonly refresh?: boolean
  readonly cache?: string
}

/** Resolves when stdout can take more, or is gone (a reader such as `head` closed the pipe). */
function drained(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.stdout.off('drain', done).off('close', done).off('error', done)
      resolve()
    }
    process.stdout.once('drain', done).once('close', done).once('error', done)
  })
}

/** A one-line progress note on stderr while pages arrive, only when a person is watching. */
function progress(): { page(pages: number): void; done(): void } {
  if (!process.stderr.isTTY) return { page: () => undefined, done: () => undefined }
  let shown = false
  return {
    page(pages) {
      if (pages < 2) return
      shown = true
      process.stderr.write(`\r\u001b[2Kfetching… ${pages} pages`)
    },
    done() {
      if (shown) process.stderr.write('\r\u001b[2K')
    },
  }
}

export async function runCommand(name: string, flags: RunFlags, global: StoreFlags): Promise<void> {
  if (!isFormatName(flags.format)) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `--format must be one of ${FORMATS.join(', ')}; got "${flags.format}"`,
    )
  }

  const format = flags.format
  const params = parseAssignments('--param', flags.param ?? [])
  const cacheTtlSeconds = flags.cache === undefined ? undefined : parseDuration('--cache', flags.cache)
  const bar = progress()
  const columns = flags.columns
    ?.split(',')
    .map((c) => c.trim())
    .filter(Boolean)
  const renderOptions = {
    ...(columns ? { columns } : {}),
    width: process.stdout.columns ?? 100,
    color: process.stdout.isTTY === true,
    title: name,
  }
  const write = async (chunks: AsyncIterable<string>) => {
    for await (const chunk of chunks) if (!process.stdout.write(chunk)) await drained()
  }
  const runOptions = {
    params,
    ...(flags.refresh ? { refresh: true } : {}),
    ...(cacheTtlSeconds === undefined ? {} : { cacheTtlSeconds }),
    onPage: bar.page,
  }
  let meta: Pick<RunResult, 'notices' | 'fromCache' | 'fetchedAt'>
  if (format === 'table') {
    // A table needs every row to size its columns.
    const { rows, ...rest } = await withEngine(global, async (deps) => {
      const result = await runQuery(deps, { query: name, ...runOptions })
      return { ...result, rowsJson: undefined, rows: JSON.parse(result.rowsJson) as Row[] }
    }).finally(bar.done)
    meta = rest
    await write(renderStream(format, rows, renderOptions))
  } else {
    // Other formats stream: rows go out page by page while later pages are fetched.
    const queue = new RowQueue<Row>()
    const output = write(renderStream(format, queue, renderOptions))
    output.catch(() => undefined)
    try {
      meta = await withEngine(global, (deps) =>
        runQuery(deps, {
          query: name,
          ...runOptions,
          // A slice of rows at a time: a page's rows are parsed as the renderer gets to them.
          onRows: async (json) => {
            for (const rows of rowSlices(json, SLICE_ROWS)) await queue.push(rows as Row[])
          },
        }),
      ).finally(bar.done)
    } catch (error) {
      queue.fail(error)
      throw error
    }
    queue.end()
    await output
  }
  for (const notice of meta.notices) process.stderr.write(`note: ${notice}\n`)
  if (meta.fromCache) process.stderr.write(`note: from the cache, fetched ${meta.fetchedAt.toISOString()}\n`)
}
