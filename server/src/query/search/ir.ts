/**
 * The intermediate representation of a `q` (SPEC §8, ARCHITECTURE "One query pipeline"): a filter
 * (a list of clauses that must all hold; `or` clauses nest) followed by stages. The parser builds it,
 * `compile.ts`/`pipeline.ts` turn it into SQL, and `match.ts` evaluates the filter on one entry for
 * the live tail. Positions (`at`) are 0-based offsets in `q`, for errors found after parsing.
 */
import { QUERY_PIPES, STATS_FUNCTIONS, type Level, type StatsFunction } from '@oglogstream/shared'
import type { CompareOp, Unit } from './values.js'

export type Clause =
  | {
      kind: 'text'
      negate: boolean
      /** The text to find, ASCII lower-cased. */
      text: string
      /** Its tokens in order; one token equal to `text` is a plain word. */
      tokens: string[]
      /** Only in a filter after a pipe, where the message may be gone. */
      at?: number
    }
  | { kind: 'level'; negate: boolean; values: Level[] }
  | { kind: 'service'; negate: boolean; values: string[] }
  /** `pattern:<id>[,<id>...]`: the entry's template (patterns/, GET /api/patterns). */
  | { kind: 'pattern'; negate: boolean; values: string[] }
  /** `trace_id:<id>`, `span_id:<id>`: the entry's trace or span id (lower-case hex, as stored), one of `values`. */
  | { kind: 'id'; negate: boolean; column: 'trace_id' | 'span_id'; values: string[] }
  /** `value` undefined: the field exists (`key:*`). `at` only in a filter after a pipe, where the key may be unknown. */
  | { kind: 'attr'; negate: boolean; key: string; value: string | undefined; at?: number }
  /** `conn*` (a token of the message starts with `text`, lower-cased) or `key:al*` (the field's value starts with `text`). */
  | { kind: 'prefix'; negate: boolean; key: string | undefined; text: string; at?: number }
  /** `~"re"` on the message, or `key:~"re"` on a field. */
  | { kind: 'regex'; negate: boolean; key: string | undefined; pattern: string; js: RegExp; at?: number }
  /** `status:>=500`, `took:>250ms`, `size:<1KiB`: the field read as `unit` (values.ts) compared with `value`. */
  | { kind: 'compare'; negate: boolean; key: string; op: CompareOp; unit: Unit; value: number; at?: number }
  /** `_time:5m`: the entry is at most `ms` old (from the time the query runs, or for the live tail the time the entry is seen). */
  | { kind: 'time'; negate: boolean; ms: number }
  /** Parentheses and `OR`: any branch (each a list of clauses that must all hold). */
  | { kind: 'or'; negate: boolean; branches: Clause[][] }

export interface SearchQuery {
  clauses: Clause[]
}

/** A field named in a stage, with its position for errors. */
export interface FieldName {
  name: string
  at: number
}

export type AggFn = StatsFunction
/** The stats functions and the pipes, shared with the dashboard (its completion and syntax help). */
export const AGG_FNS: readonly AggFn[] = STATS_FUNCTIONS

export interface Aggregate {
  fn: AggFn
  /** The field it reads (none for count()). */
  field: FieldName | undefined
  /** quantile's level, 0..1. */
  level?: number
  /** The result column: `as name`, or the call as written (`count()`, `avg(took)`). */
  name: string
  at: number
}

/** A `by (...)` key: a field, or `_time:5m` (buckets of `bucketMs`). */
export interface GroupKey extends FieldName {
  bucketMs?: number
}

