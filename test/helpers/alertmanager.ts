/**
 * Debian's prometheus-alertmanager for the alerting tests: one receiver, `capture`, a webhook that
 * posts to `webhookUrl` (resolved notifications too), grouping by `groupBy` with no waiting, no
 * cluster. `url` is its address; `ready` resolves once /-/ready answers.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort } from './nats.ts'
import { waitFor } from './server.ts'

export interface Alertmanager {
  url: string
  ready: Promise<void>
  stop(): void
}

export async function startAlertmanager(dir: string, webhookUrl: string, groupBy: string[] = ['alertname']): Promise<Alertmanager> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    join(dir, 'am.yml'),
    `route: { receiver: capture, group_by: [${groupBy.join(', ')}], group_wait: 0s, group_interval: 1s, repeat_interval: 1h }
receivers:
  - name: capture
    webhook_configs: [{ url: "${webhookUrl}", send_resolved: true }]
`,
  )
  const proc = spawn(
    '/usr/bin/prometheus-alertmanager',
    [`--config.file=${join(dir, 'am.yml')}`, `--storage.path=${dir}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='],
    { stdio: 'ignore' },
  )
  const ready = waitFor(async () => (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok, 20_000).then(() => undefined)
  ready.catch(() => {})
  return { url, ready, stop: () => proc.kill('SIGTERM') }
}
