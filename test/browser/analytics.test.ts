// Explore with a `q` that has pipes (issue 14), in a real Chromium against a real server: the table
// /api/query returns, sorted by a header click; the chart of a `_time` grouping; a rejected pipe's
// message said once under the search box; untrusted values as text. Its own server and data.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { QUERY_PIPES } from '@oglogstream/shared'
import { getJson, postJson, startServer, waitFor, type RunningServer } from '../helpers/server.ts'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
const T = 20_000 // generous waits for a loaded CI machine
const MIN = 60_000
const XSS = '<img src=x onerror=alert(1)>'
const ago = (ms: number) => new Date(Date.now() - ms).toISOString()

/** JSON messages: route /a 3 times, /b twice, /c once (an XSS route) over four minutes. */
const ROUTES = ['/a', '/a', '/a', '/b', '/b', XSS]
const SEED = ROUTES.map((route, i) => ({
  level: i === 5 ? 'error' : 'info',
  service: i < 4 ? 'api' : 'web',
  message: JSON.stringify({ route, status: i === 5 ? 500 : 200, took: 10 * (i + 1) }),
  timestamp: ago((2 + (i % 4)) * MIN + 1000),
}))

let srv: RunningServer
let browser: Browser
const problems: string[] = []
const dialogs: string[] = []

before(async () => {
  const [s, b] = await Promise.all([startServer({ env: { RATE_LIMIT_MAX: '0' } }), chromium.launch({ executablePath: CHROMIUM, args: ARGS })])
  srv = s
  browser = b
  const res = await postJson(`${srv.url}/logs`, SEED)
  assert.equal(res.status, 202, JSON.stringify(res.body))
  await waitFor(async () => (await getJson(`${srv.url}/api/stats`)).body.total_logs === SEED.length, T)
})

after(async () => {
  await browser?.close()
  await srv?.stop()
  srv?.cleanup()
})

async function open(path: string): Promise<{ page: Page; ctx: BrowserContext }> {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 }, timezoneId: 'UTC' })
  const page = await ctx.newPage()
  page.on('console', (m) => {
    // The browser logs a 400 response itself: expected for the rejected query.
    if (m.type() === 'error' && !/status of 400/.test(m.text())) problems.push(`console: ${m.text()}`)
  })
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
  page.on('dialog', (d) => {
    dialogs.push(d.message())
    void d.dismiss()
  })
  await page.goto(srv.url + path)
  return { page, ctx }
}

async function search(page: Page, q: string): Promise<void> {
  await page.fill('#search', q)
  await page.press('#search', 'Enter')
}

const TABLE = '[data-testid=query-results] [data-testid=result-table]'

/** The table's header and body cells as text, once the body equals `want` in order (or in any order). */
async function expectTable(page: Page, head: string[], want: string[][], anyOrder = false): Promise<void> {
  const norm = (rows: string[][]) => (anyOrder ? [...rows].map((r) => JSON.stringify(r)).sort() : rows.map((r) => JSON.stringify(r)))
  try {
    await page.waitForFunction(
      ({ sel, head, want, anyOrder }) => {
        const h = [...document.querySelectorAll(`${sel} thead th`)].map((e) => e.textContent?.replace(/[▲▼]/g, '').trim())
        const rows = [...document.querySelectorAll(`${sel} tbody tr`)].map((tr) => JSON.stringify([...tr.querySelectorAll('td')].map((td) => td.textContent)))
        const got = anyOrder ? rows.sort() : rows
        return JSON.stringify(h) === JSON.stringify(head) && JSON.stringify(got) === JSON.stringify(want)
      },
      { sel: TABLE, head, want: norm(want), anyOrder },
      { timeout: T, polling: 100 },
    )
  } catch (err) {
    const got = await page.$$eval(`${TABLE} tr`, (trs) => trs.map((tr) => [...tr.querySelectorAll('th,td')].map((c) => c.textContent)))
    assert.fail(`table ${JSON.stringify(got)} is not ${JSON.stringify([head, ...want])}: ${(err as Error).message}`)
  }
}

