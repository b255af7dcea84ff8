/**
 * The view page's scripts run here against a few hand-made stand-ins for the DOM objects they
 * touch (no jsdom): enough to check sorting, filtering and the embed's iframe and height messages.
 * The browser tests cover them in a real page.
 */
import vm from 'node:vm'
import { describe, expect, it } from 'vitest'
import { isQuarryError } from '../../src/domain/errors.js'
import {
  HEIGHT_MESSAGE,
  VIEW_SCRIPT,
  VIEW_STYLESHEET,
  embedScript,
  quarryOrigin,
} from '../../src/render/view-script.js'

type Listener = (event?: unknown) => void

interface FakeRow {
  hidden: boolean
  unmatched: boolean
  hasAttribute(name: string): boolean
  toggleAttribute(name: string, on: boolean): void
  textContent: string
  cells: {
    textContent: string
    classList: { contains(name: string): boolean }
    getAttribute(name: string): string | null
  }[]
}

function fakeButton() {
  const button = {
    disabled: false,
    click: () => {},
    addEventListener: (_type: string, fn: Listener) => (button.click = fn),
  }
  return button
}

function fakeTable(
  header: readonly string[],
  body: readonly (readonly (string | number)[])[],
  pageSize?: number,
) {
  const listeners = new Map<string, Listener>()
  const attributes = header.map(() => new Map<string, string>())
  const headers = header.map((name, index) => ({
    getAttribute: (key: string) => attributes[index]?.get(key) ?? null,
    setAttribute: (key: string, value: string) => attributes[index]?.set(key, value),
    removeAttribute: (key: string) => attributes[index]?.delete(key),
    querySelector: () => ({ addEventListener: (_type: string, fn: Listener) => listeners.set(name, fn) }),
  }))
  const tbody: { rows: FakeRow[]; appendChild(fragment: { children: FakeRow[] }): void } = {
    rows: body.map((cells): FakeRow => ({
      hidden: false,
      unmatched: false,
      hasAttribute(this: FakeRow, name: string) {
        return name === 'data-unmatched' && this.unmatched
      },
      toggleAttribute(this: FakeRow, name: string, on: boolean) {
        if (name === 'data-unmatched') this.unmatched = on
      },
      textContent: cells.join(' '),
      cells: cells.map((value) => ({
        textContent: String(value),
        classList: { contains: (name: string) => name === 'num' && typeof value === 'number' },
        getAttribute: () => null,
      })),
    })),
    appendChild(fragment) {
      tbody.rows = fragment.children
    },
  }
  const input = { value: '', listener: undefined as Listener | undefined }
  const box = {
    hidden: true,
    querySelector: (selector: string) =>
      selector === 'input'
        ? {
            ...input,
            addEventListener: (_type: string, fn: Listener) => (input.listener = fn),
            get value() {
              return input.value
            },
          }
        : count,
  }
  const count = { textContent: '' }
  const table = { tHead: { rows: [{ cells: headers }] }, tBodies: [tbody] }
  const prev = fakeButton()
  const next = fakeButton()
  const where = { textContent: '' }
  const pager = {
    hidden: true,
    querySelector: (selector: string) =>
      selector === '[data-page=prev]' ? prev : selector === '[data-page=next]' ? next : where,
  }
  const wrapper = {
    getAttribute: (name: string) =>
      name === 'data-page-size' && pageSize !== undefined ? String(pageSize) : null,
    querySelector: (selector: string) =>
      selector === 'table'
        ? table
        : selector === '.quarry-pager'
          ? pageSize === undefined
            ? null
            : pager
          : box,
  }
  const document = {
    // Only the table's wrapper: a page without parameter dropdowns (param-options.ts) has no `.quarry-options`.
    querySelectorAll: (selector: string) => (selector === '.quarry-table' ? [wrapper] : []),
    // The page has no Connect prompt (issue 15) and is no consent window's last page.
    querySelector: () => null,
    createDocumentFragment: () => ({
      children: [] as FakeRow[],
      appendChild(row: FakeRow) {
        this.children.push(row)
      },
    }),
    documentElement: { hasAttribute: () => false },
  }
  vm.runInNewContext(VIEW_SCRIPT, { document, window: {} })
  return {
    click: (name: string) => listeners.get(name)?.(),
    column: (index: number) => tbody.rows.map((row) => row.cells[index]?.textContent),
    sortState: (index: number) => attributes[index]?.get('aria-sort'),
    filter: (text: string) => {
      input.value = text
      input.listener?.()
    },
    visible: () => tbody.rows.filter((row) => !row.hidden).map((row) => row.cells[0]?.textContent),
    box,
    count,
    pager,
    prev,
    next,
    where,
  }
}

