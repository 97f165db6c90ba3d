// Generated entries of realistic shape: real lines from ../shared/data/loghub cycled over services,
// with timestamps spread over the last hours and a small attributes map.
import { loghubLines } from './lib.mjs'

let lines
/** `n` entries starting at index `start` (deterministic: the same index gives the same entry). */
export function entries(n, start = 0, { spanMs = 6 * 3_600_000, now = Date.now() } = {}) {
  lines ??= loghubLines()
  const out = new Array(n)
  for (let k = 0; k < n; k++) {
    const i = start + k
    const l = lines[(i * 7919) % lines.length]
    out[k] = {
      timestamp: new Date(now - spanMs + ((i * 104_729) % spanMs)).toISOString(),
      level: l.level,
      service: l.service,
      message: l.message,
      attributes: { host: `node-${i % 37}`, region: i % 3 === 0 ? 'eu-west-1' : 'us-east-1', seq: i },
    }
  }
  return out
}

export const ndjson = (list) => list.map((e) => JSON.stringify(e)).join('\n') + '\n'