test('a q with stats shows the table /api/query returns, sorted by a header click, with the stats line', async () => {
  const { page, ctx } = await open('/?range=1h')
  // The entry endpoints take filters only: with pipes they get the filter part, and no entry list is fetched.
  const misrouted: string[] = []
  let pipedListFetches = 0
  page.on('request', (r) => {
    const u = new URL(r.url())
    if (!/^\/api\/(logs|stats|histogram|services|export)$/.test(u.pathname)) return
    if ((u.searchParams.get('q') ?? '').includes('|')) misrouted.push(r.url())
    if (u.pathname === '/api/logs' && /\|/.test(decodeURIComponent(new URL(page.url()).searchParams.get('q') ?? ''))) pipedListFetches++
  })
  await search(page, '| json | stats count() as n by (route)')
  assert.match(decodeURIComponent(page.url().replace(/\+/g, ' ')), /q=\| json \| stats count\(\) as n by \(route\)/)
  await expectTable(page, ['route', 'n'], [['/a', '3'], ['/b', '2'], [XSS, '1']], true)
  // Numbers right-aligned, text left.
  assert.deepEqual(await page.$$eval(`${TABLE} tbody tr:first-child td`, (tds) => tds.map((td) => getComputedStyle(td).textAlign)), ['left', 'right'])
  // The XSS route is text: no img element in the table.
  assert.equal(await page.locator(`${TABLE} img`).count(), 0)

  // n: largest first, then smallest first; route: in order.
  await page.click(`${TABLE} th:has-text("n") button`)
  await expectTable(page, ['route', 'n'], [['/a', '3'], ['/b', '2'], [XSS, '1']])
  assert.equal(await page.getAttribute(`${TABLE} th:nth-child(2)`, 'aria-sort'), 'descending')
  await page.click(`${TABLE} th:has-text("n") button`)
  await expectTable(page, ['route', 'n'], [[XSS, '1'], ['/b', '2'], ['/a', '3']])
  await page.click(`${TABLE} th:has-text("route") button`)
  await expectTable(page, ['route', 'n'], [['/a', '3'], ['/b', '2'], [XSS, '1']])
  await page.click(`${TABLE} th:has-text("route") button`)
  await expectTable(page, ['route', 'n'], [[XSS, '1'], ['/b', '2'], ['/a', '3']])

  // The stats line: rows, rows read; no truncation here.
  const status = (await page.textContent('[data-testid=result-status]')) ?? ''
  assert.match(status, /^3 rows · 6 rows read · [\d.,]+ ms$/)

  // A truncated result says so.
  await search(page, '| json | fields route | limit 20')
  await page.route(/\/api\/query\?/, (route) => route.continue({ url: route.request().url().replace(/limit=\d+/, 'limit=2') }))
  await page.click('button:has-text("Refresh")')
  await page.waitForFunction(() => /^2 rows \(truncated/.test(document.querySelector('[data-testid=result-status]')?.textContent ?? ''), null, { timeout: T })

  // A filter before the pipe narrows the table; the histogram still draws the filter's entries.
  await page.unroute(/\/api\/query\?/)
  await search(page, 'service:web | json | stats count() as n, max(took) as slowest by (service)')
  await expectTable(page, ['service', 'n', 'slowest'], [['web', '2', '60']])
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=histogram] rect').length > 0, null, { timeout: T })

  assert.deepEqual(misrouted, [])
  assert.equal(pipedListFetches, 0)

  // Back to a plain filter: the entry list returns.
  await search(page, 'service:web')
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=results] .log-row').length === 2, null, { timeout: T })
  assert.equal(await page.locator('[data-testid=query-results]').count(), 0)
  await ctx.close()
  assert.deepEqual(problems, [])
  assert.deepEqual(dialogs, [])
})

