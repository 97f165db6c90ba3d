// The Alerts page (issue 16) in a real Chromium against a real server: "Create alert" from an Explore
// search opens the form with its LogQL expression (or a q rule when LogQL cannot say the search); the
// saved rule fires and the page shows it firing, its rule with health and last evaluation, and the
// history; a bad expression shows the server's message. The alert's generatorURL, posted to an
// Alertmanager API the test runs, is EXTERNAL_URL/alerts?expr=... and opens the page on that rule.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { Pages, T, launch } from '../helpers/browser.ts'
import { ROOT, getJson, postJson, startServer, waitFor, type RunningServer } from '../helpers/server.ts'

const SHOTS = join(ROOT, 'test-artifacts/screenshots')
let srv: RunningServer
let browser: Browser
let pages: Pages
let am: Server
const posted: { labels: Record<string, string>; generatorURL: string }[] = []
const EXTERNAL = 'http://dashboard.example:8080'

before(async () => {
  mkdirSync(SHOTS, { recursive: true })
  am = createServer((req, res) => {
    let raw = ''
    req.on('data', (c) => (raw += c))
    req.on('end', () => {
      if (req.url === '/api/v2/alerts') posted.push(...(JSON.parse(raw) as typeof posted))
      res.writeHead(200).end('{}')
    })
  })
  await new Promise<void>((r) => am.listen(0, '127.0.0.1', r))
  const amUrl = `http://127.0.0.1:${(am.address() as { port: number }).port}`
  const [s, b] = await Promise.all([
    startServer({ env: { RATE_LIMIT_MAX: '0', ALERTING_EVALUATION_INTERVAL: '1s', EXTERNAL_URL: EXTERNAL, ALERTMANAGER_URL: amUrl } }),
    launch(),
  ])
  srv = s
  browser = b
  pages = new Pages(browser, () => srv.url)
  const entries = [1, 2, 3].map((i) => ({
    level: 'error',
    service: 'shop',
    message: `payment declined ${i}`,
    attributes: { amount: String(i * 100) },
  }))
  assert.equal((await postJson(`${srv.url}/logs`, entries)).status, 202)
  await waitFor(async () => (await getJson(`${srv.url}/api/stats`)).body.total_logs === 3, T)
})
after(async () => {
  am?.close()
  await browser?.close()
  await srv?.stop()
  srv?.cleanup()
})

test('Create alert from an Explore search; the rule fires and the Alerts page shows it', async () => {
  const { page, ctx } = await pages.open('/?range=1h&service=shop&level=error&q=declined')
  await page.click('[data-testid=create-alert]', { timeout: T })
  await page.waitForURL(/\/alerts\?/, { timeout: T })
  const expr = await page.inputValue('[data-testid=rule-form] textarea[name=expr]', { timeout: T })
  assert.equal(expr, 'sum(count_over_time({service_name="shop", level="error"} |= "declined" [5m])) > 0')

  // A bad expression: the server's message, naming the rule, is shown.
  await page.fill('[data-testid=rule-form] input[name=name]', 'ShopDeclines')
  await page.fill('[data-testid=rule-form] textarea[name=expr]', 'sum(count_over_time({service_name="shop"}[5m])')
  await page.click('[data-testid=rule-form] button[type=submit]')
  const err = await page.locator('[data-testid=rule-error]').textContent({ timeout: T })
  assert.match(err ?? '', /ShopDeclines.*could not parse expression/)

  await page.fill('[data-testid=rule-form] textarea[name=expr]', expr)
  await page.fill('[data-testid=rule-form] input[name=summary]', '{{ $value }} declined payments')
  await page.fill('[data-testid=rule-form] input[name=for]', '0s')
  await page.click('[data-testid=rule-form] button[type=submit]')
  await page.locator('[role=status]', { hasText: 'Saved ShopDeclines' }).waitFor({ timeout: T })

  // Fires within a few evaluation rounds (the page polls every 5 s).
  const row = page.locator('[data-testid=active-alerts] tr', { hasText: 'ShopDeclines' })
  await row.waitFor({ timeout: T })
  await page.locator('[data-testid=active-alerts] tr', { hasText: 'firing' }).waitFor({ timeout: T })
  assert.match((await row.textContent()) ?? '', /3 declined payments/)
  const rule = page.locator('[data-testid=rule-row]', { hasText: 'ShopDeclines' })
  assert.match((await rule.textContent()) ?? '', /ok/)
  await page.locator('[data-testid=alert-history] li', { hasText: 'ShopDeclines' }).first().waitFor({ timeout: T })
  await page.screenshot({ path: join(SHOTS, 'alerts.png'), fullPage: true })

  // The rule is stored: the API has it in the dashboard namespace.
  const g = await getJson(`${srv.url}/api/rules/dashboard/dashboard`)
  assert.equal(g.body.group.rules[0].alert, 'ShopDeclines')
  assert.deepEqual(pages.problems, [])
  await ctx.close()
})

