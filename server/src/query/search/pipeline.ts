/**
 * A parsed `q` (filter and stages) compiled to one ClickHouse SELECT: each stage wraps the SQL of the
 * ones before it, so the engine does all the work (JSONExtract*, extractKeyValuePairs, extractGroups,
 * GROUP BY, quantile) and only the result rows leave it. Every value is a typed parameter; field
 * names are checked here against what the earlier stages produce, and output names are quoted.
 *
 * Rows are "entries" (the table's columns, plus what json/logfmt/extract add) until `fields`,
 * `stats`, `top` or `uniq` turn them into a table of named columns. A field of an entry is looked up
 * in the newest extraction that has it, then in the attributes. Entries are read from the table itself,
 * filters gathering in its WHERE; only a stage that reshapes rows starts a subquery.
 *
 * Over 300 lines: every stage edits one State, and their SQL shapes are best read side by side.
 */
import { queries, type Params, type ScopedSql, type ScopedWhere } from '../../store/index.js'
import { andCondition, anyNumberOf, ENTRY_SCOPE, type FieldSql, type FieldType, type Scope } from './compile.js'
import { SearchSyntaxError, type Aggregate, type FieldName, type Pipeline, type Stage } from './ir.js'

export interface Column {
  name: string
  type: FieldType
}

export interface CompiledPipeline {
  /** The SELECT, to which the caller appends nothing: it is ordered and limited to `maxRows` + 1 rows. */
  sql: ScopedSql
  columns: Column[]
  /**
   * While the rows are still entries: a SELECT of one column, `__keys`, the names of each entry's fields
   * (attributes and extracted), for /api/fields.
   */
  entryKeys: ScopedSql | undefined
}

/** `expr`: the SQL that extracts (the same text at every use, so the engine computes it once per row). */
type Extractor = { kind: 'json' } | { kind: 'logfmt'; expr: string } | { kind: 'extract'; expr: string; names: string[] }

interface TableColumn {
  id: string
  type: FieldType
}

interface State {
  /** What rows are read from: the table, or a subquery in parentheses. */
  from: string
  /** Conditions on `from` not applied yet. */
  where: string[]
  /** Entries: the extractions so far. Undefined once rows are a table. */
  extractors: Extractor[] | undefined
  /** A table: its columns by name, in order. */
  table: Map<string, TableColumn>
  /** ORDER BY terms over the current rows. */
  order: { expr: string; dir: 'ASC' | 'DESC' }[]
  n: number
}

const BUILTIN: Record<string, { sql: string; type: FieldType }> = {
  _time: { sql: 'timestamp', type: 'time' },
  level: { sql: 'level', type: 'string' },
  service: { sql: 'service', type: 'string' },
  message: { sql: 'message', type: 'string' },
  _msg: { sql: 'message', type: 'string' },
  trace_id: { sql: 'trace_id', type: 'string' },
  span_id: { sql: 'span_id', type: 'string' },
  pattern_id: { sql: 'pattern_id', type: 'string' },
}
/** Built-in text columns that are never numbers: sum(message) is a mistake worth a message. */
const TEXT_COLUMNS = ['message', '_msg', 'level', 'service', 'trace_id', 'span_id']

export const quoteName = (name: string): string => '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`'

/**
 * `where` is the WHERE of the first SELECT over `table` (the tenant, time range, level, service and the
 * filter part of the pipeline, already compiled by the caller with the same Params): every stage wraps
 * that SELECT, so the whole query reads one tenant's rows.
 */
