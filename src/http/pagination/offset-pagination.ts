import type { Pagination } from '../../domain/query.js'
import type { BoundRequest } from '../bind.js'
import { countItems, readPath } from './json-path.js'
import { capNotice, withPagingValue, type FetchPage, type Page, type PaginateOptions } from './page.js'

type Rule = Extract<Pagination, { type: 'offset' }>

/**
 * startAt/maxResults/total. Once the first page tells the total, the other
 * pages are known and fetched `concurrency` at a time, then yielded in order.
 * The step is what the server actually returned on the first page, since APIs
 * cap maxResults below what was asked ("fewer may come back").
 */
export async function* offsetPages(
  first: BoundRequest,
  rule: Rule,
  fetchPage: FetchPage,
  options: PaginateOptions,
): AsyncGenerator<Page> {
  const at = (start: number) =>
    withPagingValue(withPagingValue(first, rule.startParam, start), rule.sizeParam, rule.pageSize)
  const firstRequest = at(0)
  const head: Page = { index: 0, ...(await fetchPage(firstRequest)) }
  yield head
  const step = countItems(head.value, rule.itemsPath) ?? 0
  const total = readPath(head.value, rule.totalPath)
  if (step === 0 || (rule.lastPath !== undefined && readPath(head.value, rule.lastPath) === true)) return
  if (typeof total === 'number' && Number.isFinite(total)) {
    const starts: number[] = []
    for (let start = step; start < total; start += step) starts.push(start)
    if (starts.length + 1 > options.maxPages) {
      options.onNotice(capNotice(options.maxPages))
      starts.length = options.maxPages - 1
    }
    yield* inOrder(
      starts.map((start, i) => () => fetchPage(at(start)).then((page) => ({ index: i + 1, ...page }))),
      options.concurrency,
    )
    return
  }
  // No total: one page after another until an empty or short one.
  for (let index = 1, start = step; ; index++, start += step) {
    if (index >= options.maxPages) {
      options.onNotice(capNotice(options.maxPages))
      return
    }
    const page: Page = { index, ...(await fetchPage(at(start))) }
    const items = countItems(page.value, rule.itemsPath) ?? 0
    if (items === 0) return
    yield page
    if (items < step || (rule.lastPath !== undefined && readPath(page.value, rule.lastPath) === true)) return
  }
}

/** Runs tasks with at most `limit` in flight and yields their results in task order. */
async function* inOrder<T>(tasks: readonly (() => Promise<T>)[], limit: number): AsyncGenerator<T> {
  const results = new Array<Promise<T> | undefined>(tasks.length)
  let started = 0
  const start = () => {
    const task = tasks[started]
    if (task === undefined) return
    const promise = task()
    // Rejections are observed when their turn comes; keep them from being reported as unhandled first.
    promise.catch(() => undefined)
    results[started++] = promise
  }
  while (started < Math.min(limit, tasks.length)) start()
  try {
    for (let i = 0; i < tasks.length; i++) {
      const value = await (results[i] as Promise<T>)
      results[i] = undefined
      start()
      yield value
    }
  } finally {
    // Stopped early (a cap, an error, the caller left): no fetch may outlive the run — a
    // refresh still in flight must commit its rotated token before the store closes.
    await Promise.allSettled(results.filter((promise) => promise !== undefined))
  }
}
