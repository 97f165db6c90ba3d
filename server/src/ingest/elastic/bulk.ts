/**
 * The `_bulk` body: NDJSON of action lines, each but `delete` followed by a source line
 * (https://www.elastic.co/guide/en/elasticsearch/reference/current/docs-bulk.html).
 * A malformed action line fails the whole request, as in Elasticsearch (the pairing of the lines
 * after it is lost); a malformed source line fails only its item.
 */
import type { RejectReason } from '../../errors.js'
import { EntryError } from '../../model/index.js'

/**
 * The deepest document accepted. Mapping flattens a document recursively: 100,000 levels blew the
 * stack and answered 500 for the whole request, losing the valid documents beside it (issue 11).
 */
export const MAX_DOCUMENT_DEPTH = 64

export const SUPPORTED_ACTIONS = ['index', 'create'] as const
const KNOWN_ACTIONS = new Set(['index', 'create', 'update', 'delete'])

export interface BulkItem {
  action: string
  /** `_index` of the action line, else the URL's index. */
  index: string | undefined
  id: string | undefined
  /** The parsed source document (absent for `delete`, or when `error` is set). */
  doc?: unknown
  /** Why the source line could not be parsed. */
  error?: string
  /** The reject reason of `error` (invalid_json when absent). */
  reason?: RejectReason
}

/**
 * True when the JSON text nests objects/arrays deeper than `limit`. A scan of the text, so that
 * neither the parser nor anything after it recurses over a hostile document.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true
    } else if (c === 0x7d || c === 0x5d) depth--
  }
  return false
}

/** Splits and parses a bulk body; throws EntryError('malformed_request') for a bad action line. */
export function parseBulk(text: string, urlIndex: string | undefined): BulkItem[] {
  const items: BulkItem[] = []
  let pos = 0
  let lineNo = 0
  const next = (): string | undefined => {
    while (pos < text.length) {
      let end = text.indexOf('\n', pos)
      if (end === -1) end = text.length
      const line = text.slice(pos, end)
      pos = end + 1
      lineNo++
      if (line.trim().length > 0) return line
    }
    return undefined
  }
  for (let line = next(); line !== undefined; line = next()) {
    let action: unknown
    try {
      if (nestsDeeperThan(line, MAX_DOCUMENT_DEPTH)) throw new Error(`nested deeper than ${MAX_DOCUMENT_DEPTH} levels`)
      action = JSON.parse(line)
    } catch (err) {
      throw new EntryError('malformed_request', `malformed action/metadata line [${lineNo}]: ${(err as Error).message}`)
    }
    const keys = action && typeof action === 'object' && !Array.isArray(action) ? Object.keys(action) : []
    const name = keys[0]
    if (keys.length !== 1 || name === undefined || !KNOWN_ACTIONS.has(name)) {
      throw new EntryError(
        'malformed_request',
        `malformed action/metadata line [${lineNo}]: expected one of index, create, update, delete, got ${keys.length === 1 ? `'${name}'` : `${keys.length} keys`}`,
      )
    }
    const meta = (action as Record<string, unknown>)[name]
    const m = meta && typeof meta === 'object' ? (meta as Record<string, unknown>) : {}
    const item: BulkItem = {
      action: name,
      index: typeof m._index === 'string' && m._index !== '' ? m._index : urlIndex,
      id: typeof m._id === 'string' || typeof m._id === 'number' ? String(m._id) : undefined,
    }
    items.push(item)
    if (name === 'delete') continue
    const source = next()
    if (source === undefined) {
      item.error = 'the action has no source line'
      break
    }
    if (nestsDeeperThan(source, MAX_DOCUMENT_DEPTH)) {
      item.error = `the document is nested deeper than ${MAX_DOCUMENT_DEPTH} levels (objects and arrays); the limit is ${MAX_DOCUMENT_DEPTH}`
      item.reason = 'nesting_too_deep'
      continue
    }
    try {
      item.doc = JSON.parse(source)
    } catch (err) {
      item.error = `failed to parse the document: ${(err as Error).message}`
    }
  }
  return items
}