export function compilePipeline(pl: Pipeline, table: string, where: ScopedWhere, p: Params, maxRows: number): CompiledPipeline {
  let cond = ''
  queries.scopedSql(where, (_w, c) => (cond = c))
  const scoped = (sql: string): ScopedSql => queries.scopedSql(where, () => sql)
  const s: State = {
    from: table,
    where: [cond],
    extractors: [],
    table: new Map(),
    order: [{ expr: 'timestamp', dir: 'DESC' }],
    n: 0,
  }
  for (const stage of pl.stages) apply(s, stage, p)
  const keys = s.extractors ? scoped(selectFrom(s, `${entryKeys(s.extractors, p)} AS __keys`)) : undefined
  const columns: Column[] = s.extractors
    ? ['_time', 'level', 'service', 'message'].map((name) => ({ name, type: BUILTIN[name]?.type ?? 'string' }))
    : []
  let select: string[]
  if (s.extractors)
    select = columns.map((c) => `${c.type === 'time' ? `toString(${BUILTIN[c.name]?.sql})` : BUILTIN[c.name]?.sql} AS ${quoteName(c.name)}`)
  else {
    select = []
    for (const [name, c] of s.table) {
      if (name.startsWith('__')) continue
      columns.push({ name, type: c.type })
      select.push(`${c.type === 'time' ? `toString(${c.id})` : c.id} AS ${quoteName(name)}`)
    }
  }
  const order = s.order.length ? ` ORDER BY ${orderSql(s)}` : ''
  return { sql: scoped(selectFrom(s, select.join(', '), `${order} LIMIT ${p.add('UInt32', maxRows + 1)}`)), columns, entryKeys: keys }
}

/** A SELECT over the current rows, with the conditions not applied yet. */
function selectFrom(s: State, select: string, tail = ''): string {
  return `SELECT ${select} FROM ${s.from}${s.where.length ? ` WHERE ${s.where.join(' AND ')}` : ''}${tail}`
}

/** The rows become the result of a SELECT over the current ones. */
function wrap(s: State, select: string, tail = ''): void {
  s.from = `(${selectFrom(s, select, tail)})`
  s.where = []
}

const orderSql = (s: State) => s.order.map((o) => `${o.expr} ${o.dir}${o.dir === 'ASC' ? ' NULLS LAST' : ''}`).join(', ')

function fail(at: number, problem: string): never {
  throw new SearchSyntaxError(at, problem)
}

/** The names a table has, for "unknown field" messages. */
const known = (s: State) => [...s.table.keys()].filter((n) => !n.startsWith('__')).join(', ')

/** A field named in a stage (fields, sort, by, a function's argument). */
function field(s: State, f: FieldName, p: Params): FieldSql {
  if (f.name.startsWith('__')) fail(f.at, `field names starting with __ are reserved`)
  if (!s.extractors) {
    const c = s.table.get(f.name) ?? fail(f.at, `unknown field '${f.name}' at this point; the rows have ${known(s)}`)
    return { value: c.id, exists: '1', type: c.type }
  }
  const b = BUILTIN[f.name]
  if (b) return { value: b.sql, exists: '1', type: b.type }
  return extracted(s.extractors, f.name.startsWith('attr.') && f.name.length > 5 ? f.name.slice(5) : f.name, p)
}

/** A field of an entry: the newest extraction that has it, else the attribute. */
function extracted(extractors: Extractor[], key: string, p: Params): FieldSql {
  const k = p.add('String', key)
  let value = `attributes[${k}]`
  let exists = `mapContains(attributes, ${k})`
  for (const x of extractors) {
    let has: string
    let v: string
    if (x.kind === 'json') {
      // One parse per key: NULL when the message has no such key (or it is null, or is not JSON).
      const at = (path: string) => `JSONExtract(message, ${path}, 'Nullable(String)')`
      const parts = key.split('.')
      // `a.b` is the key "a.b" if the object has one, else b inside a.
      const j =
        parts.length > 1 && parts.every(Boolean)
          ? `coalesce(${at(k)}, ${at(parts.map((part) => p.add('String', part)).join(', '))})`
          : at(k)
      value = `ifNull(${j}, ${value})`
      exists = `(isNotNull(${j}) OR ${exists})`
      continue
    }
    if (x.kind === 'logfmt') {
      has = `mapContains(${x.expr}, ${k})`
      v = `${x.expr}[${k}]`
    } else {
      const i = x.names.indexOf(key)
      if (i < 0) continue
      has = `notEmpty(${x.expr})`
      v = `${x.expr}[${i + 1}]`
    }
    value = `if(${has}, ${v}, ${value})`
    exists = `(${has} OR ${exists})`
  }
  return { value, exists, type: 'string' }
}

