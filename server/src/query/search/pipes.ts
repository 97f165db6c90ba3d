/**
 * The stages after the filter, each introduced by `|` (SPEC §8, in the spirit of LogsQL pipes):
 *
 *   | json | logfmt                         fields from the message (JSON object / key=value pairs)
 *   | extract "<ip> - <_> [<time>]"         fields from the message by a pattern (`<_>` skips)
 *   | fields a, b | sort by (x desc, y) | limit 20
 *   | stats count() as n, count_uniq(u), sum(x), avg(x), min(x), max(x), quantile(0.95, x) by (f, _time:5m)
 *   | top 10 by (f) | uniq by (f)
 *   | filter <filter>, or a filter written directly (`| status:>=500`, `| n:>100`, `| -(a OR b)`)
 *
 * Only the syntax is checked here; whether a field exists at that point, and has the right type, is
 * checked by the compiler (pipeline.ts), which knows what the earlier stages produce.
 */
import { AGG_FNS, PIPES, type AggFn, type Aggregate, type Clause, type FieldName, type GroupKey, type Stage } from './ir.js'
import type { Reader } from './reader.js'
import { readValue } from './values.js'

export const MAX_STAGES = 20
export const MAX_ROWS = 10_000

/** Parses `| stage ...` until the end; `filter(true)` parses a filter that ends at the next `|`. */
export function parseStages(r: Reader, filter: (inStage: boolean) => Clause[]): Stage[] {
  const stages: Stage[] = []
  while (!r.done) {
    if (r.c !== '|') r.fail(r.i, r.c === ')' ? "unmatched ')'" : "expected '|'")
    r.i++
    r.skipSpace()
    const at = r.i
    if (stages.length >= MAX_STAGES) r.fail(at, `more than ${MAX_STAGES} pipes`)
    if (r.done || r.c === '|') r.fail(at, "expected a pipe after '|'")
    stages.push(stage(r, at, filter))
    r.skipSpace()
  }
  return stages
}

