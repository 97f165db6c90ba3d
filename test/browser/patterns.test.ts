// Explore's Patterns view (issue 17) in a real Chromium against a real server: the templates of the
// matching entries with their variable parts marked and their counts, a click that filters the list by
// `pattern:<id>`, and "new in this range" that shows a template first seen within the range, one
// ingested while the page is open included.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { Pages, T, expectTexts, launch, urlQ } from '../helpers/browser.ts'
import { ROOT, getJson, postJson, startServer, waitFor, type RunningServer } from '../helpers/server.ts'

const SHOTS = join(ROOT, 'test-artifacts/screenshots')
const MIN = 60_000
const ago = (ms: number) => new Date(Date.now() - ms).toISOString()
const at = (service: string, message: string, msAgo: number) => ({ level: 'info', service, message, timestamp: ago(msAgo) })

// Two kinds seen three hours ago already, and in the last hour; one kind only in the last hour.
const OLD = [at('auth', 'user 7 logged in from 10.0.0.7', 180 * MIN), at('cache', 'cache miss for key 901 after 3 ms', 170 * MIN)]
const LOGINS = [11, 12, 13, 14, 15].map((u, i) => at('auth', `user ${u} logged in from 10.0.0.${u}`, (50 - i) * MIN))
const MISSES = [101, 102, 103].map((k, i) => at('cache', `cache miss for key ${k} after ${i + 2} ms`, (40 - i) * MIN))
const DISKS = ['sda', 'sdb'].map((d, i) => at('disk', `disk /dev/${d} is ${91 + i}% full`, (30 - i) * MIN))
const SEED = [...OLD, ...LOGINS, ...MISSES, ...DISKS]
const ROWS = '[data-testid=pattern-list] .pattern-row'
const TEMPLATES = `${ROWS} [data-testid=pattern-template]`
const MSGS = '[data-testid=results] .log-row .log-message'

let srv: RunningServer
let browser: Browser
let pages: Pages

before(async () => {
  mkdirSync(SHOTS, { recursive: true })
  const [s, b] = await Promise.all([startServer({ env: { RATE_LIMIT_MAX: '0' } }), launch()])
  srv = s
  browser = b
  pages = new Pages(browser, () => srv.url)
  assert.equal((await postJson(`${srv.url}/logs`, SEED)).status, 202)
  await waitFor(async () => (await getJson(`${srv.url}/api/stats`)).body.total_logs === SEED.length, T)
})

after(async () => {
  await browser?.close()
  await srv?.stop()
  srv?.cleanup()
})

/** Template and count of each row, as shown. */
async function shown(page: Page): Promise<string[]> {
  return page.$$eval('[data-testid=pattern-list] .pattern-row', (rows) =>
    rows.map((r) => `${r.querySelector('[data-testid=pattern-count]')?.textContent} ${r.querySelector('[data-testid=pattern-template]')?.textContent}`),
  )
}

test('Patterns lists the templates in the range with counts and marked variables; a click filters the entries', async () => {
  const { page, ctx } = await pages.open('/?range=1h')
  await page.click('[data-testid=tab-patterns]')
  await expectTexts(page, TEMPLATES, ['user <*> logged in from <*>', 'cache miss for key <*> after <*>', 'disk <*> is <*> full'])
  assert.deepEqual(await shown(page), ['5 user <*> logged in from <*>', '3 cache miss for key <*> after <*>', '2 disk <*> is <*> full'], 'most frequent first, counted in the range')
  assert.equal(new URL(page.url()).searchParams.get('tab'), 'patterns', 'the view is in the link')
  // The variable parts are marked apart from the fixed text, and each row has a sparkline.
  const vars = await page.$$eval(`${ROWS}:first-child .pattern-var`, (els) => els.map((e) => e.textContent))
  assert.deepEqual(vars, ['<*>', '<*>'])
  assert.equal(await page.locator(`${ROWS} [data-testid=pattern-spark] polyline`).count(), 3)
  // Only the disk template was first seen in the last hour.
  assert.deepEqual(await page.$$eval(`${ROWS}`, (rows) => rows.map((r) => !!r.querySelector('[data-testid=pattern-new]'))), [false, false, true])
  await page.screenshot({ path: join(SHOTS, 'explore-patterns.png') })

  await page.locator(ROWS, { hasText: 'cache miss' }).locator('button').click()
  await expectTexts(page, MSGS, MISSES.map((e) => e.message))
  assert.match(urlQ(page), /^pattern:[0-9a-f]{16}$/)
  assert.equal(new URL(page.url()).searchParams.get('tab'), null, 'back on the entries')

  // The search and the range narrow the patterns too: q applies, and the 3 h range counts the old ones.
  await page.fill('#search', 'from')
  await page.press('#search', 'Enter')
  await page.click('[data-testid=tab-patterns]')
  await expectTexts(page, TEMPLATES, ['user <*> logged in from <*>'])
  await page.goto(`${srv.url}/?range=24h&tab=patterns`)
  await page.locator(ROWS).first().waitFor({ timeout: T })
  assert.deepEqual(await shown(page), ['6 user <*> logged in from <*>', '4 cache miss for key <*> after <*>', '2 disk <*> is <*> full'])
  await ctx.close()
  pages.assertClean()
})

test('"New in this range" shows only templates first seen in the range, one ingested while open included', async () => {
  const { page, ctx } = await pages.open('/?range=1h&tab=patterns')
  await page.locator(ROWS).first().waitFor({ timeout: T })
  await page.click('[data-testid=patterns-new]')
  await expectTexts(page, TEMPLATES, ['disk <*> is <*> full'])
  assert.equal(new URL(page.url()).searchParams.get('new'), '1')
  assert.equal(await page.getAttribute('[data-testid=patterns-new]', 'aria-pressed'), 'true')

  const fresh = [at('queue', 'queue depth of orders reached 120', 2000), at('queue', 'queue depth of payments reached 7', 1000)]
  assert.equal((await postJson(`${srv.url}/logs`, fresh)).status, 202)
  await waitFor(async () => (await getJson(`${srv.url}/api/stats`)).body.total_logs === SEED.length + fresh.length, T)
  await page.click('text=↻ Refresh')
  await expectTexts(page, TEMPLATES, ['queue depth of <*> reached <*>', 'disk <*> is <*> full'])
  assert.deepEqual((await shown(page)).sort(), ['2 disk <*> is <*> full', '2 queue depth of <*> reached <*>'], 'equal counts, in either order')

  // Over 24 h nothing of the older kinds is new either way; the empty state says what it means.
  await page.goto(`${srv.url}/?range=15m&tab=patterns&new=1&service=auth`)
  await page.locator('[data-testid=patterns]', { hasText: 'No new patterns in this range' }).waitFor({ timeout: T })
  await ctx.close()
  pages.assertClean()
})

test('on a phone the Patterns view fits the screen', async () => {
  const { page, ctx } = await pages.open('/?range=1h&tab=patterns', { width: 390, height: 844 })
  await page.locator(ROWS).first().waitFor({ timeout: T })
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  assert.ok(overflow <= 0, `no sideways scrolling (${overflow} px too wide)`)
  const box = await page.locator(`${ROWS} [data-testid=pattern-template]`).first().boundingBox()
  assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `the template is on screen: ${JSON.stringify(box)}`)
  await page.screenshot({ path: join(SHOTS, 'explore-patterns-phone.png') })
  await ctx.close()
  pages.assertClean()
})
