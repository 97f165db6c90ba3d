/**
 * The search box's syntax help (`?`): filter examples, and one example for every pipe of the query
 * language. Keyed by the parser's own list of pipes (`QUERY_PIPES`), so a pipe added to the parser
 * without an example here does not compile; test/docs/syntax-help.test.ts parses every example.
 */
import { STATS_FUNCTIONS, type QueryPipe } from '@oglogstream/shared'

export const FILTER_EXAMPLES: [string, string][] = [
  ['timeout db', 'entries containing both words (whole words, any case)'],
  ['"connection reset"', 'the exact phrase'],
  ['error -healthcheck', 'leave out entries containing a word'],
  ['user_id:42', 'an attribute with that value'],
  ['(timeout OR refused) status:>=500', 'OR and groups; numbers, durations (took:>250ms) and sizes compare'],
  ['~"user [0-9]+ failed"', 'a regular expression on the message'],
]

/** One example per pipe (README "Pipes (analytics)"); a pipe shows a table instead of entries. */
export const PIPE_HELP: Record<QueryPipe, { example: string; what: string }> = {
  json: { example: '| json | status:>=500', what: "json: the message's JSON keys become fields" },
  logfmt: { example: '| logfmt | took:>250ms', what: 'logfmt: key=value pairs of the message become fields' },
  extract: { example: '| extract "from <ip> port <port> "', what: 'extract: fields from a pattern, <name> for each' },
  fields: { example: '| json | fields route, status, took', what: 'fields: keep these columns only' },
  sort: { example: '| json | sort by (took desc)', what: 'sort by: order the rows (desc for largest first)' },
  limit: { example: '| json | sort by (took desc) | limit 20', what: 'limit: the first N rows' },
  filter: { example: '| json | filter status:>=500', what: 'filter: a filter on the rows so far (| status:>=500 too)' },
  stats: {
    example: '| json | stats count() as n, avg(took) by (route)',
    what: `stats: ${STATS_FUNCTIONS.map((f) => `${f}()`).join(', ')} per group`,
  },
  top: { example: '| top 10 by (service)', what: 'top: the most frequent values, with their hits' },
  uniq: { example: '| json | uniq by (user)', what: 'uniq: the distinct values' },
}

/** The rows of the pipe help: every pipe, then a time grouping (drawn as a chart). */
export const PIPE_EXAMPLES: [string, string][] = [
  ...Object.values(PIPE_HELP).map((h): [string, string] => [h.example, h.what]),
  ['| stats count() as n by (_time:5m)', 'stats by _time: counts over time, drawn as a chart'],
]