test('a _time grouping draws a chart with a bar per time', async () => {
  const { page, ctx } = await open(`/?range=1h&q=${encodeURIComponent('| stats count() as n by (_time:1m)')}`)
  await page.waitForSelector('[data-testid=result-chart]', { timeout: T })
  const rows = await page.$$eval(`${TABLE} tbody tr`, (trs) => trs.map((tr) => Number(tr.querySelectorAll('td')[1]?.textContent)))
  // Four distinct minutes, six entries in all.
  assert.equal(rows.length, 4)
  assert.equal(rows.reduce((a, b) => a + b, 0), 6)
  const bars = await page.$$eval('[data-testid=result-chart] rect[data-bar]', (rs) => rs.map((r) => Number(r.getAttribute('height'))))
  assert.equal(bars.length, 4)
  assert.ok(bars.every((h) => h > 0), `bars have a height: ${JSON.stringify(bars)}`)
  // Two minutes have two entries, two have one: two heights, the taller twice the shorter (up to a pixel).
  const heights = [...new Set(bars.map((h) => Math.round(h)))].sort((a, b) => a - b)
  assert.equal(heights.length, 2, JSON.stringify(bars))
  assert.ok(Math.abs((heights[1] as number) - 2 * (heights[0] as number)) <= 2, JSON.stringify(bars))
  assert.equal(await page.getAttribute('[data-testid=result-chart]', 'data-points'), '4')

  // Without a time column there is no chart.
  await search(page, '| stats count() as n by (service)')
  await expectTable(page, ['service', 'n'], [['api', '4'], ['web', '2']], true)
  assert.equal(await page.locator('[data-testid=result-chart]').count(), 0)
  await ctx.close()
  assert.deepEqual(problems, [])
})

test('a bad pipe shows the server\'s message once, under the search box', async () => {
  const { page, ctx } = await open('/?range=1h')
  await search(page, '| json | stats mean(took)')
  await page.waitForSelector('[data-testid=query-results] [data-state=error]:has-text("The query was not accepted")', { timeout: T })
  const msg = (await page.textContent('#search-error')) ?? ''
  assert.match(msg, /unknown function 'mean'; functions are count\(\).*position \d+/)
  assert.equal(await page.getAttribute('#search', 'aria-invalid'), 'true')
  // Said once on the page.
  const times = await page.evaluate(() => document.body.innerText.split("unknown function 'mean'").length - 1)
  assert.equal(times, 1)
  // A good query clears it.
  await search(page, '| json | uniq by (route)')
  await expectTable(page, ['route'], [['/a'], ['/b'], [XSS]], true)
  assert.equal(await page.locator('#search-error').count(), 0)
  // The help lists every pipe with an example.
  await page.click('button[aria-controls=search-help]')
  const help = (await page.textContent('[data-testid=pipe-help]')) ?? ''
  // Every pipe of the parser's list (shared with the dashboard), written after a | in an example.
  for (const pipe of QUERY_PIPES) assert.ok(help.includes(`| ${pipe} `), pipe)
  assert.ok(help.includes('by (_time:5m)'))
  await ctx.close()
  assert.deepEqual(problems, [])
  assert.deepEqual(dialogs, [])
})

test('Live, opened with a q that has pipes, tails its filter part and says so', async () => {
  const { page, ctx } = await open(`/live?q=${encodeURIComponent('service:live-p | json | stats count()')}`)
  await page.waitForSelector('[data-testid=live-pipes-note]', { timeout: T })
  await page.waitForFunction(() => document.querySelector('[data-testid=live-status]')?.textContent?.includes('Live'), null, { timeout: T })
  const message = JSON.stringify({ route: '/live', n: Date.now() })
  const res = await postJson(`${srv.url}/log`, { level: 'info', service: 'live-p', message })
  assert.equal(res.status, 202)
  await page.waitForFunction((m) => [...document.querySelectorAll('[data-testid=live-results] .log-message')].some((e) => e.textContent === m), message, { timeout: T })
  await ctx.close()
  assert.deepEqual(problems, [])
})
