// TEMPORARY minimal search used while the real parser (helper) is written; to be replaced entirely.
import type { SearchCompiler } from '../../store/queries.js'
export type SearchNode = { words: string[] }
export function parseSearch(q: string): SearchNode {
  return { words: q.toLowerCase().split(/\s+/).filter(Boolean) }
}
export function compileSearch(q: string): SearchCompiler | undefined {
  const { words } = parseSearch(q)
  if (!words.length) return undefined
  return (p) => words.map((w) => `positionCaseInsensitive(message, ${p.add('String', w)}) > 0`).join(' AND ')
}
export function matchesSearch(q: string) {
  const { words } = parseSearch(q)
  return (e: { message: string }) => words.every((w) => e.message.toLowerCase().includes(w))
}
