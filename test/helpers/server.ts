/**
 * Starts the real `oglogstream` CLI (the built server/dist) as a child process on a free port with
 * its own temporary data directory, and stops it in teardown.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const CLI = join(ROOT, 'server/bin/oglogstream.js')
/** Real log samples of 16 systems, beside the repository (CI has `../shared` next to the clone). */
export const LOGHUB = join(ROOT, '../shared/data/loghub')

export interface StartOptions {
  roles?: string
  env?: Record<string, string>
  /** Reuse a data directory (restart tests); a new temporary one otherwise. */
  dataDir?: string
  /** Wait for the "listening" log line at most this long. */
  timeoutMs?: number
}

export interface RunningServer {
  url: string
  port: number
  dataDir: string
  proc: ChildProcess
  /** Everything the process wrote, for diagnostics. */
  output(): string
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
  /** Removes the data directory (when this helper created it). */
  cleanup(): void
}

export function tempDir(prefix = 'ogls-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export async function startServer(opts: StartOptions = {}): Promise<RunningServer> {
  const ownDir = !opts.dataDir
  const dataDir = opts.dataDir ?? tempDir()
  const proc = spawn(process.execPath, [CLI, opts.roles ?? 'all'], {
    cwd: ROOT,
    env: {
      ...process.env,
      HTTP_PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: join(dataDir, 'store'),
      LOG_LEVEL: 'info',
      FLUSH_TIMEOUT: '200ms',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within ${opts.timeoutMs ?? 30_000} ms:\n${out}`)), opts.timeoutMs ?? 30_000)
    const onData = (chunk: Buffer) => {
      out += chunk.toString()
      const m = /"address":"(http:\/\/[^"]+)".*"msg":"oglogstream listening"/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1] as string)
      }
    }
    proc.stdout.on('data', onData)
    proc.stderr.on('data', onData)
    proc.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${code} before listening:\n${out}`))
    })
  })
  return {
    url,
    port: Number(new URL(url).port),
    dataDir,
    proc,
    output: () => out,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal)
      return exited
    },
    cleanup() {
      if (ownDir) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v) return v
    } catch (err) {
      last = err
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) })
  const text = await res.text()
  let parsed: unknown = text
  try {
    parsed = JSON.parse(text)
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed, headers: res.headers }
}

export async function getJson(url: string): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url)
  const text = await res.text()
  let parsed: unknown = text
  try {
    parsed = JSON.parse(text)
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed, headers: res.headers }
}

/** Every stored entry's `lid` attribute with its number of copies (GET /api/export): the exactly-once checks of the fault tests. */
export async function storedIds(url: string, service: string): Promise<Map<string, number>> {
  const res = await fetch(`${url}/api/export?service=${encodeURIComponent(service)}&format=ndjson`, { signal: AbortSignal.timeout(60_000) })
  if (res.status !== 200) throw new Error(`export answered ${res.status}: ${await res.text()}`)
  const counts = new Map<string, number>()
  for (const line of (await res.text()).split('\n')) {
    if (!line) continue
    const id = (JSON.parse(line) as { attributes?: Record<string, string> }).attributes?.lid
    if (id) counts.set(id, (counts.get(id) ?? 0) + 1)
  }
  return counts
}