test("the alert's generatorURL is EXTERNAL_URL/alerts?expr=... and opens the Alerts page on its rule", async () => {
  const a = await waitFor(async () => posted.find((x) => x.labels.alertname === 'ShopDeclines'), T)
  const url = new URL(a.generatorURL)
  assert.equal(url.origin, EXTERNAL)
  assert.equal(url.pathname, '/alerts')
  assert.equal(url.searchParams.get('expr'), 'sum(count_over_time({service_name="shop", level="error"} |= "declined" [5m])) > 0')
  // The same path on this server (EXTERNAL_URL is where users reach it).
  const { page, ctx } = await pages.open(`${url.pathname}${url.search}`)
  const banner = page.locator('[data-testid=linked-rules]')
  await banner.locator('text=ShopDeclines').waitFor({ timeout: T })
  assert.match((await banner.textContent()) ?? '', /dashboard \/ dashboard, firing/)
  const marked = page.locator('[data-testid=rule-row][data-linked=true]')
  await marked.first().waitFor({ timeout: T })
  assert.equal(await marked.count(), 1)
  assert.match((await marked.textContent()) ?? '', /ShopDeclines/)
  await page.screenshot({ path: join(SHOTS, 'alerts-linked.png'), fullPage: true })
  assert.deepEqual(pages.problems, [])
  await ctx.close()
})

test('Create alert from a search LogQL cannot say writes a q rule, which fires', async () => {
  const { page, ctx } = await pages.open('/?range=1h&service=shop&q=amount%3A%3E150')
  await page.click('[data-testid=create-alert]', { timeout: T })
  await page.waitForURL(/\/alerts\?/, { timeout: T })
  const expr = await page.inputValue('[data-testid=rule-form] textarea[name=expr]', { timeout: T })
  assert.equal(expr, 'q: _time:5m service:shop amount:>150 | stats count() as n | n:>0')
  await page.fill('[data-testid=rule-form] input[name=name]', 'BigPayments')
  // A new group is evaluated at once (the dashboard group's next round may be a minute away).
  await page.fill('[data-testid=rule-form] input[name=group]', 'payments')
  await page.fill('[data-testid=rule-form] input[name=summary]', '{{ $value }} big payments')
  await page.fill('[data-testid=rule-form] input[name=for]', '0s')
  await page.click('[data-testid=rule-form] button[type=submit]')
  await page.locator('[role=status]', { hasText: 'Saved BigPayments' }).waitFor({ timeout: T })
  const row = page.locator('[data-testid=active-alerts] tr', { hasText: 'BigPayments' })
  await row.waitFor({ timeout: T })
  // amounts 200 and 300 are over 150
  assert.match((await row.textContent()) ?? '', /2 big payments/)
  assert.deepEqual(pages.problems, [])
  await ctx.close()
})