describe('the view script', () => {
  const table = () =>
    fakeTable(
      ['key', 'points'],
      [
        ['QA-10', 10],
        ['QA-2', 2],
        ['QA-1', ''],
        ['qa-3', 100],
      ],
    )

  it('sorts numbers by value, ascending then descending (empty cells after the numbers)', () => {
    const t = table()
    t.click('points')
    expect(t.column(1)).toEqual(['2', '10', '100', ''])
    expect(t.sortState(1)).toBe('ascending')
    t.click('points')
    expect(t.column(1)).toEqual(['', '100', '10', '2'])
    expect(t.sortState(1)).toBe('descending')
  })

  it('sorts text in natural order, ignoring case', () => {
    const t = table()
    t.click('key')
    expect(t.column(0)).toEqual(['QA-1', 'QA-2', 'qa-3', 'QA-10'])
  })

  it('shows the filter box and filters rows by their text, case-insensitively', () => {
    const t = table()
    expect(t.box.hidden).toBe(false)
    t.filter('qa-1')
    expect(t.visible()).toEqual(['QA-10', 'QA-1'])
    expect(t.count.textContent).toBe('2 of 4 rows')
    t.filter('')
    expect(t.visible()).toHaveLength(4)
  })

  it('pages the rows, with Previous/Next and "Rows X–Y of N", after sorting and filtering', () => {
    const rows = Array.from({ length: 7 }, (_, i) => [`QA-${i + 1}`, i + 1])
    const t = fakeTable(['key', 'points'], rows, 3)
    expect(t.pager.hidden).toBe(false)
    expect(t.visible()).toEqual(['QA-1', 'QA-2', 'QA-3'])
    expect(t.where.textContent).toBe('Rows 1–3 of 7')
    expect(t.prev.disabled).toBe(true)
    t.next.click()
    expect(t.visible()).toEqual(['QA-4', 'QA-5', 'QA-6'])
    t.next.click()
    expect(t.visible()).toEqual(['QA-7'])
    expect(t.where.textContent).toBe('Rows 7–7 of 7')
    expect(t.next.disabled).toBe(true)
    // Sorting orders all rows and goes back to the first page.
    t.click('points')
    t.click('points')
    expect(t.visible()).toEqual(['QA-7', 'QA-6', 'QA-5'])
    // Filtering pages the matching rows only.
    t.filter('qa-')
    t.next.click()
    expect(t.where.textContent).toBe('Rows 4–6 of 7')
    t.filter('7')
    expect(t.visible()).toEqual(['QA-7'])
    expect(t.where.textContent).toBe('Rows 1–1 of 1')
  })

  it('shows no pager when every row fits on one page', () => {
    const t = fakeTable(['key'], [['QA-1'], ['QA-2']], 3)
    expect(t.pager.hidden).toBe(true)
    expect(t.visible()).toEqual(['QA-1', 'QA-2'])
  })

  it('the stylesheet and script are plain text assets', () => {
    expect(VIEW_STYLESHEET).toContain('.quarry-table')
    expect(() => new vm.Script(VIEW_SCRIPT)).not.toThrow()
  })
})

function runEmbed(origin: string, attributes: Record<string, string>) {
  const frames: { src?: string; style: Record<string, string>; contentWindow: object; title?: string }[] = []
  let onMessage: Listener | undefined
  const element = {
    attributes: { ...attributes } as Record<string, string>,
    hasAttribute(name: string) {
      return name in this.attributes
    },
    getAttribute(name: string) {
      return this.attributes[name] ?? null
    },
    setAttribute(name: string, value: string) {
      this.attributes[name] = value
    },
    replaceChildren(frame: (typeof frames)[number]) {
      frames.push(frame)
    },
  }
  const document = {
    readyState: 'complete',
    querySelectorAll: () => [element],
    createElement: () => ({ style: {}, contentWindow: {} }),
  }
  const window = { addEventListener: (_type: string, fn: Listener) => (onMessage = fn) }
  vm.runInNewContext(embedScript(origin), { document, window, URLSearchParams })
  return { frames, message: (event: unknown) => onMessage?.(event) }
}

describe('the embed script', () => {
  it('puts an iframe to the view in embed mode, with the element’s params', () => {
    const { frames } = runEmbed('https://quarry.example.com', {
      'data-quarry-view': 'open issues',
      'data-params': 'project=QA&embed=0&jql=a%20b',
    })
    expect(frames).toHaveLength(1)
    expect(frames[0]?.src).toBe('https://quarry.example.com/v/open%20issues?embed=1&project=QA&jql=a+b')
    expect(frames[0]?.title).toBe('open issues')
  })

  it('sizes the iframe from height messages of that iframe from the Quarry origin only', () => {
    const { frames, message } = runEmbed('https://quarry.example.com', { 'data-quarry-view': 'q' })
    const frame = frames[0]!
    message({
      origin: 'https://quarry.example.com',
      source: frame.contentWindow,
      data: { type: HEIGHT_MESSAGE, height: 420.2 },
    })
    expect(frame.style['height']).toBe('421px')
    message({
      origin: 'https://evil.example',
      source: frame.contentWindow,
      data: { type: HEIGHT_MESSAGE, height: 9 },
    })
    message({ origin: 'https://quarry.example.com', source: {}, data: { type: HEIGHT_MESSAGE, height: 9 } })
    message({
      origin: 'https://quarry.example.com',
      source: frame.contentWindow,
      data: { type: HEIGHT_MESSAGE, height: '9' },
    })
    expect(frame.style['height']).toBe('421px')
  })

  it('takes an origin only: scheme, host and port', () => {
    expect(quarryOrigin('https://quarry.example.com:8443/')).toBe('https://quarry.example.com:8443')
    for (const bad of [
      'javascript:alert(1)',
      'https://q.example/path',
      'https://u:p@q.example',
      'nonsense',
    ]) {
      let error: unknown
      try {
        embedScript(bad)
      } catch (caught) {
        error = caught
      }
      expect(isQuarryError(error, 'QUARRY_CONFIG_INVALID')).toBe(true)
    }
  })
})
