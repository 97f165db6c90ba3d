/**
 * Debian's prometheus-alertmanager for the alerting tests: one receiver, `capture`, a webhook that
 * posts to `webhookUrl` (resolved notifications too), grouping by `groupBy` with no waiting, no
 * cluster. It binds a port of its own (port 0, read back from its log): `url` is its address; `ready`
 * resolves once /-/ready answers.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { waitFor } from './server.ts'

export interface Alertmanager {
  url: string
  ready: Promise<void>
  stop(): void
}

export async function startAlertmanager(dir: string, webhookUrl: string, groupBy: string[] = ['alertname']): Promise<Alertmanager> {
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    join(dir, 'am.yml'),
    `route: { receiver: capture, group_by: [${groupBy.join(', ')}], group_wait: 0s, group_interval: 1s, repeat_interval: 1h }
receivers:
  - name: capture
    webhook_configs: [{ url: "${webhookUrl}", send_resolved: true }]
`,
  )
  // Port 0: Alertmanager binds a port of its own and logs it (`msg="Listening on" address=127.0.0.1:<port>`).
  const proc = spawn(
    '/usr/bin/prometheus-alertmanager',
    [`--config.file=${join(dir, 'am.yml')}`, `--storage.path=${dir}`, '--web.listen-address=127.0.0.1:0', '--cluster.listen-address='],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let out = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Alertmanager did not say where it listens within 20 s:\n${out}`)), 20_000)
    proc.stderr.on('data', (b: Buffer) => {
      out += b.toString()
      const m = /msg="Listening on" address=(127\.0\.0\.1:\d+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(`http://${m[1]}`)
      }
    })
    proc.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`Alertmanager exited with ${code} before listening:\n${out}`))
    })
  })
  proc.stderr.resume() // keep draining its log
  const ready = waitFor(async () => (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok, 20_000).then(() => undefined)
  ready.catch(() => {})
  return { url, ready, stop: () => proc.kill('SIGTERM') }
}
