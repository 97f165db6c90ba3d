// The dashboard (SPEC §7) driven in a real Chromium against a real server: Explore (search,
// filters, time range, histogram zoom, entry detail, URL state), untrusted text, Live tail,
// Statistics, themes, and scrolling 50,000 entries. One browser for the whole suite.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { ROOT, getJson, postJson, startServer, waitFor, type RunningServer } from '../helpers/server.ts'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
const SHOTS = join(ROOT, 'test-artifacts/screenshots')
const ARTIFACTS = join(ROOT, 'test-artifacts/browser')
const T = 20_000 // generous waits for a loaded CI machine

const XSS = '<img src=x onerror=alert(1)><script>window.__pwned=1</script>'
const MIN = 60_000
const ago = (ms: number) => new Date(Date.now() - ms).toISOString()

/** The entries the assertions are about: all within the last 10 minutes, but one 3 h old. */
const SEED = [
  { level: 'info', service: 'checkout', message: 'order 1001 placed', timestamp: ago(9 * MIN) },
  {
    level: 'error',
    service: 'checkout',
    message: 'payment declined for order 1002',
    timestamp: ago(8 * MIN),
    attributes: { order_id: '1002', customer: 'c-77' },
    trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
    span_id: '00f067aa0ba902b7',
  },
  { level: 'warn', service: 'checkout', message: 'retrying payment provider', timestamp: ago(7 * MIN) },
  { level: 'info', service: 'inventory', message: 'stock updated for sku A-1', timestamp: ago(6 * MIN) },
  { level: 'error', service: 'inventory', message: 'stock sync failed: upstream timeout', timestamp: ago(5 * MIN) },
  { level: 'debug', service: 'inventory', message: 'cache warm', timestamp: ago(4 * MIN) },
  { level: 'info', service: 'gateway', message: 'GET /health 200', timestamp: ago(3 * MIN) },
  { level: 'error', service: 'gateway', message: 'card declined by issuer', timestamp: ago(2 * MIN) },
  { level: 'error', service: 'xss', message: XSS, timestamp: ago(1 * MIN) },
  { level: 'info', service: 'checkout', message: 'archived nightly report', timestamp: ago(180 * MIN) },
]
const RECENT = SEED.filter((e) => !e.message.startsWith('archived')).map((e) => e.message)

/** Background traffic between 70 min and 24 h ago, so that charts and screenshots look real. */
function background(n: number): object[] {
  const services = ['api', 'web', 'auth', 'billing', 'worker', 'search']
  const levels = ['info', 'info', 'info', 'info', 'debug', 'debug', 'warn', 'error', 'info', 'fatal']
  const templates = ['GET /v1/items/%d 200 in %dms', 'user %d signed in', 'job %d finished in %dms', 'cache miss for key item:%d', 'slow query took %dms', 'connection reset by peer (attempt %d)']
  const out: object[] = []
  for (let i = 0; i < n; i++) {
    const hoursAgo = 1.2 + 22.6 * Math.pow(i / n, 1.3)
    const message = (templates[i % templates.length] as string).replace('%d', String(1000 + i)).replace('%d', String((i * 37) % 900))
    out.push({ level: levels[(i * 7) % levels.length], service: services[Math.floor(Math.pow(((i * 7919) % 1000) / 1000, 2) * services.length)], message, timestamp: ago(hoursAgo * 3_600_000 + (i % 97) * 1000), attributes: { region: i % 3 ? 'eu-west-1' : 'us-east-1' } })
  }
  return out
}

interface ScrollReport {
  frames: number
  scroll_ms: number
  frame_ms_mean: number
  frame_ms_p50: number
  frame_ms_p95: number
  frame_ms_p99: number
  frame_ms_max: number
  frames_over_50ms: number
  long_tasks: number
  long_task_ms_total: number
  long_task_ms_max: number
  max_rows_in_dom: number
  scroll_height_px: number
}

/**
 * Runs in the page (as source text, so that the test's transpiler leaves it alone): scrolls the
 * result list through its whole height, a frame per step, and measures frame times and long tasks.
 */
