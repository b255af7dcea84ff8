/**
 * Velocity templates in the converter sandbox (issue 13): escaping, `$!`, the `$PQ` helpers and
 * their limit, PocketQuery's chart scripts, errors with their line and column, and the limits.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { ConverterPool, MAX_TEMPLATE_CALLS } from '../../src/convert/index.js'
import { isQuarryError } from '../../src/domain/errors.js'
import { LIQUID_LIMITS } from '../../src/render/liquid-template.js'
import {
  renderVelocity,
  VELOCITY_CHART_NOTICE,
  VELOCITY_SCRIPT_NOTICE,
  VelocityError,
  type TemplateLookup,
} from '../../src/render/velocity-template.js'
import { hasElement, htmlText } from '../helpers/html-text.js'

const XSS = '<img src=x onerror=alert(1)>'
const pool = new ConverterPool({ size: 1 })
afterAll(() => pool.close())

const ROWS = [
  { Key: 'QA-1', Summary: XSS, Points: 3, Owner: null },
  { Key: 'QA-2', Summary: 'Fine', Points: 5, Owner: 'Ann' },
]

async function render(
  source: string,
  options: {
    templates?: TemplateLookup
    params?: Record<string, string>
    limits?: typeof LIQUID_LIMITS
  } = {},
): Promise<{ html: string; notices: readonly string[] }> {
  return renderVelocity(
    source,
    { result: ROWS, query: 'issues', params: options.params ?? {} },
    {
      sandbox: pool,
      defaultTable: () => '<table class="quarry-default"><tr><td>default</td></tr></table>',
      ...(options.templates === undefined ? {} : { templates: options.templates }),
      ...(options.limits === undefined ? {} : { limits: options.limits }),
    },
  )
}

async function failure(source: string, options: Parameters<typeof render>[1] = {}): Promise<VelocityError> {
  const error = await render(source, options).then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  expect(error).toBeInstanceOf(VelocityError)
  return error as VelocityError
}

describe('output', () => {
  it('escapes every value it writes, a row’s, a map’s, a list’s and a parameter’s', async () => {
    const { html } = await render(
      '<p>$result.get(0).Summary</p><p>$result.get(0)</p><p>$result</p><p>$queryParameters.q</p><p>$queryParameters</p>',
      { params: { q: XSS } },
    )
    expect(hasElement(html, 'img')).toBe(false)
    expect(html).not.toContain('<img')
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(htmlText(html)).toContain(`${XSS} ${'{'}Key=QA-1, Summary=${XSS}, Points=3, Owner=null}`)
  })

  it('has no way to write a value unescaped: a quoted string, #set and a macro escape it too', async () => {
    const { html } = await render(
      '#set($s = "x $result.get(0).Summary")$s #set($t = $result.get(0).Summary)$t #macro(m $v)$v#end#m($result.get(0).Summary) $!{result.get(0).Summary}',
    )
    expect(hasElement(html, 'img')).toBe(false)
    // Escaped once, never twice.
    expect(htmlText(html)).toBe(`x ${XSS} ${XSS} ${XSS} ${XSS}`)
  })

  it('writes null as Velocity does: $x as its own text, $!x as nothing', async () => {
    const { html } = await render('[$result.get(0).Owner][$!result.get(0).Owner][$nothing][$!nothing]')
    expect(html).toBe('[$result.get(0).Owner][][$nothing][]')
  })

  it('gives lists and maps Java’s methods: get, size, keySet, entrySet, isEmpty, containsKey, values', async () => {
    const { html } = await render(
      '$result.size() $result.isEmpty() $result.get(1).keySet() $result.get(1).containsKey("Key") $result.get(1).values() $result.get(1).Key.length() #foreach($e in $result.get(1).entrySet())$e.key=$e.value;#end',
    )
    expect(html).toBe(
      '2 false [Key, Summary, Points, Owner] true [QA-2, Fine, 5, Ann] 4 Key=QA-2;Summary=Fine;Points=5;Owner=Ann;',
    )
  })

  it('$PQ.toList takes the result as a list; $queryName is the query', async () => {
    const { html } = await render(
      '#foreach($r in $PQ.toList($result))$r.Key #end$PQ.toList($nothing).size() $queryName',
    )
    expect(html).toBe('QA-1 QA-2 0 issues')
  })
})

describe('templates inserted with $PQ', () => {
  const named: Record<string, string> = {
    footer: '<p>$result.size() issues</p>',
    nested: '<div>$PQ.templateByName("footer")</div>',
    self: 'x$PQ.templateByName("self")',
    broken: 'one\n#if($x ==)#end',
  }
  const asked: string[] = []
  const templates: TemplateLookup = async (name) => {
    asked.push(name)
    return named[name]
  }

  it('inserts a named template’s output as markup, nested ones too, and the default table', async () => {
    const { html } = await render('$PQ.templateByName("nested")|$PQ.template("default")', { templates })
    expect(html).toBe(
      '<div><p>2 issues</p></div>|<table class="quarry-default"><tr><td>default</td></tr></table>',
    )
  })

  it('finds a name built at run time too', async () => {
    asked.length = 0
    const { html } = await render('#set($n = "foot")$PQ.templateByName("${n}er")', { templates })
    expect(html).toBe('<p>2 issues</p>')
    expect(asked).toEqual(['footer'])
  })

  it(`stops after ${MAX_TEMPLATE_CALLS} insertions in a run, as PocketQuery does`, async () => {
    const fifteen = '$PQ.template("default")'.repeat(MAX_TEMPLATE_CALLS)
    await expect(render(fifteen, { templates })).resolves.toBeDefined()
    const sixteen = await failure(`${fifteen}\n  $PQ.template("default")`, { templates })
    expect(sixteen.code).toBe('QUARRY_VIEW_TEMPLATE_LIMIT')
    expect(sixteen.message).toMatch(/at line 2, column 3: .*more than 15 times/)
    const recursive = await failure('$PQ.templateByName("self")', { templates })
    expect(recursive.code).toBe('QUARRY_VIEW_TEMPLATE_LIMIT')
    expect(recursive.template).toBe('self')
  })

  it('names a template that does not exist, and a syntax error inside an inserted one', async () => {
    const missing = await failure('a\n$PQ.templateByName("nope")', { templates })
    expect(missing.code).toBe('QUARRY_VELOCITY_TEMPLATE_NOT_FOUND')
    expect(missing.message).toContain('no template is named "nope"')
    expect([missing.line, missing.column]).toEqual([2, 1])
    const broken = await failure('$PQ.templateByName("broken")', { templates })
    expect(broken.code).toBe('QUARRY_VELOCITY_SYNTAX')
    expect(broken.message).toMatch(/in template "broken" at line 2/)
  })
})

describe('scripts', () => {
  it('takes out a PocketQuery.chart script and says to use Quarry’s chart template', async () => {
    const { html, notices } = await render(
      '<p>Chart</p>\n<script type="text/javascript">\n  PocketQuery.chart("BarChart", { title: "$queryName" });\n</script>',
    )
    expect(hasElement(html, 'script')).toBe(false)
    expect(htmlText(html)).toBe('Chart')
    expect(notices).toEqual([VELOCITY_CHART_NOTICE])
    expect(VELOCITY_CHART_NOTICE).toMatch(/not support.*chart template/)
  })

  it('takes out any other script and says so', async () => {
    const { html, notices } = await render('<script src="https://evil.example/x.js"></script><p>ok</p>')
    expect(html).toBe('<p>ok</p>')
    expect(notices).toEqual([VELOCITY_SCRIPT_NOTICE])
  })
})

describe('errors, with the line and column', () => {
  it('a syntax error', async () => {
    const error = await failure('<table>\n#if($result.size() > 0')
    expect(error.code).toBe('QUARRY_VELOCITY_SYNTAX')
    expect(error.message).toMatch(/does not parse at line 2, column \d+: the template ends too early/)
    const stray = await failure('<table>\n#if($result.size() > 0\n<tr>')
    expect(stray.message).toContain('does not parse at line 3, column 1: unexpected "tr"')
    const unexpected = await failure('ok\n#if($x == ))#end')
    expect(unexpected.code).toBe('QUARRY_VELOCITY_SYNTAX')
    expect(unexpected.line).toBe(2)
  })

  it('an unknown $PQ method, #parse and #include', async () => {
    const unknown = await failure('<p>\n    $PQ.chart("x")</p>')
    expect(unknown.code).toBe('QUARRY_VELOCITY_UNSUPPORTED')
    expect([unknown.line, unknown.column]).toEqual([2, 5])
    expect(unknown.message).toContain(
      '$PQ.chart() is not available in Quarry; $PQ has toList, template and templateByName',
    )
    for (const directive of ['#parse("header.vm")', '#include("/etc/passwd")', '#eval("$x")']) {
      const error = await failure(directive)
      expect(error.code).toBe('QUARRY_VELOCITY_UNSUPPORTED')
      expect(error.line).toBe(1)
    }
  })

  it('a method that fails', async () => {
    const error = await failure('\n\n$result.get(0).Key.repeat(-1)')
    expect(error.code).toBe('QUARRY_VIEW_TEMPLATE_INVALID')
    expect(error.message).toContain('at line 3, column 1: RangeError: Invalid count value: -1')
  })
})

describe('limits, as Liquid’s', () => {
  it('a loop over a huge range stops at the time (or memory) limit', async () => {
    const error = await failure('#foreach($i in [1..100000000])x#end')
    expect(error.code).toBe('QUARRY_VIEW_TEMPLATE_LIMIT')
    expect(error.message).toMatch(/CPU time limit of 1000 ms|memory limit/)
  })

  it('nested loops and a macro that calls itself stop too', async () => {
    const nested = await failure('#foreach($i in [1..20000])#foreach($j in [1..20000])$i#end#end')
    expect(nested.code).toBe('QUARRY_VIEW_TEMPLATE_LIMIT')
    const recursive = await failure('#macro(again $n)#again($n)#end#again(1)')
    expect(recursive.code).toBe('QUARRY_VIEW_TEMPLATE_LIMIT')
  })

  it('output and source are capped at Liquid’s sizes', async () => {
    const limits = { ...LIQUID_LIMITS, memoryLimit: 1000 }
    const long = await failure('#foreach($i in [1..500])xxxx#end', { limits })
    expect(long.code).toBe('QUARRY_VIEW_TEMPLATE_LIMIT')
    expect(long.message).toContain('more than 1000 characters')
    const big = await failure('x'.repeat(LIQUID_LIMITS.parseLimit + 1))
    expect(big.code).toBe('QUARRY_VIEW_TEMPLATE_LIMIT')
  })

  it('the worker survives: the next template renders', async () => {
    await expect(render('$result.size()')).resolves.toEqual({ html: '2', notices: [] })
  })
})

describe('the sandbox', () => {
  it('a template finds no process, require or global object, and cannot build a function', async () => {
    const { html } = await render(
      '[$process][$!process.env][$!require][$!globalThis][$!PQ.toList.constructor][$!result.constructor.constructor("return process")]',
    )
    expect(html).toBe('[$process][][][][][]')
  })

  it('every error is a registered code', async () => {
    const error = await failure('#if(')
    expect(isQuarryError(error)).toBe(true)
  })
})
