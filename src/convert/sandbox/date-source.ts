/**
 * `formatDate(value, pattern?, timeZone?)` and PocketQuery's
 * `formatMoment(value, pattern)` (installed as `PocketQuery.formatDate`) as
 * JavaScript source for the sandbox (see adf-source.ts for why helpers are
 * source text). A function body: evaluated, it returns `{ formatDate, formatMoment }`.
 *
 * - value: an ISO 8601 string (`2026-01-15T10:30:00Z`, `2026-01-15`), Jira's
 *   `2026-01-15T10:30:00.000+0000` (offset without a colon, which `Date.parse`
 *   rejects), a Date or epoch milliseconds. A time without an offset is UTC.
 *   null, undefined and '' give ''; anything unreadable is returned unchanged,
 *   so one odd cell never fails a whole query.
 * - pattern (default `yyyy-MM-dd HH:mm`): yyyy yy MMMM MMM MM M dd d EEEE EEE
 *   HH H hh h mm m ss s SSS a XXX (`Z` or `+01:00`) Z (`+0100`); text in single
 *   quotes is literal (`''` is a quote).
 * - timeZone (default `UTC`): an IANA name (`Europe/Berlin`) or an offset (`+05:30`).
 *
 * `formatMoment(value, pattern)` reads the same values and takes moment.js
 * pattern tokens instead (PocketQuery documents `'YYYY-MM-DD (dddd), hh:mm'`):
 * YYYY YY Q MMMM MMM MM M Do DDDD DDD DD D dddd ddd dd d HH H hh h mm m ss s
 * SSS A a ZZ Z X x, `[text]` literal; other letters are written as they stand. The time is shown at the offset the value carries
 * (`…+0200` → that wall time, like moment.parseZone), else in UTC. Default
 * pattern: `YYYY-MM-DDTHH:mm:ssZ` (moment's `format()`).
 *
 * No template literals below (it lives in one).
 */
