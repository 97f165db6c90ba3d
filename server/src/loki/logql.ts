/**
 * LogQL syntax trees from Grafana's own grammar (`@grafana/lezer-logql`), and the errors Loki gives
 * for them: `parse error at line L, col C: ...`, which Grafana shows verbatim. Helpers shared by the
 * log (translate.ts) and metric (translate-metric.ts) translators.
 */
import { parser } from '@grafana/lezer-logql'
import type { SyntaxNode } from '@lezer/common'
import { DURATION_MS, SIZE_BYTES } from '../query/search/values.js'

/** A query Loki would refuse (or that is outside the supported subset): a 400 with this text. */
export class LogqlError extends Error {
  override name = 'LogqlError'
}

export const MAX_QUERY_LENGTH = 16_384

export class Source {
  constructor(readonly q: string) {}

  text(n: SyntaxNode): string {
    return this.q.slice(n.from, n.to)
  }

  /** Loki's position prefix: 1-based line and column. */
  at(pos: number): string {
    const before = this.q.slice(0, pos).split('\n')
    return `parse error at line ${before.length}, col ${(before[before.length - 1]?.length ?? 0) + 1}`
  }

  fail(n: SyntaxNode | number, problem: string): never {
    throw new LogqlError(`${this.at(typeof n === 'number' ? n : n.from)}: ${problem}`)
  }

  /** A construct outside the supported subset, named as written. */
  unsupported(n: SyntaxNode, what?: string): never {
    const written = this.text(n).slice(0, 60)
    this.fail(n, `${what ?? written} is not supported by OgLogStream's LogQL (README "Loki query API" lists what is)`)
  }

  /** A Go string literal: "..." with escapes, or `...` raw. */
  string(n: SyntaxNode): string {
    const t = this.text(n)
    if (t.startsWith('`')) return t.slice(1, -1)
    try {
      return JSON.parse(t.replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1')) as string
    } catch {
      this.fail(n, `invalid string ${t.slice(0, 40)}`)
    }
  }
}

/** Parses `q`; a syntax error is a LogqlError naming the position and what was not expected. */
export function parseLogql(q: string): { root: SyntaxNode; src: Source } {
  const src = new Source(q)
  if (!q.trim()) throw new LogqlError('parse error : syntax error: unexpected $end')
  if (q.length > MAX_QUERY_LENGTH) throw new LogqlError(`query is longer than ${MAX_QUERY_LENGTH} characters`)
  const tree = parser.parse(q)
  let bad: number | undefined
  tree.iterate({
    enter: (n) => {
      if (bad !== undefined) return false
      if (n.type.isError) bad = n.from
      return undefined
    },
  })
  if (bad !== undefined) {
    const next = /^\s*(\S{1,30})/.exec(q.slice(bad))?.[1]
    src.fail(bad, `syntax error: unexpected ${next === undefined ? '$end' : next}`)
  }
  const expr = tree.topNode.getChild('Expr') ?? src.fail(0, 'syntax error: unexpected $end')
  return { root: expr, src }
}

export function children(n: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = []
  for (let c = n.firstChild; c; c = c.nextSibling) out.push(c)
  return out
}

/** A duration in milliseconds: Prometheus / Go style, compound allowed (`1m30s`, `250ms`, `1.5h`, `2d`). */
export function durationMs(text: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d|w|y)/y
  let ms = 0
  let i = 0
  while (i < text.length) {
    re.lastIndex = i
    const m = re.exec(text)
    if (!m) return undefined
    const unit = m[2] === 'µs' ? 'us' : m[2] === 'y' ? 'y' : (m[2] as string)
    ms += Number(m[1]) * (unit === 'y' ? 365 * 8.64e7 : (DURATION_MS[unit] as number))
    i = re.lastIndex
  }
  return i ? ms : undefined
}

/** A byte size (`1KB`, `1.5MiB`, `512b`), case-insensitive as Loki's humanize reader. */
export function bytesOf(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(text)
  if (!m) return undefined
  if (!m[2]) return Number(m[1])
  const unit = Object.keys(SIZE_BYTES).find((k) => k.toLowerCase() === (m[2] as string).toLowerCase())
  return unit ? Number(m[1]) * (SIZE_BYTES[unit] as number) : undefined
}