const SCROLL_PROBE = `async function (steps) {
  const el = document.querySelector('[data-testid=results] [role=listbox]')
  const longTasks = []
  const po = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) longTasks.push(e.duration)
  })
  po.observe({ type: 'longtask', buffered: false })
  function frame() {
    return new Promise((r) => requestAnimationFrame(r))
  }
  el.scrollTop = 0
  await frame()
  const frames = []
  let maxRows = 0
  const range = el.scrollHeight - el.clientHeight
  let last = await frame()
  const start = last
  // Down through the whole list, more than a screenful per frame (every frame shows new rows),
  // then back up in small steps as a mouse wheel would.
  for (let i = 1; i <= steps; i++) {
    el.scrollTop = Math.round((range * i) / steps)
    const now = await frame()
    frames.push(now - last)
    last = now
    maxRows = Math.max(maxRows, el.querySelectorAll('.log-row').length)
  }
  for (let i = 0; i < steps / 2; i++) {
    el.scrollTop -= 120
    const now = await frame()
    frames.push(now - last)
    last = now
  }
  const totalMs = last - start
  await new Promise((r) => setTimeout(r, 200))
  po.disconnect()
  const sorted = [...frames].sort((a, b) => a - b)
  function pct(p) {
    return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] || 0
  }
  return {
    frames: frames.length,
    scroll_ms: Math.round(totalMs),
    frame_ms_mean: +(frames.reduce((a, b) => a + b, 0) / frames.length).toFixed(2),
    frame_ms_p50: +pct(0.5).toFixed(2),
    frame_ms_p95: +pct(0.95).toFixed(2),
    frame_ms_p99: +pct(0.99).toFixed(2),
    frame_ms_max: +(sorted[sorted.length - 1] || 0).toFixed(2),
    frames_over_50ms: frames.filter((f) => f > 50).length,
    long_tasks: longTasks.length,
    long_task_ms_total: Math.round(longTasks.reduce((a, b) => a + b, 0)),
    long_task_ms_max: Math.round(Math.max(0, ...longTasks)),
    max_rows_in_dom: maxRows,
    scroll_height_px: el.scrollHeight,
  }
}`

let srv: RunningServer
let browser: Browser
const problems: string[] = []
const dialogs: string[] = []

before(async () => {
  mkdirSync(SHOTS, { recursive: true })
  mkdirSync(ARTIFACTS, { recursive: true })
  const [s, b] = await Promise.all([startServer({ env: { RATE_LIMIT_MAX: '0' } }), chromium.launch({ executablePath: CHROMIUM, args: ARGS })])
  srv = s
  browser = b
  const res = await postJson(`${srv.url}/logs`, [...background(3_000), ...SEED])
  assert.equal(res.status, 202, JSON.stringify(res.body))
  await waitFor(async () => (await getJson(`${srv.url}/api/stats`)).body.total_logs === 3_000 + SEED.length, T)
})

after(async () => {
  await browser?.close()
  await srv?.stop()
  srv?.cleanup()
})

