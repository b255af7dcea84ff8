/**
 * ADF (Atlassian Document Format, Jira v3 rich text) rendered as plain text,
 * Markdown and HTML — as JavaScript *source*, because it runs inside each
 * sandbox isolate, where nothing from Node (not even `URL`) exists. The same
 * source is also evaluated in-process by the default converter, so there is
 * one implementation. Written fresh after src/sim/data/rich-text.ts (which
 * src/convert may not import).
 *
 * The source is a function body: evaluated, it returns `{ adfToText, adfToMarkdown, adfToHtml }`.
 * Every renderer accepts a doc, a node, an array of nodes, the doc's JSON text,
 * or a plain string (API v2 rich text, treated as text); null and undefined give ''.
 * Unknown node types render their children; missing fields are tolerated.
 *
 * Kept free of template literals so that it can live in one: no backticks and
 * no dollar-brace anywhere below.
 */
export const ADF_SOURCE = String.raw`
'use strict'
var INLINE = { text: 1, hardBreak: 1, mention: 1, emoji: 1, inlineCard: 1, date: 1, status: 1, mediaInline: 1, placeholder: 1, inlineExtension: 1 }
// Marks apply innermost first, whatever order the document lists them in.
var MARK_ORDER = { code: 0, em: 1, strong: 2, strike: 3, underline: 4, subsup: 5, textColor: 6, link: 7 }
var HTML_ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, function (c) { return HTML_ESCAPES[c] })
}

// The link target if it is an http, https or mailto URL, else null. Browsers drop
// tabs and newlines inside a URL and C0 controls around it, so "java\tscript:" is
// judged by what a browser would actually run.
function safeHref(href) {
  if (typeof href !== 'string') return null
  var cleaned = href.replace(/[\t\n\r]/g, '').replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '')
  return /^(https?|mailto):/i.test(cleaned) ? cleaned : null
}

function toNode(input) {
  if (input === null || input === undefined) return null
  if (typeof input === 'string') {
    var trimmed = input.trim()
    if (trimmed.charAt(0) === '{') {
      try {
        var parsed = JSON.parse(trimmed)
        if (parsed && typeof parsed === 'object' && typeof parsed.type === 'string') return parsed
      } catch (e) {}
    }
    return { type: 'text', text: input }
  }
  if (Array.isArray(input)) return { type: 'doc', content: input }
  if (typeof input === 'object') return input
  return { type: 'text', text: String(input) }
}

function kids(node) {
  return node && Array.isArray(node.content) ? node.content.filter(function (c) { return c && typeof c === 'object' }) : []
}
function isInline(node) { return INLINE[node.type] === 1 }
function attr(node, name) {
  var v = node.attrs && typeof node.attrs === 'object' ? node.attrs[name] : undefined
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined
}
function textOf(node) { return typeof node.text === 'string' ? node.text : '' }
function isList(node) { return node.type === 'bulletList' || node.type === 'orderedList' }
function headingLevel(node) {
  var level = Number(node.attrs && node.attrs.level)
  return level >= 1 && level <= 6 && Math.floor(level) === level ? level : 1
}
function listStart(node) {
  var order = Number(node.attrs && node.attrs.order)
  return order >= 0 && Math.floor(order) === order ? order : 1
}
function codeLanguage(node) { return (attr(node, 'language') || '').toLowerCase().replace(/[^a-z0-9_+#-]/g, '') }
function codeText(node) { return kids(node).map(textOf).join('') }
function sortedMarks(node) {
  var marks = Array.isArray(node.marks) ? node.marks.filter(function (m) { return m && MARK_ORDER[m.type] !== undefined }) : []
  return marks.sort(function (a, b) { return MARK_ORDER[a.type] - MARK_ORDER[b.type] })
}
// An ADF date node holds a Unix time in ms, as a string.
function dateText(node) {
  var ms = Number(attr(node, 'timestamp'))
  return isFinite(ms) && attr(node, 'timestamp') !== undefined ? new Date(ms).toISOString().slice(0, 10) : ''
}
// What an inline node without text of its own shows.
function inlineFallback(node) {
  if (node.type === 'date') return dateText(node)
  return attr(node, 'text') || attr(node, 'shortName') || attr(node, 'url') || ''
}
function nonEmpty(s) { return s !== '' }

// ---- plain text ----

function plainBlock(node, indent) {
  switch (node.type) {
    case 'paragraph': case 'heading': return plainInline(kids(node))
    case 'codeBlock': return codeText(node)
    case 'bulletList': case 'orderedList': return plainList(node, indent)
    case 'listItem': return plainItem(node, indent)
    case 'rule': return ''
    case 'table': return kids(node).map(function (row) {
      return kids(row).map(function (cell) { return plainChildren(cell, '', ' ') }).join(' | ')
    }).join('\n')
    case 'expand': case 'nestedExpand': return [attr(node, 'title') || '', plainChildren(node, indent, '\n')].filter(nonEmpty).join('\n')
  }
  if (isInline(node)) return plainInline([node])
  return plainChildren(node, indent, '\n\n')
}
function plainChildren(node, indent, separator) {
  return kids(node).map(function (child) { return plainBlock(child, indent) }).filter(nonEmpty).join(separator)
}
function plainList(list, indent) {
  var start = listStart(list)
  return kids(list).map(function (item, i) {
    var marker = list.type === 'orderedList' ? (start + i) + '. ' : '- '
    return indent + marker + plainItem(item, indent + '  ')
  }).join('\n')
}
function plainItem(item, indent) {
  return kids(item).map(function (child) { return plainBlock(child, indent) }).filter(nonEmpty).join('\n')
}
function plainInline(nodes) {
  var out = ''
  for (var i = 0; i < nodes.length; i++) {
    var node = nodes[i]
    if (node.type === 'text') out += textOf(node)
    else if (node.type === 'hardBreak') out += '\n'
    else out += inlineFallback(node) || plainInline(kids(node))
  }
  return out
}

// ---- Markdown (CommonMark, with GFM tables and strike-through) ----

function mdEscape(text) {
  return text
    .replace(/[\\*_[\]<>|~]/g, '\\$&')
    .replace(/^(\s*)([#>+-])/gm, '$1\\$2')
    .replace(/^(\s*\d+)([.)])/gm, '$1\\$2')
}
// A code span or fence must be longer than any backtick run inside it.
function longestRun(text, ch) {
  var best = 0, run = 0
  for (var i = 0; i < text.length; i++) {
    run = text.charAt(i) === ch ? run + 1 : 0
    if (run > best) best = run
  }
  return best
}
function repeat(ch, n) { return new Array(n + 1).join(ch) }
// Emphasis must hug non-space text: "**bold** " works, "**bold **" does not.
function hug(value, open, close) {
  var m = /^(\s*)([\s\S]*?)(\s*)$/.exec(value)
  return m[2] === '' ? value : m[1] + open + m[2] + close + m[3]
}
function mdHref(href) {
  return href.replace(/[\s()<>]/g, function (c) { return '%' + ('0' + c.charCodeAt(0).toString(16).toUpperCase()).slice(-2) })
}
function mdBlock(node, indent) {
  switch (node.type) {
    case 'paragraph': return mdInline(kids(node))
    case 'heading': return repeat('#', headingLevel(node)) + ' ' + mdInline(kids(node))
    case 'codeBlock': {
      var code = codeText(node)
      var fence = repeat('~', Math.max(3, longestRun(code, '~') + 1))
      return fence + codeLanguage(node) + '\n' + code + '\n' + fence
    }
    case 'bulletList': case 'orderedList': return mdList(node)
    case 'listItem': return mdItem(node, '- ')
    case 'rule': return '---'
    case 'blockquote': case 'panel':
      return mdChildren(node).split('\n').map(function (line) { return line === '' ? '>' : '> ' + line }).join('\n')
    case 'table': return mdTable(node)
    case 'expand': case 'nestedExpand': {
      var title = attr(node, 'title')
      return [title ? '**' + mdEscape(title) + '**' : '', mdChildren(node)].filter(nonEmpty).join('\n\n')
    }
  }
  if (isInline(node)) return mdInline([node])
  return mdChildren(node)
}
function mdChildren(node) {
  return kids(node).map(function (child) { return mdBlock(child) }).filter(nonEmpty).join('\n\n')
}
function mdList(list) {
  var start = listStart(list)
  return kids(list).map(function (item, i) {
    return mdItem(item, list.type === 'orderedList' ? (start + i) + '. ' : '- ')
  }).join('\n')
}
// Continuation lines are indented by the marker's width, which is what nests them in CommonMark.
function mdItem(item, marker) {
  var pad = repeat(' ', marker.length)
  var body = kids(item).map(function (child) { return mdBlock(child) }).filter(nonEmpty).join('\n')
  return marker + body.split('\n').map(function (line, i) { return i === 0 || line === '' ? line : pad + line }).join('\n')
}
function mdTable(table) {
  var rows = kids(table).map(function (row) {
    return kids(row).map(function (cell) {
      return kids(cell).map(function (c) { return mdBlock(c) }).filter(nonEmpty).join(' ').replace(/\n/g, ' ')
    })
  })
  if (rows.length === 0) return ''
  var width = Math.max.apply(null, rows.map(function (r) { return r.length }))
  var line = function (cells) {
    var full = cells.slice()
    while (full.length < width) full.push('')
    return '| ' + full.join(' | ') + ' |'
  }
  var out = [line(rows[0]), line(new Array(width).fill('---'))]
  for (var i = 1; i < rows.length; i++) out.push(line(rows[i]))
  return out.join('\n')
}
function mdInline(nodes) {
  var out = ''
  for (var i = 0; i < nodes.length; i++) {
    var node = nodes[i]
    if (node.type === 'text') out += mdText(node)
    else if (node.type === 'hardBreak') out += '\\\n'
    else if (node.type === 'inlineCard' && safeHref(attr(node, 'url'))) out += '<' + mdHref(safeHref(attr(node, 'url'))) + '>'
    else out += mdEscape(inlineFallback(node)) || mdInline(kids(node))
  }
  return out
}
function mdText(node) {
  var raw = textOf(node)
  var marks = sortedMarks(node)
  var out = mdEscape(raw)
  for (var i = 0; i < marks.length; i++) {
    var mark = marks[i]
    if (mark.type === 'code') {
      var ticks = repeat(String.fromCharCode(96), longestRun(raw, String.fromCharCode(96)) + 1)
      var pad = /^[\s\S]*\x60$|^\x60/.test(raw) ? ' ' : ''
      out = raw === '' ? '' : ticks + pad + raw + pad + ticks
    } else if (mark.type === 'em') out = hug(out, '_', '_')
    else if (mark.type === 'strong') out = hug(out, '**', '**')
    else if (mark.type === 'strike') out = hug(out, '~~', '~~')
    else if (mark.type === 'link') {
      var href = safeHref(mark.attrs && mark.attrs.href)
      if (href !== null) out = '[' + (out === '' ? mdEscape(href) : out) + '](' + mdHref(href) + ')'
    }
  }
  return out
}

// ---- HTML ----

function htmlBlock(node) {
  switch (node.type) {
    case 'paragraph': return '<p>' + htmlInline(kids(node)) + '</p>'
    case 'heading': {
      var level = headingLevel(node)
      return '<h' + level + '>' + htmlInline(kids(node)) + '</h' + level + '>'
    }
    case 'codeBlock': {
      var language = codeLanguage(node)
      return '<pre><code' + (language ? ' class="language-' + language + '"' : '') + '>' + escapeHtml(codeText(node)) + '</code></pre>'
    }
    case 'bulletList': return '<ul>' + htmlChildren(node, '') + '</ul>'
    case 'orderedList': {
      var start = listStart(node)
      return '<ol' + (start === 1 ? '' : ' start="' + start + '"') + '>' + htmlChildren(node, '') + '</ol>'
    }
    case 'listItem': {
      var parts = kids(node).map(function (child, i) {
        return i === 0 && child.type === 'paragraph' ? htmlInline(kids(child)) : htmlBlock(child)
      })
      return '<li>' + parts.join('') + '</li>'
    }
    case 'rule': return '<hr/>'
    case 'blockquote': return '<blockquote>' + htmlChildren(node, '') + '</blockquote>'
    case 'panel': return '<div class="panel">' + htmlChildren(node, '') + '</div>'
    case 'table': return '<table><tbody>' + htmlChildren(node, '') + '</tbody></table>'
    case 'tableRow': return '<tr>' + htmlChildren(node, '') + '</tr>'
    case 'tableHeader': return '<th>' + htmlChildren(node, '') + '</th>'
    case 'tableCell': return '<td>' + htmlChildren(node, '') + '</td>'
  }
  if (isInline(node)) return htmlInline([node])
  return htmlChildren(node, '\n')
}
function htmlChildren(node, separator) {
  return kids(node).map(htmlBlock).join(separator)
}
function htmlInline(nodes) {
  var out = ''
  for (var i = 0; i < nodes.length; i++) {
    var node = nodes[i]
    if (node.type === 'text') out += htmlText(node)
    else if (node.type === 'hardBreak') out += '<br/>'
    else if (node.type === 'mention')
      out += '<span class="mention" data-account-id="' + escapeHtml(attr(node, 'id') || '') + '">' + escapeHtml(attr(node, 'text') || '') + '</span>'
    else if (node.type === 'inlineCard' && safeHref(attr(node, 'url'))) {
      var url = escapeHtml(safeHref(attr(node, 'url')))
      out += '<a href="' + url + '" rel="nofollow noreferrer">' + url + '</a>'
    } else out += escapeHtml(inlineFallback(node)) || htmlInline(kids(node))
  }
  return out
}
function htmlText(node) {
  var out = escapeHtml(textOf(node))
  var marks = sortedMarks(node)
  for (var i = 0; i < marks.length; i++) {
    var mark = marks[i]
    if (mark.type === 'code') out = '<code>' + out + '</code>'
    else if (mark.type === 'em') out = '<em>' + out + '</em>'
    else if (mark.type === 'strong') out = '<strong>' + out + '</strong>'
    else if (mark.type === 'strike') out = '<s>' + out + '</s>'
    else if (mark.type === 'underline') out = '<u>' + out + '</u>'
    else if (mark.type === 'link') {
      var href = safeHref(mark.attrs && mark.attrs.href)
      if (href !== null) out = '<a href="' + escapeHtml(href) + '" rel="nofollow noreferrer">' + out + '</a>'
    }
  }
  return out
}

function render(blockRenderer, separator) {
  return function (input) {
    var node = toNode(input)
    if (node === null) return ''
    if (node.type !== 'doc') return blockRenderer(node, '')
    return kids(node).map(function (child) { return blockRenderer(child, '') }).filter(nonEmpty).join(separator)
  }
}

return {
  adfToText: render(plainBlock, '\n\n'),
  adfToMarkdown: render(mdBlock, '\n\n'),
  adfToHtml: render(htmlBlock, '\n'),
}
`
