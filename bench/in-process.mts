// Pieces of the benches that run the server in this process (bench/loki.mts, field-summary.mts,
// alerting.mts): numeric --name value arguments and the median time of GET requests through inject.
import type { FastifyInstance } from 'fastify'

/** `--name 123` on the command line, or the default. */
export const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}

/**
 * Median milliseconds of `runs` GETs of `mk(i)` (after one warm-up with i = 999); any status but 200
 * stops the bench. `i` lets a caller vary the URL so the engine's condition cache does not answer.
 */
export async function medianGetMs(server: FastifyInstance, mk: (i: number) => string, runs: number): Promise<number> {
  const get = async (url: string) => {
    const r = await server.inject({ method: 'GET', url })
    if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body.slice(0, 300)}`)
  }
  await get(mk(999))
  const xs: number[] = []
  for (let i = 0; i < runs; i++) {
    const t = performance.now()
    await get(mk(i))
    xs.push(performance.now() - t)
  }
  xs.sort((a, b) => a - b)
  return Math.round((xs[Math.floor(xs.length / 2)] as number) * 10) / 10
}
