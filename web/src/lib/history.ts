/**
 * Query history for the search box: the last queries run, newest first, without repeats, and the
 * walk through them with ↑ / ↓ (↓ past the newest gives back what was being typed).
 */
export const MAX_HISTORY = 50

/** `list` with `q` first (moved there if it was already in), at most `max` long; blank queries are not kept. */
export function remember(list: readonly string[], q: string, max = MAX_HISTORY): string[] {
  const t = q.trim()
  if (!t) return [...list]
  return [t, ...list.filter((x) => x !== t)].slice(0, max)
}

export interface Walk {
  /** -1: not walking (the draft is shown); else the index into the history. */
  index: number
  draft: string
}

/** One step: `up` to older, else to newer; returns the new position and the text to show. */
export function step(history: readonly string[], walk: Walk, current: string, up: boolean): { walk: Walk; text: string } {
  const draft = walk.index < 0 ? current : walk.draft
  const index = up ? Math.min(history.length - 1, walk.index + 1) : Math.max(-1, walk.index - 1)
  return { walk: { index, draft }, text: index < 0 ? draft : (history[index] as string) }
}