export type Stage =
  | { kind: 'filter'; at: number; clauses: Clause[] }
  | { kind: 'json'; at: number }
  | { kind: 'logfmt'; at: number }
  /** `extract "<a> ... <b>"`: `regex` (RE2) has one group per name, in order. */
  | { kind: 'extract'; at: number; regex: string; names: string[] }
  | { kind: 'fields'; at: number; fields: FieldName[] }
  | { kind: 'sort'; at: number; keys: (FieldName & { desc: boolean })[] }
  | { kind: 'limit'; at: number; n: number }
  | { kind: 'stats'; at: number; aggs: Aggregate[]; by: GroupKey[] }
  | { kind: 'top'; at: number; n: number; by: FieldName[] }
  | { kind: 'uniq'; at: number; by: FieldName[] }

export const PIPES = QUERY_PIPES

export interface Pipeline {
  filter: SearchQuery
  stages: Stage[]
}

/** A `q` that cannot be parsed or compiled: `position` is the 0-based index in `q` where the problem is. */
export class SearchSyntaxError extends Error {
  constructor(
    readonly position: number,
    readonly problem: string,
  ) {
    super(`${problem} at position ${position}`)
    this.name = 'SearchSyntaxError'
  }
}

/*
 * LogQL (issue 15, server/src/loki/translate.ts builds these): the same filter clauses and parser
 * stages as `q`, plus what Loki has and `q` does not — a line that can be rewritten, stream labels
 * that stages add, rename and drop, and metric expressions evaluated at steps over a time range.
 * Compiled by `labels.ts` (log pipelines) and `series.ts` (metric expressions).
 */

/** Text and `{{.label}}` references, for `line_format` and `label_format` templates. */
export type TemplatePart = { text: string } | { label: string } | { line: true } | { timestamp: true }

export type LabelStage =
  | Extract<Stage, { kind: 'filter' | 'logfmt' | 'extract' }>
  /** `| json` (every top-level key) or `| json a="b.c"` (`paths`: a label from a path of keys). */
  | { kind: 'json'; at: number; paths?: { name: string; path: string[] }[] }
  | { kind: 'line_format'; at: number; parts: TemplatePart[] }
  /** `new=old` renames (`from`), `new="{{.a}}-x"` sets (`parts`). */
  | { kind: 'label_format'; at: number; assign: { name: string; from?: string; parts?: TemplatePart[] }[] }
  | { kind: 'drop' | 'keep'; at: number; names: string[] }

/** A log query: a filter on entries (stream selector and line filters), then label stages. */
export interface LogPipeline {
  filter: SearchQuery
  stages: LabelStage[]
}

export type RangeFn =
  | 'count_over_time'
  | 'rate'
  | 'bytes_over_time'
  | 'bytes_rate'
  | 'sum_over_time'
  | 'avg_over_time'
  | 'min_over_time'
  | 'max_over_time'
  | 'stddev_over_time'
  | 'stdvar_over_time'
  | 'quantile_over_time'
  | 'first_over_time'
  | 'last_over_time'
  | 'absent_over_time'

export type VectorOp = 'sum' | 'avg' | 'min' | 'max' | 'count' | 'stddev' | 'stdvar' | 'topk' | 'bottomk' | 'sort' | 'sort_desc'
export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '^' | '==' | '!=' | '>' | '>=' | '<' | '<='

export interface Grouping {
  without: boolean
  labels: string[]
}

/** A metric expression: every node is a set of series, a value per series per step (a scalar is a number). */
export type MetricExpr =
  | {
      kind: 'range'
      fn: RangeFn
      rangeMs: number
      log: LogPipeline
      /** `| unwrap [conv(]label[)]`: the number each entry contributes (`duration` in seconds, `bytes` in bytes). */
      unwrap?: { label: string; conv: 'number' | 'duration' | 'bytes' }
      /** quantile_over_time's level. */
      param?: number
      grouping?: Grouping
    }
  | { kind: 'aggregate'; op: VectorOp; param?: number; grouping?: Grouping; expr: MetricExpr }
  | { kind: 'binary'; op: BinaryOp; bool: boolean; left: MetricExpr; right: MetricExpr }
  /** `vector(n)`: one series without labels, `n` at every step. */
  | { kind: 'vector'; value: number }
  | { kind: 'scalar'; value: number }