/**
 * The names of an entry's fields (attributes and extracted), as an SQL array, for /api/fields. The map's
 * `keys` subcolumn is read alone (mapKeys() read the values too: 4-7x slower on 20 keys an entry).
 */
function entryKeys(extractors: Extractor[], p: Params): string {
  const parts = ['attributes.keys']
  for (const x of extractors) {
    if (x.kind === 'json') parts.push('JSONExtractKeys(message)')
    else if (x.kind === 'logfmt') parts.push(`mapKeys(${x.expr})`)
    else parts.push(`if(notEmpty(${x.expr}), ${p.add('Array(String)', x.names)}, [])`)
  }
  return parts.length === 1 ? (parts[0] as string) : `arrayDistinct(arrayConcat(${parts.join(', ')}))`
}

function scope(s: State): Scope {
  const extractors = s.extractors
  if (extractors) {
    return { ...ENTRY_SCOPE, field: (key, p) => extracted(extractors, key, p) }
  }
  return {
    message: undefined,
    builtin: () => undefined,
    field: (key, _p, at) => {
      const c = s.table.get(key) ?? fail(at, `unknown field '${key}' at this point; the rows have ${known(s)}`)
      return { value: c.id, exists: '1', type: c.type }
    },
  }
}

function apply(s: State, stage: Stage, p: Params): void {
  switch (stage.kind) {
    case 'filter':
      s.where.push(`(${andCondition(stage.clauses, scope(s), p)})`)
      return
    case 'json':
    case 'logfmt':
    case 'extract': {
      if (!s.extractors)
        fail(stage.at, `${stage.kind} reads the message, which is gone after fields, stats, top or uniq; put it before them`)
      if (stage.kind === 'json') s.extractors.push({ kind: 'json' })
      else {
        // logfmt: key=value pairs separated by spaces, values optionally in double quotes.
        const expr =
          stage.kind === 'logfmt'
            ? `extractKeyValuePairs(message, '=', ' ', '"')`
            : `extractGroups(message, ${p.add('String', stage.regex)})`
        s.extractors.push(stage.kind === 'logfmt' ? { kind: 'logfmt', expr } : { kind: 'extract', expr, names: stage.names })
      }
      return
    }
    case 'fields': {
      const cols = stage.fields.map((f) => ({ f, sql: field(s, f, p) }))
      // The current order travels as hidden columns, so `| sort ... | fields a` stays sorted.
      const hidden = s.order.map((o, i) => ({ ...o, id: `__o${s.n}_${i}` }))
      s.n++
      const select = [...hidden.map((h) => `${h.expr} AS ${h.id}`), ...cols.map((c, i) => `${c.sql.value} AS __f${s.n}_${i}`)]
      wrap(s, select.join(', '))
      toTable(
        s,
        cols.map((c, i) => [c.f.name, c.sql.type, `__f${s.n}_${i}`]),
      )
      s.order = hidden.map((h) => ({ expr: h.id, dir: h.dir }))
      return
    }
    case 'sort':
      s.order = stage.keys.flatMap((k) => {
        const f = field(s, k, p)
        const dir = k.desc ? 'DESC' : 'ASC'
        // Numbers (and durations, sizes) sort as numbers, before the rest; other text as text.
        if (f.type === 'string')
          return [
            { expr: anyNumberOf(f, p, k.at, k.name), dir },
            { expr: f.value, dir },
          ]
        return [{ expr: f.value, dir }]
      })
      return
    case 'limit':
      wrap(s, '*', ` ORDER BY ${orderSql(s)} LIMIT ${p.add('UInt32', stage.n)}`)
      return
    case 'stats':
    case 'top':
    case 'uniq':
      return group(s, stage, p)
  }
}