async function open(path: string, opts: { dark?: boolean } = {}): Promise<{ page: Page; ctx: BrowserContext }> {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 }, colorScheme: opts.dark ? 'dark' : 'light', timezoneId: 'UTC' })
  await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.url })
  const page = await ctx.newPage()
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`)
  })
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
  page.on('dialog', (d) => {
    dialogs.push(d.message())
    void d.dismiss()
  })
  await page.goto(srv.url + path)
  return { page, ctx }
}

function assertNoBrowserErrors(): void {
  assert.deepEqual(problems, [], 'no errors in the browser console')
  assert.deepEqual(dialogs, [], 'no dialog opened')
}

const ROWS = '[data-testid=results] .log-row'

/** The messages of the rows on screen, once they equal `expected` (any order). */
async function expectMessages(page: Page, expected: string[]): Promise<void> {
  const want = [...expected].sort()
  try {
    await page.waitForFunction(
      ({ sel, want }) => {
        const got = [...document.querySelectorAll(sel)].map((e) => e.textContent ?? '').sort()
        return got.length === want.length && got.every((m, i) => m === want[i])
      },
      { sel: `${ROWS} .log-message`, want },
      { timeout: T, polling: 100 },
    )
  } catch (err) {
    const got = await page.$$eval(`${ROWS} .log-message`, (els) => els.map((e) => e.textContent))
    assert.fail(`rows ${JSON.stringify(got)} are not ${JSON.stringify(want)}: ${(err as Error).message}`)
  }
}

async function rowsLevelsAndServices(page: Page): Promise<{ levels: string[]; services: string[] }> {
  return page.$$eval(ROWS, (rows) => ({
    levels: rows.map((r) => (r.children[1]?.textContent ?? '').trim().toLowerCase()),
    services: rows.map((r) => (r.children[2]?.textContent ?? '').trim()),
  }))
}

async function search(page: Page, q: string): Promise<void> {
  await page.fill('#search', q)
  await page.press('#search', 'Enter')
}

test('Explore lists posted entries; search, level, service and time range narrow them; state is in the URL', async () => {
  const { page, ctx } = await open('/?range=1h')
  // Everything posted in the last hour, newest first.
  await expectMessages(page, RECENT)
  const first = await page.textContent(`${ROWS} .log-message`)
  assert.equal(first, XSS, 'newest first')

  // `/` focuses the search box; a search narrows the list and highlights the term.
  await page.locator('body').press('/')
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'search')
  await search(page, 'declined')
  await expectMessages(page, ['payment declined for order 1002', 'card declined by issuer'])
  assert.match(page.url(), /[?&]q=declined(&|$)/)
  const marks = await page.$$eval(`${ROWS} mark`, (els) => els.map((e) => e.textContent?.toLowerCase()))
  assert.deepEqual(marks, ['declined', 'declined'])

  // Level filter (with counts), then a service filter on top of it.
  await search(page, '')
  await expectMessages(page, RECENT)
  // The error facet counts the 4 recent errors.
  await page.waitForFunction(() => /^\s*error\s*4\s*$/.test(document.querySelector('label:has(input[name=level][value=error])')?.textContent ?? ''), null, { timeout: T })
  await page.check('input[name=level][value=error]')
  await expectMessages(page, ['payment declined for order 1002', 'stock sync failed: upstream timeout', 'card declined by issuer', XSS])
  assert.deepEqual([...new Set((await rowsLevelsAndServices(page)).levels)], ['error'])
  await page.check('input[name=service][value=checkout]')
  await expectMessages(page, ['payment declined for order 1002'])
  const url = page.url()
  assert.match(url, /level=error/)
  assert.match(url, /service=checkout/)

  // A link reproduces the view.
  const copy = await ctx.newPage()
  copy.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
  await copy.goto(url)
  await expectMessages(copy, ['payment declined for order 1002'])
  assert.equal(await copy.isChecked('input[name=level][value=error]'), true)
  assert.equal(await copy.isChecked('input[name=service][value=checkout]'), true)
  await copy.close()

  // Back undoes the last filter.
  await page.goBack()
  await expectMessages(page, ['payment declined for order 1002', 'stock sync failed: upstream timeout', 'card declined by issuer', XSS])
  await page.uncheck('input[name=level][value=error]')
  await page.check('input[name=service][value=inventory]')
  await expectMessages(page, ['stock updated for sku A-1', 'stock sync failed: upstream timeout', 'cache warm'])
  await page.uncheck('input[name=service][value=inventory]')

  // Time range: the 3-hour-old entry is outside 1 h and inside 24 h.
  await search(page, 'archived')
  await page.waitForSelector('[data-testid=results] [data-state=empty]', { timeout: T })
  await page.click('button[data-range="24h"]')
  await expectMessages(page, ['archived nightly report'])
  await page.click('button[data-range="15m"]')
  await page.waitForSelector('[data-testid=results] [data-state=empty]', { timeout: T })
  // A custom range typed into the form (datetime-local, the browser's zone: UTC here).
  const local = (ms: number) => new Date(ms).toISOString().slice(0, 16)
  await page.click('button[data-range="custom"]')
  await page.fill('input[name=from]', local(Date.now() - 4 * 3_600_000))
  await page.fill('input[name=to]', local(Date.now() - 2 * 3_600_000))
  await page.click('form[aria-label="Custom time range"] button[type=submit]')
  await expectMessages(page, ['archived nightly report'])
  assert.match(page.url(), /[?&]from=[^&]+&to=/)
  await page.click('button[data-range="15m"]')
  await search(page, '')
  await expectMessages(page, RECENT)

  // Custom range typed in, then dragging across the histogram zooms into a span.
  await page.click('button[data-range="24h"]')
  await page.waitForFunction(() => (document.querySelector('[data-testid=result-status]')?.textContent ?? '').includes('3,010 matching'), null, { timeout: T })
  await page.screenshot({ path: join(SHOTS, 'explore.png') })
  const box = await page.locator('[data-testid=histogram]').boundingBox()
  assert.ok(box)
  await page.mouse.move(box.x + box.width * 0.1, box.y + 40)
  await page.mouse.down()
  await page.mouse.move(box.x + box.width * 0.5, box.y + 40, { steps: 5 })
  await page.mouse.up()
  await page.waitForFunction(() => /[?&]from=.*&to=/.test(location.search), null, { timeout: T })
  const zoomed = new URL(page.url())
  const span = Date.parse(zoomed.searchParams.get('to') ?? '') - Date.parse(zoomed.searchParams.get('from') ?? '')
  assert.ok(span > 3_600_000 && span < 16 * 3_600_000, `zoomed into about 40% of 24 h, got ${span} ms`)
  assert.match((await page.textContent('[data-testid=range-label]')) ?? '', /UTC –/)
  await page.waitForSelector(`${ROWS}`, { timeout: T })

  await ctx.close()
  assertNoBrowserErrors()
})

test('an entry opens to its full detail by mouse and by keyboard, copies as JSON, and Esc closes it', async () => {
  const { page, ctx } = await open('/?range=1h&q=declined')
  await expectMessages(page, ['payment declined for order 1002', 'card declined by issuer'])
  await page.click(`${ROWS}:has-text("payment declined")`)
  const detail = page.locator('[data-testid=entry-detail]')
  await detail.waitFor({ timeout: T })
  assert.equal(await detail.locator('[data-testid=detail-message]').textContent(), 'payment declined for order 1002')
  assert.equal(await detail.locator('[data-testid=trace-id]').textContent(), '4bf92f3577b34da6a3ce929d0e0e4736')
  assert.equal(await detail.locator('[data-testid=span-id]').textContent(), '00f067aa0ba902b7')
  const attrs = await page.$$eval('[data-testid=attributes] tr', (rows) => rows.map((r) => `${r.querySelector('th')?.textContent}=${r.querySelector('td')?.textContent}`))
  assert.deepEqual(attrs.sort(), ['customer=c-77', 'order_id=1002'])
  assert.match(page.url(), /[?&]entry=/, 'the open entry is in the URL')
  await page.screenshot({ path: join(SHOTS, 'entry-detail.png') })

  await detail.locator('[data-testid=copy-json]').click()
  const copied = await page.evaluate(() => navigator.clipboard.readText())
  const json = JSON.parse(copied) as Record<string, unknown>
  assert.equal(json.message, 'payment declined for order 1002')
  assert.deepEqual(json.attributes, { order_id: '1002', customer: 'c-77' })

  // The link with the entry opens it again.
  const again = await ctx.newPage()
  await again.goto(page.url())
  await again.locator('[data-testid=entry-detail] [data-testid=trace-id]').waitFor({ timeout: T })
  await again.close()

  await page.keyboard.press('Escape')
  await detail.waitFor({ state: 'detached', timeout: T })
  assert.doesNotMatch(page.url(), /entry=/)
  // Keyboard only: the list has focus after closing; arrows move, Enter opens.
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('role')), 'listbox')
  await page.keyboard.press('Home')
  await page.keyboard.press('ArrowDown')
  await page.keyboard.press('Enter')
  await detail.waitFor({ timeout: T })
  assert.equal(await detail.locator('[data-testid=detail-message]').textContent(), 'payment declined for order 1002')
  await page.keyboard.press('Escape')
  await detail.waitFor({ state: 'detached', timeout: T })
  await ctx.close()
  assertNoBrowserErrors()
})

test('log text containing HTML or script is shown as text and runs nothing', async () => {
  const { page, ctx } = await open('/?range=1h&service=xss')
  await expectMessages(page, [XSS])
  await page.click(ROWS)
  const msg = page.locator('[data-testid=detail-message]')
  await msg.waitFor({ timeout: T })
  assert.equal(await msg.textContent(), XSS)
  assert.ok(await page.getByText(XSS).first().isVisible(), 'the markup is visible as text')
  // Give an injected handler time to run if anything had been injected.
  await page.waitForTimeout(300)
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined)
  assert.equal(await page.evaluate(() => document.querySelectorAll('img[src="x"], #app script').length), 0)
  // The same in the live view.
  await page.goto(`${srv.url}/live?service=xss-live`)
  await page.waitForFunction(() => document.querySelector('[data-testid=live-status]')?.textContent?.includes('Live'), null, { timeout: T })
  await postJson(`${srv.url}/log`, { level: 'error', service: 'xss-live', message: XSS })
  await page.waitForSelector('[data-testid=live-results] .log-row', { timeout: T })
  assert.equal(await page.textContent('[data-testid=live-results] .log-message'), XSS)
  await page.waitForTimeout(300)
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined)
  await ctx.close()
  assertNoBrowserErrors()
})

test('a query the server rejects shows the server\'s message, and the view recovers', async () => {
  const { page, ctx } = await open('/?range=1h&service=checkout,gateway')
  const recent = ['order 1001 placed', 'payment declined for order 1002', 'retrying payment provider', 'GET /health 200', 'card declined by issuer']
  await expectMessages(page, recent)
  // The search syntax belongs to the server; whatever it rejects, the dashboard shows its words.
  const reason = 'q: unbalanced quote at position 0; close the "phrase"'
  await page.route(/\/api\/(logs|stats|histogram|services)\?.*q=%22/, (route) =>
    route.fulfill({ status: 400, contentType: 'application/json', body: JSON.stringify({ status: 'error', error: reason, code: 'LOG_ERR_BAD_PARAMETER' }) }),
  )
  await search(page, '"unclosed')
  await page.waitForSelector('[data-testid=results] [data-state=error]:has-text("The query was not accepted")', { timeout: T })
  assert.equal(await page.textContent('#search-error'), reason)
  assert.equal(await page.getAttribute('#search', 'aria-invalid'), 'true')
  await search(page, 'declined')
  await expectMessages(page, ['payment declined for order 1002', 'card declined by issuer'])
  assert.equal(await page.locator('#search-error').count(), 0)
  await ctx.close()
  // The browser logs the 400 responses themselves as console errors: expected here.
  const unexpected = problems.filter((p) => !/status of 400/.test(p))
  problems.length = 0
  assert.deepEqual(unexpected, [])
  assertNoBrowserErrors()
})

test('Statistics show totals, levels, top services and the error rate; the dark theme follows the system', async () => {
  const { page, ctx } = await open('/stats?range=24h')
  const api = (await getJson(`${srv.url}/api/stats?from=now-24h`)).body as { total_logs: number }
  const busiest = (await getJson(`${srv.url}/api/services?from=now-24h`)).body[0]?.service as string
  await page.waitForSelector('[data-testid=stat-total]', { timeout: T })
  const total = Number(((await page.textContent('[data-testid=stat-total] p + p')) ?? '').replace(/,/g, ''))
  assert.ok(Math.abs(total - api.total_logs) <= 5, `total ${total} vs API ${api.total_logs}`)
  const services = await page.$$eval('[data-testid=top-services] tbody tr td:first-child', (els) => els.map((e) => e.textContent?.trim()))
  assert.equal(services[0], busiest, 'the busiest service first')
  await page.waitForSelector('[data-testid=error-rate-chart] path', { timeout: T })
  await page.waitForSelector('[data-testid=by-level] li', { timeout: T })
  await page.screenshot({ path: join(SHOTS, 'stats.png') })
  const lightBg = await page.evaluate(() => getComputedStyle(document.querySelector('#app > div') as Element).backgroundColor)
  await ctx.close()

  const dark = await open('/?range=24h', { dark: true })
  await dark.page.waitForSelector(ROWS, { timeout: T })
  const darkBg = await dark.page.evaluate(() => getComputedStyle(document.querySelector('#app > div') as Element).backgroundColor)
  assert.notEqual(darkBg, lightBg, 'the dark scheme changes the background')
  await dark.page.screenshot({ path: join(SHOTS, 'explore-dark.png') })
  await dark.page.goto(`${srv.url}/stats?range=24h`)
  await dark.page.waitForSelector('[data-testid=error-rate-chart] path', { timeout: T })
  await dark.page.screenshot({ path: join(SHOTS, 'stats-dark.png') })
  await dark.ctx.close()
  assertNoBrowserErrors()
})

test('Live shows an entry posted after it opened within a second, and pauses and resumes', async () => {
  const { page, ctx } = await open('/live?service=live-a')
  await page.waitForFunction(() => document.querySelector('[data-testid=live-status]')?.textContent?.includes('Live'), null, { timeout: T })
  const latencies: number[] = []
  for (let i = 0; i < 3; i++) {
    const message = `live entry ${i} ${Date.now()}`
    const t0 = Date.now()
    const res = await postJson(`${srv.url}/log`, { level: 'warn', service: 'live-a', message })
    assert.equal(res.status, 202)
    await page.waitForFunction((m) => [...document.querySelectorAll('[data-testid=live-results] .log-message')].some((e) => e.textContent === m), message, {
      timeout: 5_000,
      polling: 'raf',
    })
    latencies.push(Date.now() - t0)
  }
  console.log(`live latency (POST /log -> row on screen): ${latencies.map((l) => `${l} ms`).join(', ')}`)
  writeFileSync(join(ARTIFACTS, 'live-latency.json'), JSON.stringify({ latencies_ms: latencies }, null, 2))
  // Each entry must appear (the waits above, with their deadline); the latency is reported, not asserted
  // (issue 20: timing on a shared machine decides nothing; bench/ measures it).

  // Other services are filtered out.
  await postJson(`${srv.url}/log`, { level: 'info', service: 'live-b', message: 'not for this view' })
  // Pause: new entries are counted, not shown; resume shows the next ones.
  await page.click('[data-testid=pause]')
  await page.waitForFunction(() => document.querySelector('[data-testid=live-status]')?.textContent?.includes('Paused'), null, { timeout: T })
  await postJson(`${srv.url}/log`, { level: 'info', service: 'live-a', message: 'while paused' })
  await page.waitForSelector('text=1 not shown', { timeout: T })
  await page.click('[data-testid=pause]')
  await postJson(`${srv.url}/log`, { level: 'info', service: 'live-a', message: 'after resume' })
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=live-results] .log-message')].some((e) => e.textContent === 'after resume'), null, { timeout: T })
  const shown = await page.$$eval('[data-testid=live-results] .log-message', (els) => els.map((e) => e.textContent))
  assert.ok(!shown.includes('while paused') && !shown.includes('not for this view'), JSON.stringify(shown))
  assert.match((await page.textContent('[data-testid=live-rate]')) ?? '', /^\d+\.\d\/s$/)
  await ctx.close()
  assertNoBrowserErrors()
})

test('Live keeps following new entries until the user scrolls up, then offers a jump to the latest', async () => {
  const { page, ctx } = await open('/live?service=live-burst')
  await page.waitForFunction(() => document.querySelector('[data-testid=live-status]')?.textContent?.includes('Live'), null, { timeout: T })
  const burst = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) =>
      JSON.stringify({
        level: ['info', 'info', 'debug', 'warn', 'info', 'error'][(from + i) % 6],
        service: 'live-burst',
        message: `burst ${from + i}: ${['GET', 'POST', 'PUT'][(from + i) % 3]} /v1/cart/${(from + i) * 7} ${(from + i) % 6 === 5 ? 500 : 200} in ${((from + i) * 13) % 250}ms`,
      }),
    ).join('\n')
  const post = (body: string) => fetch(`${srv.url}/logs`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body })
  await post(burst(0, 200))
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=live-results] .log-message')].some((e) => e.textContent?.startsWith('burst 199:')), null, { timeout: T })
  await page.evaluate(() => {
    const el = document.querySelector('[data-testid=live-results] [role=listbox]') as HTMLElement
    el.scrollTop = 0
  })
  await page.waitForSelector('[data-testid=jump-latest]', { timeout: T })
  await post(burst(200, 50))
  await page.waitForSelector('[data-testid=jump-latest]:has-text("new")', { timeout: T })
  assert.equal(await page.locator('text=burst 249').count(), 0, 'scrolled up: the view stays put')
  await page.click('[data-testid=jump-latest]')
  await page.waitForSelector('text=burst 249', { timeout: T })
  await page.waitForSelector('[data-testid=jump-latest]', { state: 'detached', timeout: T })
  await page.screenshot({ path: join(SHOTS, 'live.png') })
  await ctx.close()
  assertNoBrowserErrors()
})

test('scrolling through 50,000 loaded entries keeps the page responsive (reported, not asserted)', async () => {
  const N = 50_000
  const BATCH = 10_000
  const t0 = Date.now()
  for (let b = 0; b < N; b += BATCH) {
    const lines = Array.from({ length: BATCH }, (_, i) => {
      const n = b + i
      return JSON.stringify({ level: n % 10 === 0 ? 'error' : 'info', service: 'bulk', message: `bulk entry ${n} GET /v1/items/${n % 977} status=200 took ${n % 300}ms`, timestamp: ago(30 * MIN - n * 30) })
    }).join('\n')
    const res = await fetch(`${srv.url}/logs`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: lines })
    assert.equal(res.status, 202, await res.text())
  }
  await waitFor(async () => (await getJson(`${srv.url}/api/stats?service=bulk`)).body.total_logs === N, 60_000, 200)
  const ingestMs = Date.now() - t0

  const { page, ctx } = await open('/?service=bulk&range=1h')
  await page.waitForSelector(ROWS, { timeout: T })
  const t1 = Date.now()
  // Load every page by scrolling to the end until all are loaded (cursor paging).
  await page.waitForFunction(
    (n) => {
      const el = document.querySelector('[data-testid=results] [role=listbox]') as HTMLElement | null
      if (el) el.scrollTop = el.scrollHeight
      return (document.querySelector('[data-testid=result-status]')?.textContent ?? '').includes(`${n} loaded`)
    },
    N.toLocaleString('en-US'),
    { timeout: 150_000, polling: 100 },
  )
  const loadMs = Date.now() - t1
  const m = (await page.evaluate(`(${SCROLL_PROBE})(600)`)) as ScrollReport
  const report = { entries: N, ingest_ms: ingestMs, load_all_pages_ms: loadMs, ...m }
  console.log('scroll performance:', JSON.stringify(report))
  writeFileSync(join(ARTIFACTS, 'scroll-perf.json'), JSON.stringify(report, null, 2))
  // What can fail without timing: everything loaded, and the DOM stays small (virtual list).
  assert.equal(m.scroll_height_px, N * 28)
  assert.ok(m.max_rows_in_dom < 120, `rows in the DOM: ${m.max_rows_in_dom}`)
  await ctx.close()
  assertNoBrowserErrors()
})

test('when the server is down the dashboard says so', async () => {
  const { page, ctx } = await open('/?range=1h')
  await page.waitForSelector(ROWS, { timeout: T })
  await srv.stop()
  await page.click('text=↻ Refresh')
  // The entries shown stay (a refresh that fails does not discard them), with the reason under them.
  await page.waitForSelector('[data-testid=list-status]:has-text("Cannot reach the server")', { timeout: T })
  assert.ok((await page.locator(ROWS).count()) > 0, 'the entries shown are kept')
  // A new query with no results to keep says it in the list.
  await page.fill('#search', 'anything')
  await page.press('#search', 'Enter')
  await page.waitForSelector('[data-testid=results] [data-state=error]:has-text("Cannot reach the server")', { timeout: T })
  await ctx.close()
})
