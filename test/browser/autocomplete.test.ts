// Autocompletion in Explore's search box (issue 14), in a real Chromium against a real server: a typed
// prefix suggests fields (GET /api/fields over the page's range), accepting one suggests its values
// (GET /api/field_values), accepting a value and pressing Enter runs the query; pipes after `|` and
// functions in `stats`; keyboard only, combobox/listbox roles; the history's ↑ still works when closed.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser, Page } from 'playwright-core'
import { QUERY_PIPES, STATS_FUNCTIONS } from '@oglogstream/shared'
import { Pages, T, expectTexts, launch, urlQ } from '../helpers/browser.ts'
import { getJson, postJson, startServer, waitFor, type RunningServer } from '../helpers/server.ts'

const ago = (ms: number) => new Date(Date.now() - ms).toISOString()
const USERS = ['alice', 'alice', 'alice', 'albert', 'albert', 'bob']
const SEED = USERS.map((user, i) => ({
  level: 'info',
  service: 'shop',
  message: JSON.stringify({ route: `/r${i % 2}`, took: 10 * (i + 1) }),
  attributes: { user, region: i % 2 ? 'eu' : 'us' },
  timestamp: ago((i + 1) * 60_000),
}))

let srv: RunningServer
let browser: Browser
let pages: Pages

before(async () => {
  const [s, b] = await Promise.all([startServer({ env: { RATE_LIMIT_MAX: '0' } }), launch()])
  srv = s
  browser = b
  pages = new Pages(browser, () => srv.url)
  const res = await postJson(`${srv.url}/logs`, SEED)
  assert.equal(res.status, 202, JSON.stringify(res.body))
  await waitFor(async () => (await getJson(`${srv.url}/api/stats`)).body.total_logs === SEED.length, T)
})

after(async () => {
  await browser?.close()
  await srv?.stop()
  srv?.cleanup()
})

const OPTIONS = '#search-suggestions [role=option]'
/** The suggestions' labels once they are `want` (in order). */
const expectOptions = (page: Page, want: string[]) => expectTexts(page, `${OPTIONS} > span:first-child`, want, { sorted: false })

test('type a prefix, accept a field, accept a value, run the query: the list shows the filtered entries', async () => {
  const { page, ctx } = await pages.open('/?range=1h')
  const asked: URL[] = []
  page.on('request', (r) => {
    const u = new URL(r.url())
    if (u.pathname === '/api/fields' || u.pathname === '/api/field_values') asked.push(u)
  })
  const box = page.locator('#search')
  assert.equal(await box.getAttribute('role'), 'combobox')
  assert.equal(await box.getAttribute('aria-expanded'), 'false')
  await box.click()
  await box.pressSequentially('us', { delay: 30 })
  await expectOptions(page, ['user'])
  assert.equal(await box.getAttribute('aria-expanded'), 'true')
  assert.equal(await page.getAttribute('#search-suggestions', 'role'), 'listbox')
  // The entries that have it.
  assert.equal(await page.textContent(`${OPTIONS} > span:nth-child(2)`), '6')
  // Counted over the page's range.
  const fields = asked.find((u) => u.pathname === '/api/fields')
  assert.ok(fields?.searchParams.get('from') && fields.searchParams.get('to'), String(fields))

  // ↓ picks it, Enter accepts: `user:` and its values, most frequent first.
  await box.press('ArrowDown')
  assert.equal(await page.getAttribute(`${OPTIONS}:first-child`, 'aria-selected'), 'true')
  assert.equal(await box.getAttribute('aria-activedescendant'), 'search-option-0')
  await box.press('Enter')
  assert.equal(await box.inputValue(), 'user:')
  await expectOptions(page, ['alice', 'albert', 'bob'])
  assert.equal(await page.getAttribute('#search-suggestions', 'data-kind'), 'value')
  // Typing narrows them; ↓ ↓ picks the second; Enter accepts it (and does not run the query yet).
  await box.pressSequentially('al', { delay: 30 })
  await expectOptions(page, ['alice', 'albert'])
  await box.press('ArrowDown')
  await box.press('ArrowDown')
  await box.press('Enter')
  assert.equal(await box.inputValue(), 'user:albert ')
  await page.waitForFunction(() => document.querySelector('#search')?.getAttribute('aria-expanded') === 'false', null, { timeout: T })
  assert.equal(urlQ(page), '')

  // Enter with the list closed runs it: the two entries of albert.
  await box.press('Enter')
  await page.waitForFunction(() => new URL(location.href).searchParams.get('q') === 'user:albert', null, { timeout: T })
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=results] .log-row').length === 2, null, { timeout: T })
  const values = asked.find((u) => u.pathname === '/api/field_values')
  assert.equal(values?.searchParams.get('name'), 'user')

  // With the list closed, ↑ is still the history.
  await box.fill('')
  await box.press('ArrowUp')
  assert.equal(await box.inputValue(), 'user:albert')
  await ctx.close()
  pages.assertClean()
})

test('pipe names after |, functions in stats, fields of | json in by (...); Tab accepts, Escape closes', async () => {
  const { page, ctx } = await pages.open('/?range=1h')
  const box = page.locator('#search')
  await box.click()
  await box.pressSequentially('| ', { delay: 30 })
  await expectOptions(page, [...QUERY_PIPES])
  await box.pressSequentially('j', { delay: 30 })
  await expectOptions(page, ['json'])
  await box.press('Tab')
  assert.equal(await box.inputValue(), '| json ')
  await box.pressSequentially('| st', { delay: 30 })
  await expectOptions(page, ['stats'])
  await box.press('Tab')
  assert.equal(await box.inputValue(), '| json | stats ')
  await expectOptions(
    page,
    STATS_FUNCTIONS.map((f) => `${f}()`),
  )
  // Escape closes the list and keeps the focus in the box.
  await box.press('Escape')
  assert.equal(await box.getAttribute('aria-expanded'), 'false')
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'search')
  await box.pressSequentially('count() by (ro', { delay: 30 })
  // The message's JSON keys, from /api/fields?q=| json.
  await expectOptions(page, ['route'])
  await box.press('Tab')
  await box.pressSequentially(')', { delay: 30 })
  assert.equal(await box.inputValue(), '| json | stats count() by (route)')
  await box.press('Enter')
  await page.waitForFunction(
    () => [...document.querySelectorAll('[data-testid=result-table] tbody tr')].map((tr) => tr.textContent).join(' ') === '/r03 /r13',
    null,
    { timeout: T },
  )
  await ctx.close()
  pages.assertClean()
})