export const DATE_SOURCE = String.raw`
'use strict'
var MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']
var DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
var TOKENS = /'((?:[^']|'')*)'|yyyy|yy|MMMM|MMM|MM|M|dd|d|EEEE|EEE|HH|H|hh|h|mm|m|ss|s|SSS|a|XXX|Z/g
var ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i
var OFFSET = /^([+-])(\d{2}):?(\d{2})?$/
var zoneFormats = {}

function pad(n, width) {
  var s = String(n)
  while (s.length < width) s = '0' + s
  return s
}

// Minutes east of UTC, from "+0530", "+05:30", "-08" or "Z".
function offsetMinutes(text) {
  if (/^z$/i.test(text)) return 0
  var m = OFFSET.exec(text)
  if (!m) return null
  var minutes = Number(m[2]) * 60 + Number(m[3] || 0)
  return m[1] === '-' ? -minutes : minutes
}

// Epoch ms and the offset (minutes) the value was written in: null when it named none.
function readTime(value) {
  if (value instanceof Date) return [value.getTime(), null]
  if (typeof value === 'number') return [value, null]
  if (typeof value !== 'string') return [NaN, null]
  var m = ISO.exec(value.trim())
  if (!m) return [Date.parse(value), null]
  var offset = m[8] ? offsetMinutes(m[8]) : null
  return [toTime(value), offset]
}

function toTime(value) {
  if (value instanceof Date) return value.getTime()
  if (typeof value === 'number') return value
  if (typeof value !== 'string') return NaN
  var m = ISO.exec(value.trim())
  if (!m) return Date.parse(value)
  var ms = m[7] ? Number((m[7] + '00').slice(0, 3)) : 0
  var utc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] || 0), Number(m[5] || 0), Number(m[6] || 0), ms)
  var offset = m[8] ? offsetMinutes(m[8]) : 0
  return utc - offset * 60000
}

// The zone's offset from UTC at that instant, in minutes (DST-aware for IANA names).
function zoneOffset(time, timeZone) {
  if (timeZone === undefined || timeZone === null || /^(utc|gmt|z)$/i.test(timeZone)) return 0
  var fixed = offsetMinutes(String(timeZone))
  if (fixed !== null) return fixed
  var format = zoneFormats[timeZone]
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    })
    zoneFormats[timeZone] = format
  }
  var parts = {}
  format.formatToParts(new Date(time)).forEach(function (p) { parts[p.type] = Number(p.value) })
  var wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second)
  return Math.round((wall - (time - (time % 1000 + 1000) % 1000)) / 60000)
}

function formatOffset(minutes, colon) {
  if (minutes === 0 && colon) return 'Z'
  var sign = minutes < 0 ? '-' : '+'
  var abs = Math.abs(minutes)
  return sign + pad(Math.floor(abs / 60), 2) + (colon ? ':' : '') + pad(abs % 60, 2)
}

function formatDate(value, pattern, timeZone) {
  if (value === null || value === undefined || value === '') return ''
  var time = toTime(value)
  if (!isFinite(time)) return String(value)
  var offset = zoneOffset(time, timeZone)
  var d = new Date(time + offset * 60000)
  var hour = d.getUTCHours()
  return String(pattern === undefined || pattern === null ? 'yyyy-MM-dd HH:mm' : pattern).replace(TOKENS, function (token, literal) {
    if (literal !== undefined) return token === "''" ? "'" : literal.replace(/''/g, "'")
    switch (token) {
      case 'yyyy': return pad(d.getUTCFullYear(), 4)
      case 'yy': return pad(d.getUTCFullYear() % 100, 2)
      case 'MMMM': return MONTHS[d.getUTCMonth()]
      case 'MMM': return MONTHS[d.getUTCMonth()].slice(0, 3)
      case 'MM': return pad(d.getUTCMonth() + 1, 2)
      case 'M': return String(d.getUTCMonth() + 1)
      case 'dd': return pad(d.getUTCDate(), 2)
      case 'd': return String(d.getUTCDate())
      case 'EEEE': return DAYS[d.getUTCDay()]
      case 'EEE': return DAYS[d.getUTCDay()].slice(0, 3)
      case 'HH': return pad(hour, 2)
      case 'H': return String(hour)
      case 'hh': return pad(hour % 12 || 12, 2)
      case 'h': return String(hour % 12 || 12)
      case 'mm': return pad(d.getUTCMinutes(), 2)
      case 'm': return String(d.getUTCMinutes())
      case 'ss': return pad(d.getUTCSeconds(), 2)
      case 's': return String(d.getUTCSeconds())
      case 'SSS': return pad(d.getUTCMilliseconds(), 3)
      case 'a': return hour < 12 ? 'AM' : 'PM'
      case 'XXX': return formatOffset(offset, true)
      case 'Z': return formatOffset(offset, false)
    }
    return token
  })
}

var MOMENT = /\[([^\]]*)\]|YYYY|YY|MMMM|MMM|MM|M|Do|DDDD|DDD|DD|D|Q|dddd|ddd|dd|d|HH|H|hh|h|mm|m|ss|s|SSS|A|a|ZZ|Z|X|x/g

function ordinal(n) {
  var tens = n % 100
  if (tens >= 11 && tens <= 13) return n + 'th'
  var last = n % 10
  return n + (last === 1 ? 'st' : last === 2 ? 'nd' : last === 3 ? 'rd' : 'th')
}

function dayOfYear(d) {
  return Math.round((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86400000) + 1
}

function formatMoment(value, pattern) {
  if (value === null || value === undefined || value === '') return ''
  var read = readTime(value)
  var time = read[0]
  if (!isFinite(time)) return String(value)
  var offset = read[1] === null ? 0 : read[1]
  var d = new Date(time + offset * 60000)
  var hour = d.getUTCHours()
  var text = pattern === undefined || pattern === null ? 'YYYY-MM-DDTHH:mm:ssZ' : String(pattern)
  return text.replace(MOMENT, function (token, literal) {
    if (literal !== undefined) return literal
    switch (token) {
      case 'YYYY': return pad(d.getUTCFullYear(), 4)
      case 'YY': return pad(d.getUTCFullYear() % 100, 2)
      case 'MMMM': return MONTHS[d.getUTCMonth()]
      case 'MMM': return MONTHS[d.getUTCMonth()].slice(0, 3)
      case 'MM': return pad(d.getUTCMonth() + 1, 2)
      case 'M': return String(d.getUTCMonth() + 1)
      case 'Do': return ordinal(d.getUTCDate())
      case 'DDDD': return pad(dayOfYear(d), 3)
      case 'DDD': return String(dayOfYear(d))
      case 'DD': return pad(d.getUTCDate(), 2)
      case 'D': return String(d.getUTCDate())
      case 'Q': return String(Math.floor(d.getUTCMonth() / 3) + 1)
      case 'dddd': return DAYS[d.getUTCDay()]
      case 'ddd': return DAYS[d.getUTCDay()].slice(0, 3)
      case 'dd': return DAYS[d.getUTCDay()].slice(0, 2)
      case 'd': return String(d.getUTCDay())
      case 'HH': return pad(hour, 2)
      case 'H': return String(hour)
      case 'hh': return pad(hour % 12 || 12, 2)
      case 'h': return String(hour % 12 || 12)
      case 'mm': return pad(d.getUTCMinutes(), 2)
      case 'm': return String(d.getUTCMinutes())
      case 'ss': return pad(d.getUTCSeconds(), 2)
      case 's': return String(d.getUTCSeconds())
      case 'SSS': return pad(d.getUTCMilliseconds(), 3)
      case 'A': return hour < 12 ? 'AM' : 'PM'
      case 'a': return hour < 12 ? 'am' : 'pm'
      // moment writes +00:00 for UTC, never Z.
      case 'Z': return offset === 0 ? '+00:00' : formatOffset(offset, true)
      case 'ZZ': return formatOffset(offset, false)
      case 'X': return String(Math.floor(time / 1000))
      case 'x': return String(time)
    }
    return token
  })
}

return { formatDate: formatDate, formatMoment: formatMoment }
`