/**
 * The rows become a table. Its columns get internal names (`__...`, which no field may have): a name
 * like `level` or `timestamp` as an alias would stand for the table's column in the same SELECT.
 */
function toTable(s: State, cols: [string, FieldType, string][]): void {
  s.extractors = undefined
  s.table = new Map()
  for (const [name, type, id] of cols) s.table.set(name, { id, type })
}

function group(s: State, stage: Extract<Stage, { kind: 'stats' | 'top' | 'uniq' }>, p: Params): void {
  const keys = stage.by.map((k) => {
    const bucket = 'bucketMs' in k ? k.bucketMs : undefined
    if (bucket !== undefined) {
      if (!s.extractors) fail(k.at, '_time buckets group entries; rows after fields, stats, top or uniq are not entries')
      const step =
        bucket % 1000 === 0 ? `INTERVAL ${p.add('UInt32', bucket / 1000)} SECOND` : `INTERVAL ${p.add('UInt32', bucket)} MILLISECOND`
      return { name: k.name, sql: `toStartOfInterval(timestamp, ${step})`, type: 'time' as FieldType }
    }
    const f = field(s, k, p)
    return { name: k.name, sql: f.value, type: f.type }
  })
  const seen = new Set<string>()
  for (const k of stage.by) {
    if (seen.has(k.name)) fail(k.at, `'${k.name}' appears twice in by (...)`)
    seen.add(k.name)
  }
  const g = s.n++
  const select = keys.map((k, i) => `${k.sql} AS __g${g}_${i}`)
  const cols: [string, FieldType, string][] = keys.map((k, i) => [k.name, k.type, `__g${g}_${i}`])
  let order: State['order'] = cols.map((c) => ({ expr: c[2], dir: 'ASC' }))
  if (stage.kind === 'stats') {
    for (const a of stage.aggs) {
      if (seen.has(a.name)) fail(a.at, `'${a.name}' is both a by (...) field and a result; name the result with 'as'`)
      const id = `__a${g}_${cols.length}`
      select.push(`${aggregate(s, a, p)} AS ${id}`)
      cols.push([a.name, 'number', id])
    }
  } else if (stage.kind === 'top') {
    if (seen.has('hits')) fail(stage.at, "top counts into a column named 'hits'; group by another name")
    select.push(`count() AS __h${g}`)
    cols.push(['hits', 'number', `__h${g}`])
    order = [{ expr: `__h${g}`, dir: 'DESC' }, ...order]
  }
  const groupBy = keys.length ? ` GROUP BY ${keys.map((_k, i) => `__g${g}_${i}`).join(', ')}` : ''
  const limit =
    stage.kind === 'top' ? ` ORDER BY ${order.map((o) => `${o.expr} ${o.dir}`).join(', ')} LIMIT ${p.add('UInt32', stage.n)}` : ''
  wrap(s, select.join(', '), `${groupBy}${limit}`)
  toTable(s, cols)
  s.order = order
}

function aggregate(s: State, a: Aggregate, p: Params): string {
  if (!a.field) return 'count()'
  const f = field(s, a.field, p)
  const written = `${a.fn}(${a.field.name})`
  if (a.fn === 'count') return `countIf(${f.exists})`
  if (a.fn === 'count_uniq') return `uniqExactIf(${f.value}, ${f.exists})`
  if (s.extractors && TEXT_COLUMNS.includes(a.field.name)) {
    fail(
      a.field.at,
      `${written}: '${a.field.name}' is text, not a number; take a number out of it first (| extract "took=<took>ms" or | json)`,
    )
  }
  if (f.type === 'time') fail(a.field.at, `${written}: '${a.field.name}' is a time, not a number`)
  const n = anyNumberOf(f, p, a.field.at, a.field.name)
  // quantile's level is a number the parser checked (0..1), written as a literal: the engine takes no parameter there.
  if (a.fn === 'quantile') return `quantile(${String(a.level)})(${n})`
  return `${a.fn}(${n})`
}