function stage(r: Reader, at: number, filter: (inStage: boolean) => Clause[]): Stage {
  const word = /^[A-Za-z_]+/.exec(r.q.slice(r.i, r.i + 40))?.[0] ?? ''
  const after = r.q[r.i + word.length]
  const isPipe = word && (after === undefined || /[\s(|]/.test(after))
  if (!isPipe || !(PIPES as readonly string[]).includes(word)) {
    // A filter written directly after `|`: a field, a phrase, a regex, an exclusion or a group.
    if (!isPipe) return { kind: 'filter', at, clauses: nonEmpty(r, at, filter(true)) }
    if (word === 'AND' || word === 'OR' || word === 'NOT') return { kind: 'filter', at, clauses: nonEmpty(r, at, filter(true)) }
    r.fail(
      at,
      `unknown pipe '${word.slice(0, 30)}'; pipes are ${PIPES.join(', ')} (to filter on a word after a pipe, write | filter ${word.slice(0, 30)})`,
    )
  }
  r.i += word.length
  switch (word as (typeof PIPES)[number]) {
    case 'filter':
      return { kind: 'filter', at, clauses: nonEmpty(r, at, filter(true)) }
    case 'json':
      return { kind: 'json', at }
    case 'logfmt':
      return { kind: 'logfmt', at }
    case 'extract':
      return extract(r, at)
    case 'fields':
      return { kind: 'fields', at, fields: list(r, () => r.name('a field name')) }
    case 'sort': {
      by(r, 'sort')
      const keys = group(r, () => {
        const f = r.name('a field to sort by')
        r.skipSpace()
        const desc = r.keyword('desc', ',)|')
        if (!desc) r.keyword('asc', ',)|')
        return { ...f, desc }
      })
      return { kind: 'sort', at, keys }
    }
    case 'limit':
      return { kind: 'limit', at, n: count(r, 'limit') }
    case 'stats':
      return stats(r, at)
    case 'top': {
      r.skipSpace()
      const n = /^\d/.test(r.c ?? '') ? count(r, 'top') : 10
      by(r, 'top')
      return { kind: 'top', at, n, by: group(r, () => r.name('a field name')) }
    }
    case 'uniq':
      by(r, 'uniq')
      return { kind: 'uniq', at, by: group(r, () => r.name('a field name')) }
  }
}

function nonEmpty(r: Reader, at: number, clauses: Clause[]): Clause[] {
  if (!clauses.length) r.fail(at, 'empty filter after |')
  return clauses
}

function by(r: Reader, pipe: string): void {
  r.skipSpace()
  const at = r.i
  if (!r.keyword('by', '(')) r.fail(at, `expected 'by' after ${pipe}: | ${pipe} by (field)`)
}

/** `(a, b)` or `a, b` up to the next `|`. */
function group<T>(r: Reader, item: () => T): T[] {
  if (r.accept('(')) {
    const items = list(r, item)
    r.expect(')', "')' to close the list")
    return items
  }
  return list(r, item)
}

function list<T>(r: Reader, item: () => T): T[] {
  const items = [item()]
  while (r.accept(',')) items.push(item())
  if (items.length > 50) r.fail(r.i, 'more than 50 items in a list')
  return items
}

function count(r: Reader, pipe: string): number {
  r.skipSpace()
  const at = r.i
  const m = /^\d+/.exec(r.q.slice(r.i, r.i + 20))
  if (!m) r.fail(at, `${pipe} takes a number of rows: | ${pipe} 10`)
  r.i += m[0].length
  const n = Number(m[0])
  if (n < 1 || n > MAX_ROWS) r.fail(at, `${pipe} ${m[0].slice(0, 12)} is out of range; allowed 1..${MAX_ROWS}`)
  return n
}

function extract(r: Reader, at: number): Stage {
  r.skipSpace()
  const patternAt = r.i
  if (r.c !== '"') r.fail(patternAt, 'extract takes a quoted pattern: | extract "user=<user> took=<took>"')
  const pattern = r.quoted()
  const names: string[] = []
  let regex = ''
  let last = 0
  const placeholder = /<([A-Za-z_][A-Za-z0-9_.-]*)>/g
  for (let m = placeholder.exec(pattern); m; m = placeholder.exec(pattern)) {
    regex += literal(pattern.slice(last, m.index))
    const name = m[1] as string
    last = m.index + m[0].length
    // The last placeholder takes the rest of the line; the others the shortest text before the next literal.
    const lazy = last < pattern.length ? '*?' : '*'
    if (name === '_') regex += `.${lazy}`
    else {
      if (names.includes(name)) r.fail(patternAt, `extract: <${name}> appears twice`)
      names.push(name)
      regex += `(.${lazy})`
    }
  }
  regex += literal(pattern.slice(last))
  if (!names.length) r.fail(patternAt, 'extract: the pattern has no <field> placeholder')
  return { kind: 'extract', at, regex, names }
}

/** Text matched as written: every ASCII character other than a letter or digit is escaped as \xHH. */
function literal(s: string): string {
  let out = ''
  for (const ch of s) {
    const c = ch.codePointAt(0) as number
    out += c < 128 && !/[A-Za-z0-9]/.test(ch) ? `\\x${c.toString(16).padStart(2, '0')}` : ch
  }
  return out
}

function stats(r: Reader, at: number): Stage {
  const aggs: Aggregate[] = list(r, () => aggregate(r))
  const names = new Set<string>()
  for (const a of aggs) {
    if (names.has(a.name)) r.fail(a.at, `stats: two results named '${a.name}'; name one with 'as'`)
    names.add(a.name)
  }
  r.skipSpace()
  const byKeys: GroupKey[] = []
  if (r.keyword('by', '(')) {
    byKeys.push(
      ...group(r, () => {
        const f = r.name('a field to group by')
        if (r.c !== ':') return f as GroupKey
        r.i++
        const m = /^[0-9.]+[a-z]+/.exec(r.q.slice(r.i, r.i + 20))
        const ms = m ? readValue('duration', m[0]) : undefined
        if (f.name !== '_time' || !m || !ms || ms < 1000) r.fail(r.i, 'only _time takes a bucket, a duration of at least 1s: by (_time:5m)')
        r.i += m[0].length
        return { ...f, bucketMs: ms }
      }),
    )
  }
  return { kind: 'stats', at, aggs, by: byKeys }
}

function aggregate(r: Reader): Aggregate {
  const fn = r.name('a stats function')
  if (!(AGG_FNS as readonly string[]).includes(fn.name)) {
    r.fail(fn.at, `unknown function '${fn.name.slice(0, 30)}'; functions are ${AGG_FNS.map((f) => `${f}()`).join(', ')}`)
  }
  r.expect('(', `'(' after ${fn.name}`)
  let field: FieldName | undefined
  let level: number | undefined
  if (fn.name === 'quantile') {
    r.skipSpace()
    const lat = r.i
    const m = /^(0(?:\.\d+)?|1(?:\.0+)?)(?=[\s,])/.exec(r.q.slice(r.i, r.i + 30))
    if (!m) r.fail(lat, 'quantile takes a level from 0 to 1 and a field: quantile(0.95, took)')
    level = Number(m[1])
    r.i += m[0].length
    r.expect(',', "',' after the quantile level")
  }
  if (fn.name !== 'count') field = r.name(`the field ${fn.name}() reads`)
  else {
    r.skipSpace()
    if (r.c !== ')') field = r.name('a field or nothing')
  }
  r.expect(')', `')' to close ${fn.name}(`)
  const written = r.q.slice(fn.at, r.i).replace(/\s+/g, '')
  r.skipSpace()
  let name = written
  if (r.keyword('as')) name = r.name('a name after as').name
  return { fn: fn.name as AggFn, field, ...(level === undefined ? {} : { level }), name, at: fn.at }
}
