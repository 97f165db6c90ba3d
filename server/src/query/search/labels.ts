/**
 * A LogQL log pipeline (ir.ts `LogPipeline`) compiled to SQL expressions over one row of the table:
 * the line (the message until `line_format` rewrites it) and the stream labels, a Map(String, String)
 * of `service_name`, `level` and the attributes, which `json`, `logfmt`, `pattern`/`regexp`,
 * `label_format`, `drop` and `keep` update. Filters are the same clauses as `q` and compile through
 * `andCondition` (compile.ts) with a Scope that reads labels; every condition lands in the WHERE of
 * the one SELECT over the table, so the engine does all of it in one pass. Values are parameters.
 */
import type { Params, SearchCompiler } from '../../store/index.js'
import { andCondition, type FieldSql, type Scope } from './compile.js'
import type { LabelStage, LogPipeline, TemplatePart } from './ir.js'

/** The SQL of one row at some point of the pipeline. */
export interface RowSql {
  line: string
  labels: string
  /** False once label_format, drop or keep changed labels: service and level are then read from `labels`. */
  columns: boolean
}

/** Stream labels as Loki shows them: the service, the level and every attribute. */
export const BASE_LABELS = "mapUpdate(attributes, map('service_name', toString(service), 'level', toString(level)))"
/** Label names that are columns of the table (and their aliases, as Loki 3 and Grafana write them). */
export const COLUMN_LABELS: Readonly<Record<string, 'service' | 'level'>> = {
  service_name: 'service',
  service: 'service',
  level: 'level',
  detected_level: 'level',
}

export const BASE_ROW: RowSql = { line: 'message', labels: BASE_LABELS, columns: true }

/** One label of a row: columns for service and level while they are untouched (the primary key can use them). */
export function labelSql(r: RowSql, name: string, p: Params): FieldSql {
  const col = COLUMN_LABELS[name]
  if (col && r.columns) return { value: `toString(${col})`, exists: '1', type: 'string' }
  const k = p.add('String', col === 'service' ? 'service_name' : col === 'level' ? 'level' : name)
  return { value: `${r.labels}[${k}]`, exists: `mapContains(${r.labels}, ${k})`, type: 'string' }
}

export function rowScope(r: RowSql): Scope {
  return {
    message: r.line,
    builtin: (name) => (name === 'timestamp' ? 'timestamp' : r.columns ? name : undefined),
    field: (key, p) => labelSql(r, key, p),
  }
}

/** A parsed key as a label name, as Loki makes it: every character other than [A-Za-z0-9_] becomes `_`. */
const SANITIZE = (k: string) => `replaceRegexpAll(${k}, '[^A-Za-z0-9_]', '_')`

/** A JSON value as text: strings without quotes, numbers and the rest as written (Loki's json parser). */
const unquote = (raw: string) => `if(startsWith(${raw}, '"'), JSONExtractString(${raw}), ${raw})`

function template(parts: TemplatePart[], r: RowSql, p: Params): string {
  if (!parts.length) return "''"
  const sql = parts.map((t) => {
    if ('text' in t) return p.add('String', t.text)
    if ('line' in t) return r.line
    if ('timestamp' in t) return 'toString(timestamp)'
    return labelSql(r, t.label, p).value
  })
  return sql.length === 1 ? `toString(${sql[0]})` : `concat(${sql.join(', ')})`
}

/** Applies one stage: a filter adds a condition, the others rewrite the row. */
export function applyStage(r: RowSql, s: LabelStage, where: string[], p: Params): RowSql {
  switch (s.kind) {
    case 'filter':
      where.push(`(${andCondition(s.clauses, rowScope(r), p)})`)
      return r
    case 'json': {
      if (s.paths) {
        const names = p.add('Array(String)', s.paths.map((x) => x.name))
        const values = s.paths.map((x) => unquote(`JSONExtractRaw(${r.line}, ${x.path.map((k) => p.add('String', k)).join(', ')})`))
        return { ...r, labels: `mapUpdate(${r.labels}, mapFromArrays(${names}, [${values.join(', ')}]))` }
      }
      const kv = `JSONExtractKeysAndValuesRaw(${r.line})`
      const parsed = `mapFromArrays(arrayMap(x -> ${SANITIZE('x.1')}, ${kv}), arrayMap(x -> ${unquote('x.2')}, ${kv}))`
      return { ...r, labels: `mapUpdate(${r.labels}, ${parsed})` }
    }
    case 'logfmt':
      return { ...r, labels: `mapUpdate(${r.labels}, mapApply((k, v) -> (${SANITIZE('k')}, v), extractKeyValuePairs(${r.line}, '=', ' ', '"')))` }
    case 'extract': {
      // The engine computes both branches of an if(): no match gives no names rather than a size mismatch.
      const g = `extractGroups(${r.line}, ${p.add('String', s.regex)})`
      return { ...r, labels: `mapUpdate(${r.labels}, mapFromArrays(arraySlice(${p.add('Array(String)', s.names)}, 1, length(${g})), ${g}))` }
    }
    case 'line_format':
      return { ...r, line: template(s.parts, r, p) }
    case 'label_format': {
      let labels = r.labels
      for (const a of s.assign) {
        const cur: RowSql = { ...r, labels, columns: false }
        const value = a.from !== undefined ? labelSql(cur, a.from, p).value : template(a.parts ?? [], cur, p)
        labels = `mapUpdate(${labels}, map(${p.add('String', a.name)}, ${value}))`
        if (a.from !== undefined && a.from !== a.name) labels = `mapFilter((k, v) -> k != ${p.add('String', a.from)}, ${labels})`
      }
      return { ...r, labels, columns: false }
    }
    case 'drop':
    case 'keep': {
      const names = p.add('Array(String)', s.names)
      return { ...r, labels: `mapFilter((k, v) -> ${s.kind === 'drop' ? 'NOT ' : ''}has(${names}, k), ${r.labels})`, columns: false }
    }
  }
}

/** The row after every stage, and the conditions (selector, line and label filters) for the WHERE. */
export function compileLogPipeline(pl: LogPipeline, p: Params): { row: RowSql; where: string[] } {
  const where: string[] = []
  if (pl.filter.clauses.length) where.push(`(${andCondition(pl.filter.clauses, rowScope(BASE_ROW), p)})`)
  let row = BASE_ROW
  for (const s of pl.stages) row = applyStage(row, s, where, p)
  return { row, where }
}

/**
 * A log pipeline as the `search` of a store Filter (store/queries.ts `whereClause`, the one WHERE
 * every read goes through), and the row it leaves for the SELECT list. The row's SQL is only known
 * once the compiler has run with the query's Params, so it is handed back through `onRow`.
 */
export function logSearch(pl: LogPipeline, onRow: (row: RowSql) => void): SearchCompiler {
  return (p) => {
    const { row, where } = compileLogPipeline(pl, p)
    onRow(row)
    return where.length ? where.join(' AND ') : '1'
  }
}
