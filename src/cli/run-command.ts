import { QuarryError } from '../domain/errors.js'
import { runQuery } from '../engine/run.js'
import type { RunResult } from '../engine/result.js'
import { formatNames, isFormatName, writeFormat, type Chunk, type Row } from '../render/index.js'
import { withEngine, type StoreFlags } from './context.js'
import { parseAssignments, parseDuration } from './flags.js'
import { progressLine } from './progress.js'
import { feedRowObjects, feedRows, RowQueue } from '../render/row-queue.js'
import { youngGenerationKept } from './young-generation.js'
import { fullCollectionsByDownload, fullCollectionsByOutput } from './full-collections.js'
import { viewerNamed } from './viewer-named.js'

interface RunFlags {
  readonly param?: string[]
  readonly format: string
  readonly columns?: string
  readonly refresh?: boolean
  readonly cache?: string
  readonly template?: boolean
  /** Runs as this Quarry user: a per-user datasource uses their own connection (issue 15). */
  readonly as?: string
}

/** Where `quarry run` writes: the process's stdout, or a stream a test reads. */
export interface RunOutput {
  readonly stdout: NodeJS.WritableStream & { readonly columns?: number; readonly isTTY?: boolean }
}

/** Resolves when `out` can take more, or is gone (a reader such as `head` closed the pipe). */
function drained(out: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done).off('close', done).off('error', done)
      resolve()
    }
    out.once('drain', done).once('close', done).once('error', done)
  })
}

export async function runCommand(
  name: string,
  flags: RunFlags,
  global: StoreFlags,
  output: RunOutput = process,
): Promise<void> {
  if (!isFormatName(flags.format)) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `--format must be one of ${formatNames().join(', ')}; got "${flags.format}"`,
    )
  }
  const { stdout } = output

  const format = flags.format
  const params = parseAssignments('--param', flags.param ?? [])
  const cacheTtlSeconds = flags.cache === undefined ? undefined : parseDuration('--cache', flags.cache)
  if (flags.template === true) {
    if (format !== 'html' || flags.columns !== undefined) {
      throw new QuarryError(
        'QUARRY_CONFIG_INVALID',
        "--template writes the query's template as an HTML document: use it with --format html (and without --columns)",
      )
    }
    const { runTemplate } = await import('./run-template.js')
    await runTemplate(name, { params, refresh: flags.refresh === true, cacheTtlSeconds }, global, stdout)
    return
  }
  const bar = progressLine(process.stderr)
  const youngGeneration = youngGenerationKept()
  // Bound what a long run leaves dead between V8's own full collections (full-collections.ts):
  // response bodies by the page text read, rows by the output written.
  const collections = fullCollectionsByDownload()
  const outputCollections = fullCollectionsByOutput()
  const onSlice = (rows: number) => {
    youngGeneration(rows)
    bar.rows(rows)
  }
  const columns = flags.columns
    ?.split(',')
    .map((c) => c.trim())
    .filter(Boolean)
  const renderOptions = {
    ...(columns ? { columns } : {}),
    width: stdout.columns ?? 100,
    color: stdout.isTTY === true,
    title: name,
    name,
  }
  const write = async (chunks: AsyncIterable<Chunk>) => {
    for await (const chunk of chunks) {
      outputCollections(chunk.length)
      if (!stdout.write(chunk)) await drained(stdout)
    }
  }
  const runOptions = {
    params,
    ...(flags.refresh ? { refresh: true } : {}),
    ...(cacheTtlSeconds === undefined ? {} : { cacheTtlSeconds }),
    onPage: (pages: number, chars?: number) => {
      collections(pages, chars)
      bar.page(pages)
    },
  }
  // Rows go out page by page while later pages are fetched; a format that needs every row first
  // (the table sizes its columns from all cells) collects them itself.
  const queue = new RowQueue<Row>()
  const written = write(writeFormat(format, queue, renderOptions))
  written.catch(() => undefined)
  let meta: Pick<RunResult, 'notices' | 'fromCache' | 'fetchedAt'>
  try {
    meta = await withEngine(global, async (deps) =>
      runQuery(deps, {
        query: name,
        ...runOptions,
        ...(flags.as === undefined ? {} : { viewer: await viewerNamed(deps.store, flags.as) }),
        // A slice of rows at a time: a page's rows are parsed as the renderer gets to them.
        onRows: feedRows(queue, { onSlice }),
        // A SQL query's rows as the driver made them: no JSON text in between.
        onRowObjects: feedRowObjects(queue, { onSlice }),
      }),
    ).finally(bar.done)
  } catch (error) {
    queue.fail(error)
    throw error
  }
  queue.end()
  await written
  for (const notice of meta.notices) process.stderr.write(`note: ${notice}\n`)
  if (meta.fromCache) process.stderr.write(`note: from the cache, fetched ${meta.fetchedAt.toISOString()}\n`)
}
