// Explore as a heavy user works it (issue 19), in a real Chromium against a real server: filter for /
// filter out from every value of the entry detail, JSON and logfmt messages as fields, the detail over
// the list with previous/next, wrapped lines, and selecting text without opening the detail.
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
const JSON_MSG = '{"status":500,"route":"/pay","user":{"id":"bob"}}'
const LOGFMT_MSG = 'method=GET path=/items status=200 took=12ms'
const LONG_MSG = `long line ${'abcdefghij '.repeat(35)}end`
const SEED = [
  { level: 'info', service: 'shop', message: 'order 1 placed', timestamp: ago(9 * MIN), attributes: { region: 'eu', user: 'alice' } },
  {
    level: 'error',
    service: 'shop',
    message: 'payment failed',
    timestamp: ago(8 * MIN),
    attributes: { region: 'us', user: 'bob', level: 'odd' },
  },
  { level: 'warn', service: 'shop', message: JSON_MSG, timestamp: ago(7 * MIN) },
  { level: 'info', service: 'shop', message: LOGFMT_MSG, timestamp: ago(6 * MIN) },
  { level: 'info', service: 'shop', message: LONG_MSG, timestamp: ago(5 * MIN) },
  { level: 'info', service: 'shop', message: 'order 2 placed', timestamp: ago(4 * MIN), attributes: { region: 'eu', user: 'carol' } },
]
const ALL = SEED.map((e) => e.message)
/** Another service for context: `tick 0` .. `tick 29` a second apart, and two entries of one timestamp. */
const TICK0 = Date.now() - 20 * MIN
const TICKS = Array.from({ length: 30 }, (_, i) => ({ level: 'info', service: 'ctx', message: `tick ${i}`, timestamp: new Date(TICK0 + i * 1000).toISOString() }))
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
const TRACED = [
  { level: 'info', service: 'front', message: 'GET /checkout', timestamp: ago(30 * MIN), trace_id: TRACE, span_id: 'aaaaaaaaaaaaaaaa' },
  { level: 'error', service: 'pay', message: 'card declined', timestamp: ago(30 * MIN - 500), trace_id: TRACE, span_id: 'bbbbbbbbbbbbbbbb' },
  { level: 'info', service: 'pay', message: 'unrelated', timestamp: ago(30 * MIN - 900), trace_id: 'ffffffffffffffffffffffffffffffff' },
]
const DUPS = ['first', 'second'].map((which) => ({ level: 'warn', service: 'dup', message: 'same second', timestamp: new Date(TICK0).toISOString().slice(0, 19) + 'Z', attributes: { which } }))
const ROWS = '[data-testid=results] .log-row'
const MSGS = `${ROWS} .log-message`
const DETAIL = '[data-testid=entry-detail]'

let srv: RunningServer
/** The first server's data directory goes at the end (the outage test restarts the server on it). */
let firstCleanup = () => {}
let browser: Browser
let pages: Pages

before(async () => {
  mkdirSync(SHOTS, { recursive: true })
  const [s, b] = await Promise.all([startServer({ env: { RATE_LIMIT_MAX: '0', TRACE_URL_TEMPLATE: 'https://tempo.example/trace/{trace_id}?x=1' } }), launch()])
  srv = s
  firstCleanup = () => s.cleanup()
  browser = b
  pages = new Pages(browser, () => srv.url)
  const res = await postJson(`${srv.url}/logs`, [...SEED, ...TICKS, ...DUPS, ...TRACED])
  assert.equal(res.status, 202, JSON.stringify(res.body))
  await waitFor(async () => (await getJson(`${srv.url}/api/stats`)).body.total_logs === SEED.length + TICKS.length + DUPS.length + TRACED.length, T)
})

after(async () => {
  await browser?.close()
  await srv?.stop()
  firstCleanup()
})

async function openEntry(page: Page, message: string): Promise<void> {
  await page.locator(ROWS, { hasText: message }).first().click()
  await page.locator(`${DETAIL} [data-testid=detail-message]`).waitFor({ timeout: T })
}

test('filter for and filter out from any value of the detail edit the q box, and the list follows', async () => {
  const { page, ctx } = await pages.open('/?range=1h&service=shop')
  await expectTexts(page, MSGS, ALL)

  await openEntry(page, 'payment failed')
  await page.click(`${DETAIL} [data-testid=attributes] tr[data-key=region] [data-action=filter-for]`)
  await expectTexts(page, MSGS, ['payment failed'])
  assert.equal(urlQ(page), 'region:"us"')
  assert.equal(await page.inputValue('#search'), 'region:"us"', 'the search box shows the new q')

  await openEntry(page, 'payment failed')
  // The value already chosen shows as pressed; filtering it out swaps the term.
  assert.equal(await page.getAttribute(`${DETAIL} tr[data-key=region] [data-action=filter-for]`, 'aria-pressed'), 'true')
  await page.click(`${DETAIL} tr[data-key=user] [data-action=filter-out]`)
  await page.locator('[data-testid=results]', { hasText: 'No entries match' }).waitFor({ timeout: T })
  assert.equal(urlQ(page), 'region:"us" -user:"bob"')

  // Excluding a value keeps the entries that do not have the attribute at all.
  await page.fill('#search', '')
  await page.press('#search', 'Enter')
  await expectTexts(page, MSGS, ALL)
  await openEntry(page, 'order 1 placed')
  await page.click(`${DETAIL} tr[data-key=region] [data-action=filter-out]`)
  await expectTexts(page, MSGS, ['payment failed', JSON_MSG, LOGFMT_MSG, LONG_MSG])

  // Level and service are fields too; an attribute named like a reserved field is `attr.<name>`.
  await openEntry(page, 'payment failed')
  await page.click(`${DETAIL} [data-field=level] [data-action=filter-for]`)
  await expectTexts(page, MSGS, ['payment failed'])
  assert.equal(urlQ(page), '-region:"eu" level:error')
  await openEntry(page, 'payment failed')
  await page.click(`${DETAIL} tr[data-key=level] [data-action=filter-out]`)
  await page.locator('[data-testid=results]', { hasText: 'No entries match' }).waitFor({ timeout: T })
  assert.equal(urlQ(page), '-region:"eu" level:error -attr.level:"odd"')
  await page.fill('#search', '')
  await page.press('#search', 'Enter')
  await openEntry(page, 'order 2 placed')
  await page.click(`${DETAIL} [data-field=service] [data-action=filter-out]`)
  await page.locator('[data-testid=results]', { hasText: 'No entries match' }).waitFor({ timeout: T })
  assert.equal(urlQ(page), '-service:"shop"')
  await ctx.close()
  pages.assertClean()
})

test('a JSON or logfmt message is pretty-printed with its keys as fields, each one filterable', async () => {
  const { page, ctx } = await pages.open('/?range=1h&service=shop')
  await expectTexts(page, MSGS, ALL)
  await openEntry(page, '"route":"/pay"')
  assert.equal(await page.textContent(`${DETAIL} [data-testid=message-format]`), 'json')
  assert.equal(await page.textContent(`${DETAIL} [data-testid=detail-message]`), JSON.stringify(JSON.parse(JSON_MSG), null, 2))
  const fields = await page.$$eval(`${DETAIL} [data-testid=message-fields] tr`, (rows) =>
    rows.map((r) => `${r.querySelector('th')?.textContent}=${r.querySelector('td')?.textContent}`),
  )
  assert.deepEqual(fields, ['status=500', 'route=/pay', 'user.id=bob'])
  await page.screenshot({ path: join(SHOTS, 'entry-detail-json.png') })
  await page.click(`${DETAIL} tr[data-key=status] [data-action=filter-for]`)
  await expectTexts(page, MSGS, [JSON_MSG])
  assert.equal(urlQ(page), '"\\"status\\":500"')

  await page.fill('#search', '')
  await page.press('#search', 'Enter')
  await openEntry(page, LOGFMT_MSG)
  assert.equal(await page.textContent(`${DETAIL} [data-testid=message-format]`), 'logfmt')
  assert.equal(await page.textContent(`${DETAIL} [data-testid=detail-message]`), LOGFMT_MSG.split(' ').join('\n'))
  await page.click(`${DETAIL} tr[data-key=took] [data-action=filter-out]`)
  await expectTexts(
    page,
    MSGS,
    ALL.filter((m) => m !== LOGFMT_MSG),
  )
  assert.equal(urlQ(page), '-"took=12ms"')
  await ctx.close()
  pages.assertClean()
})

test('the detail opens over the list, which keeps its width, and steps to the previous and next entry', async () => {
  const { page, ctx } = await pages.open('/?range=1h&service=shop')
  await expectTexts(page, MSGS, ALL)
  const listWidth = async () => page.$eval('[data-testid=results]', (e) => e.getBoundingClientRect().width)
  const msgWidth = async () => page.$eval(MSGS, (e) => e.getBoundingClientRect().width)
  const [w0, m0] = [await listWidth(), await msgWidth()]
  const newestFirst = [...ALL].reverse()
  await openEntry(page, newestFirst[0] as string)
  assert.equal(await listWidth(), w0, 'the list keeps its width')
  assert.equal(await msgWidth(), m0, 'the message column keeps its width')
  assert.ok(m0 > 500, `message column ${m0} px wide`)
  const shown = () => page.textContent(`${DETAIL} [data-testid=detail-message]`)
  assert.equal(await page.textContent('[data-testid=detail-position]'), '1 of 6')
  assert.equal(await page.isDisabled('[data-testid=detail-prev]'), true)
  await page.click('[data-testid=detail-next]')
  await page.waitForFunction((m) => document.querySelector('[data-testid=detail-message]')?.textContent === m, newestFirst[1], {
    timeout: T,
  })
  assert.match(page.url(), /entry=/)
  // Keys too, while the detail has focus.
  await page.keyboard.press('j')
  await page.waitForFunction(() => document.querySelector('[data-testid=detail-position]')?.textContent === '3 of 6', null, { timeout: T })
  assert.equal(await shown(), LOGFMT_MSG.split(' ').join('\n'))
  await page.keyboard.press('k')
  await page.waitForFunction(() => document.querySelector('[data-testid=detail-position]')?.textContent === '2 of 6', null, { timeout: T })
  // The row of the open entry is the selected one.
  assert.equal(await page.$eval(`${ROWS}.bg-sky-50 .log-message`, (e) => e.textContent), newestFirst[1])
  for (let i = 0; i < 4; i++) await page.click('[data-testid=detail-next]')
  await page.waitForFunction(() => document.querySelector('[data-testid=detail-position]')?.textContent === '6 of 6', null, { timeout: T })
  assert.equal(await page.isDisabled('[data-testid=detail-next]'), true)
  await page.screenshot({ path: join(SHOTS, 'entry-detail-overlay.png') })
  await ctx.close()
  pages.assertClean()
})

test('wrap lines shows a long message whole over several lines, and is remembered', async () => {
  const { page, ctx } = await pages.open('/?range=1h&service=shop')
  await expectTexts(page, MSGS, ALL)
  const longRow = () =>
    page.$eval(`[data-testid=results] [role=option]:has(.log-message)`, () => {
      const row = [...document.querySelectorAll('[data-testid=results] [role=option]')].find((r) =>
        r.textContent?.includes('long line'),
      ) as HTMLElement
      const msg = row.querySelector('.log-message') as HTMLElement
      return {
        row: row.getBoundingClientRect().height,
        text: msg.getBoundingClientRect().height,
        full: msg.scrollHeight,
        shown: msg.textContent?.length ?? 0,
      }
    })
  const before = await longRow()
  assert.equal(before.row, 28, 'one line')
  assert.equal(await page.getAttribute('[data-testid=wrap-lines]', 'aria-pressed'), 'false')
  await page.click('[data-testid=wrap-lines]')
  await page.waitForFunction(
    () => [...document.querySelectorAll('[data-testid=results] [role=option]')].some((r) => r.getBoundingClientRect().height > 28),
    null,
    { timeout: T },
  )
  const wrapped = await longRow()
  assert.ok(wrapped.row >= 4 * 16, `the long row is ${wrapped.row} px high`)
  assert.equal(wrapped.shown, LONG_MSG.length, 'the whole message is in the row')
  assert.ok(wrapped.full <= wrapped.row, `the wrapped text (${wrapped.full} px) fits its row (${wrapped.row} px)`)
  assert.ok(
    wrapped.row - wrapped.full <= 2 * 16 + 12,
    `and the row is not much taller than the text (${wrapped.row} vs ${wrapped.full} px)`,
  )
  const short = await page.$eval(`[data-testid=results] [role=option]`, (r) => r.getBoundingClientRect().height)
  assert.equal(short, 28, 'a short message stays one line')
  await page.screenshot({ path: join(SHOTS, 'explore-wrap-lines.png') })
  await page.reload()
  await expectTexts(page, MSGS, ALL)
  assert.equal(await page.getAttribute('[data-testid=wrap-lines]', 'aria-pressed'), 'true', 'remembered')
  await page.click('[data-testid=wrap-lines]')
  await page.waitForFunction(
    () => [...document.querySelectorAll('[data-testid=results] [role=option]')].every((r) => r.getBoundingClientRect().height === 28),
    null,
    { timeout: T },
  )
  await ctx.close()
  pages.assertClean()
})

test('selecting text in a row does not open the detail; a click does', async () => {
  const { page, ctx } = await pages.open('/?range=1h&service=shop')
  await expectTexts(page, MSGS, ALL)
  const msg = page.locator(MSGS, { hasText: 'payment failed' })
  const box = await msg.boundingBox()
  assert.ok(box)
  await page.mouse.move(box.x + 2, box.y + box.height / 2)
  await page.mouse.down()
  await page.mouse.move(box.x + 60, box.y + box.height / 2, { steps: 5 })
  await page.mouse.up()
  assert.notEqual(await page.evaluate(() => window.getSelection()?.toString() ?? ''), '', 'some text is selected')
  // Give a wrongly opened detail the time to appear: one rendered frame after the click.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))
  assert.equal(await page.locator(DETAIL).count(), 0)
  await page.evaluate(() => window.getSelection()?.removeAllRanges())
  await msg.click()
  await page.locator(DETAIL).waitFor({ timeout: T })
  await ctx.close()
  pages.assertClean()
})

test('the field list shows each attribute with its top values; a value filters, a field becomes a column', async () => {
  const { page, ctx } = await pages.open('/?range=1h&service=shop')
  await expectTexts(page, MSGS, ALL)
  const list = page.locator('[data-testid=field-list]')
  await list.locator('li.field[data-field=region]').waitFor({ timeout: T })
  assert.equal(await list.locator('[data-testid=field-sample]').textContent().then((t) => t?.trim()), 'in the newest 6')
  const names = await list.locator('li.field').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-field')} ${e.querySelector('.tabular-nums')?.textContent?.trim()}`))
  assert.deepEqual(names, ['region 50%', 'user 50%', 'level 17%'])
  await list.locator('li.field[data-field=region] button[aria-expanded]').click()
  const values = () => list.locator('li.field[data-field=region] li.value').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-value')}=${e.querySelector('.count')?.textContent}`))
  assert.deepEqual(await values(), ['eu=2', 'us=1'])
  await page.screenshot({ path: join(SHOTS, 'explore-field-list.png') })

  await list.locator('li.value[data-value=eu] [data-action=filter-for]').click()
  await expectTexts(page, MSGS, ['order 1 placed', 'order 2 placed'])
  assert.equal(urlQ(page), 'region:"eu"')
  // The list follows the new result: only eu is left, shown as chosen.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=field-list] li.field[data-field=region] li.value').length === 1, null, { timeout: T })
  assert.equal(await list.locator('li.value[data-value=eu] [data-action=filter-for]').getAttribute('aria-pressed'), 'true')
  await list.locator('li.value[data-value=eu] [data-action=filter-out]').click()
  await expectTexts(page, MSGS, ALL.filter((m) => !m.startsWith('order')))
  assert.equal(urlQ(page), '-region:"eu"')

  await page.fill('#search', '')
  await page.press('#search', 'Enter')
  await expectTexts(page, MSGS, ALL)
  // The list follows the cleared search (region's open value list grows back to eu and us, moving the
  // rows below it): a click before that could land on a row that is moving.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=field-list] li.field[data-field=region] li.value').length === 2, null, { timeout: T })
  await list.locator('li.field[data-field=user] [data-action=column]').click()
  await page.locator('[data-testid=list-header]').waitFor({ timeout: T })
  const userCol = () => page.$$eval(`${ROWS} [data-col=user]`, (els) => els.map((e) => e.textContent))
  assert.deepEqual(await userCol(), ['carol', '', '', '', 'bob', 'alice'])
  assert.match(page.url(), /[?&]cols=user/)
  await page.reload()
  await expectTexts(page, MSGS, ALL)
  assert.deepEqual(await userCol(), ['carol', '', '', '', 'bob', 'alice'], 'the column is in the link')
  await page.click('[data-testid=list-header] button[aria-label="Remove column user"]')
  await page.locator('[data-testid=list-header]').waitFor({ state: 'detached', timeout: T })
  assert.equal(await page.locator(`${ROWS} [data-col]`).count(), 0)
  await ctx.close()
  pages.assertClean()
})

test('show surrounding entries from the detail and from a shared link; earlier entries on demand', async () => {
  const { page, ctx } = await pages.open(`/?range=1h&q=${encodeURIComponent('"tick 25"')}`)
  await expectTexts(page, MSGS, ['tick 25'])
  await openEntry(page, 'tick 25')
  const id = new URL(page.url()).searchParams.get('entry') ?? ''
  assert.match(id, /^[0-9a-f-]{36}$/, 'the open entry is named by its id')
  await page.click(`${DETAIL} [data-testid=show-context]`)
  const rows = '[data-testid=context] .context-row .log-message'
  const ticks = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `tick ${from + i}`)
  await expectTexts(page, rows, ticks(5, 29), { sorted: false })
  assert.equal(new URL(page.url()).searchParams.get('context'), id)
  assert.equal(await page.textContent('[data-testid=context] [data-anchor=true] .log-message'), 'tick 25')
  assert.equal(await page.textContent('[data-testid=context-status]').then((t) => t?.trim()), '20 before · 4 after')
  await page.screenshot({ path: join(SHOTS, 'explore-context.png') })
  await page.click('[data-testid=context-earlier]')
  await expectTexts(page, rows, ticks(0, 29), { sorted: false })
  await page.locator('[data-testid=context]', { hasText: 'no earlier entries of this service' }).waitFor({ timeout: T })

  // The same view from the link, in another page.
  const shared = await ctx.newPage()
  await shared.goto(page.url().replace(/&?entry=[^&]*/, ''))
  await expectTexts(shared, rows, ticks(5, 29), { sorted: false })
  // An entry of the context opens its detail; back to the results.
  await shared.locator('[data-testid=context] .context-row', { hasText: 'tick 7' }).click()
  await shared.waitForFunction(() => document.querySelector('[data-testid=detail-message]')?.textContent === 'tick 7', null, { timeout: T })
  await shared.click('[data-testid=detail-close]')
  await shared.click('[data-testid=context-close]')
  await expectTexts(shared, MSGS, ['tick 25'])
  await shared.close()
  await ctx.close()
  pages.assertClean()
})

test('a shared link opens exactly the entry it names, even among entries of the same timestamp', async () => {
  const { page, ctx } = await pages.open('/?range=1h&service=dup')
  await expectTexts(page, MSGS, ['same second', 'same second'])
  for (const which of ['first', 'second']) {
    await page.locator(`${ROWS}`).nth(which === 'first' ? 0 : 1).click()
    const shown = await page.textContent(`${DETAIL} tr[data-key=which] td`)
    const link = page.url()
    const other = await ctx.newPage()
    await other.goto(link)
    await other.locator(`${DETAIL} tr[data-key=which]`).waitFor({ timeout: T })
    assert.equal(await other.textContent(`${DETAIL} tr[data-key=which] td`), shown, `the link of the ${which} row`)
    await other.close()
    await page.click('[data-testid=detail-close]')
  }
  // An id nothing has: the page says so instead of opening another entry.
  const { page: gone, ctx: c2 } = await pages.open('/?range=1h&context=00000000-0000-4000-8000-000000000000')
  await gone.locator('[data-testid=context]', { hasText: 'not (or no longer) stored' }).waitFor({ timeout: T })
  await c2.close()
  await ctx.close()
  pages.assertClean()
})

test('a trace id leads to every entry of its trace, filters by span, and links to the trace UI', async () => {
  const { page, ctx } = await pages.open(`/?range=1h&q=${encodeURIComponent('"card declined"')}`)
  await expectTexts(page, MSGS, ['card declined'])
  await openEntry(page, 'card declined')
  assert.equal(await page.getAttribute(`${DETAIL} [data-testid=trace-link]`, 'href'), `https://tempo.example/trace/${TRACE}?x=1`)
  await page.click(`${DETAIL} [data-testid=trace-id]`)
  await expectTexts(page, MSGS, ['GET /checkout', 'card declined'])
  assert.equal(urlQ(page), `trace_id:${TRACE}`)
  await openEntry(page, 'GET /checkout')
  await page.click(`${DETAIL} [data-field=span_id] [data-action=filter-out]`)
  await expectTexts(page, MSGS, ['card declined'])
  assert.equal(urlQ(page), `trace_id:${TRACE} -span_id:"aaaaaaaaaaaaaaaa"`)
  await ctx.close()
  pages.assertClean()
})

test('one time zone for every time (browser or UTC), 24-hour, relative on hover; dated histogram hovers on long ranges', async () => {
  const { page, ctx } = await pages.open(`/?range=1h&q=${encodeURIComponent('"tick 0"')}`, { timezoneId: 'America/New_York' })
  await expectTexts(page, MSGS, ['tick 0'])
  const time = `${ROWS} time`
  const utcText = new Date(TICK0).toISOString().replace('T', ' ').replace('Z', '')
  const nyText = new Date(TICK0 - 5 * 3_600_000).toISOString().replace('T', ' ').replace('Z', '') // EST in November
  assert.equal(await page.textContent(time), nyText)
  assert.match((await page.getAttribute(time, 'title')) ?? '', /^\d+ min ago · .* America\/New_York$/)
  await page.selectOption('[data-testid=time-zone]', 'utc')
  await page.waitForFunction(({ sel, want }) => document.querySelector(sel)?.textContent === want, { sel: time, want: utcText }, { timeout: T })
  assert.match((await page.getAttribute(time, 'title')) ?? '', /^\d+ min ago · .* UTC$/)
  await openEntry(page, 'tick 0')
  assert.match((await page.textContent('[data-testid=detail-time]')) ?? '', new RegExp(`^\\s*${utcText.replace(/[.]/g, '\\.')} UTC`))
  await page.reload()
  await expectTexts(page, MSGS, ['tick 0'])
  assert.equal(await page.textContent(time), utcText, 'the setting is remembered')

  // A 7-day range: the hovered bucket says its date; the axis too.
  await page.goto(`${srv.url}/?range=7d&service=shop`)
  await expectTexts(page, MSGS, ALL)
  const box = await page.locator('[data-testid=histogram]').boundingBox()
  assert.ok(box)
  await page.mouse.move(box.x + box.width - 3, box.y + 40)
  await page.locator('[data-testid=histogram-hover-time]').waitFor({ timeout: T })
  assert.match((await page.textContent('[data-testid=histogram-hover-time]')) ?? '', /^\d\d-\d\d \d\d:\d\d:\d\d$/)
  const axis = await page.$$eval('[data-testid=histogram] text', (els) => els.map((e) => e.textContent))
  assert.ok(axis.length > 1 && axis.every((t) => /^\d\d-\d\d \d\d:\d\d$/.test(t ?? '')), JSON.stringify(axis))
  // A rejected query leaves no axis labelled with epoch 0.
  await page.fill('#search', '"unclosed')
  await page.press('#search', 'Enter')
  await page.locator('#search-error').waitFor({ timeout: T })
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=histogram] text').length === 0, null, { timeout: T })
  await ctx.close()
  pages.assertClean()
})

test('Statistics says when it was updated in 24-hour time, as everything else', async () => {
  const { page, ctx } = await pages.open('/stats', { timezoneId: 'America/Los_Angeles' })
  const updated = page.locator('text=/Updated \\d\\d:\\d\\d:\\d\\d · every/')
  await updated.waitFor({ timeout: T })
  assert.doesNotMatch((await updated.textContent()) ?? '', /AM|PM/)
  await ctx.close()
  pages.assertClean()
})

test('query history: ↑ and ↓ in the search box recall the queries run, and come back to the draft', async () => {
  const { page, ctx } = await pages.open('/?range=1h')
  for (const q of ['"tick 1"', '"tick 2"', '"tick 1"']) {
    await page.fill('#search', q)
    await page.press('#search', 'Enter')
    await page.waitForFunction((want) => new URL(location.href).searchParams.get('q') === want, q, { timeout: T })
  }
  await page.fill('#search', 'draft')
  const seen: string[] = []
  for (const key of ['ArrowUp', 'ArrowUp', 'ArrowUp', 'ArrowDown', 'ArrowDown']) {
    await page.press('#search', key)
    seen.push(await page.inputValue('#search'))
  }
  assert.deepEqual(seen, ['"tick 1"', '"tick 2"', '"tick 2"', '"tick 1"', 'draft'])
  // Kept across pages of the same browser.
  const other = await ctx.newPage()
  await other.goto(`${srv.url}/live`)
  await other.press('#search', 'ArrowUp')
  assert.equal(await other.inputValue('#search'), '"tick 1"')
  await ctx.close()
  pages.assertClean()
})

test('Live: filter for from the detail edits the tail, and the "new" counter starts again after a filter change', async () => {
  const { page, ctx } = await pages.open('/live?service=tail-a,tail-b')
  await page.locator('[data-testid=live-status]', { hasText: 'Live' }).waitFor({ timeout: T })
  const post = (service: string, n: number, tag: string) =>
    postJson(`${srv.url}/logs`, Array.from({ length: n }, (_, i) => ({ level: 'info', service, message: `${tag} ${i}` })))
  await post('tail-a', 60, 'first')
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=live-results] .log-message')].some((e) => e.textContent === 'first 59'), null, { timeout: T })
  // Scrolled up: new entries are counted.
  await page.$eval('[data-testid=live-results] [role=listbox]', (el) => {
    el.scrollTop = 0
    el.dispatchEvent(new Event('scroll'))
  })
  await post('tail-a', 3, 'more')
  await page.locator('[data-testid=jump-latest]', { hasText: '(3 new)' }).waitFor({ timeout: T })
  // Filter for the service from an entry's detail: the tail starts again, nothing stale is counted.
  await page.locator('[data-testid=live-results] .log-row', { hasText: 'first 0' }).click()
  await page.click(`${DETAIL} [data-field=service] [data-action=filter-for]`)
  await page.waitForFunction(() => new URL(location.href).searchParams.get('q') === 'service:"tail-a"', null, { timeout: T })
  await page.locator('[data-testid=jump-latest]').waitFor({ state: 'detached', timeout: T })
  await page.locator('[data-testid=live-status]', { hasText: 'Live' }).waitFor({ timeout: T })
  await post('tail-b', 2, 'other')
  await post('tail-a', 2, 'after')
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=live-results] .log-message')].some((e) => e.textContent === 'after 1'), null, { timeout: T })
  const shown = await page.$$eval('[data-testid=live-results] .log-message', (els) => els.map((e) => e.textContent))
  assert.deepEqual(shown, ['after 0', 'after 1'], 'only the new tail, only tail-a')
  assert.equal(await page.locator('[data-testid=jump-latest]').count(), 0)
  await ctx.close()
  pages.assertClean()
})

test('saved searches: name the current view, and anyone of the instance opens it from the list', async () => {
  const { page, ctx } = await pages.open(`/?range=1h&service=shop&q=${encodeURIComponent('region:"eu"')}`)
  await expectTexts(page, MSGS, ['order 1 placed', 'order 2 placed'])
  await page.click('[data-testid=saved-toggle]')
  await page.fill('#saved-name', 'EU orders')
  await page.click('[data-testid=saved-save]')
  await page.locator('[data-testid=saved-searches] li.saved[data-name="EU orders"]').waitFor({ timeout: T })
  await ctx.close()
  // Another browser (another user): the search is on the server.
  const { page: other, ctx: c2 } = await pages.open('/?range=1h')
  await other.click('[data-testid=saved-toggle]')
  await other.click('[data-testid=saved-searches] li.saved[data-name="EU orders"] button:not([data-action])')
  await expectTexts(other, MSGS, ['order 1 placed', 'order 2 placed'])
  assert.equal(urlQ(other), 'region:"eu"')
  assert.equal(new URL(other.url()).searchParams.get('service'), 'shop')
  await other.click('[data-testid=saved-toggle]')
  await other.click('[data-testid=saved-searches] li.saved[data-name="EU orders"] [data-action=delete]')
  await other.locator('[data-testid=saved-searches] li.saved').first().waitFor({ state: 'detached', timeout: T })
  await c2.close()
  pages.assertClean()
})

test('newest or oldest first: the list follows, pages by cursor in that order, and the choice is in the link', async () => {
  const { page, ctx } = await pages.open('/?range=1h&service=ctx', { height: 1600 })
  const ticks = Array.from({ length: 30 }, (_, i) => `tick ${i}`)
  await expectTexts(page, MSGS, [...ticks].reverse(), { sorted: false })
  await page.click('[data-testid=order]')
  await expectTexts(page, MSGS, ticks, { sorted: false })
  assert.equal(new URL(page.url()).searchParams.get('order'), 'asc')
  assert.equal(await page.textContent('[data-testid=order]').then((t) => t?.trim()), '↑ Oldest first')
  assert.match((await page.getAttribute('a:text("NDJSON")', 'href')) ?? '', /order=asc/)
  await page.click('[data-testid=order]')
  await expectTexts(page, MSGS, [...ticks].reverse(), { sorted: false })
  assert.equal(new URL(page.url()).searchParams.get('order'), null)
  await ctx.close()
  pages.assertClean()
})

test('a phone (390 px): the message under the metadata, filters in a drawer, a full-screen detail', async () => {
  const { page, ctx } = await pages.open('/?range=1h&service=shop', { width: 390, height: 844 })
  await expectTexts(page, MSGS, ALL)
  const msg = await page.locator(MSGS).first().boundingBox()
  assert.ok(msg && msg.width > 300, `message column ${msg?.width} px wide`)
  const time = await page.locator(`${ROWS} time`).first().boundingBox()
  assert.ok(time && msg.y > time.y + 5, 'the message is under the time')
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'nothing wider than the screen')
  await page.screenshot({ path: join(SHOTS, 'explore-phone.png') })
  // Filters: hidden, then a drawer with the level and service facets and the field list.
  assert.equal(await page.locator('[data-testid=filters]').isVisible(), false)
  await page.click('[data-testid=filters-open]')
  await page.locator('[data-testid=filters] input[name=level][value=error]').check()
  await expectTexts(page, MSGS, ['payment failed'])
  await page.click('[data-testid=filters-close]')
  assert.equal(await page.locator('[data-testid=filters]').isVisible(), false)
  assert.equal(await page.textContent('[data-testid=filters-open]').then((t) => t?.trim()), 'Filters (2)')
  // The detail fills the screen, its close button on it.
  await openEntry(page, 'payment failed')
  const detail = await page.locator(DETAIL).boundingBox()
  assert.ok(detail && Math.round(detail.width) === 390 && detail.x === 0, JSON.stringify(detail))
  const close = await page.locator('[data-testid=detail-close]').boundingBox()
  assert.ok(close && close.x >= 0 && close.x + close.width <= 390 && close.y >= 0, JSON.stringify(close))
  await page.screenshot({ path: join(SHOTS, 'explore-phone-detail.png') })
  await page.click('[data-testid=detail-close]')
  await page.locator(DETAIL).waitFor({ state: 'detached', timeout: T })
  await ctx.close()
  pages.assertClean()
})

test('an outage: the header says so within seconds, counts go blank, the list is kept, and the page recovers without a click', async () => {
  const { page, ctx } = await pages.open('/?range=1h&service=shop')
  await expectTexts(page, MSGS, ALL)
  await page.locator('[data-testid=health]', { hasText: 'server ok' }).waitFor({ timeout: T })
  const old = srv
  await old.stop()
  const down = Date.now()
  await page.click('text=↻ Refresh')
  await page.locator('[data-testid=health]', { hasText: 'server down' }).waitFor({ timeout: T })
  const noticedMs = Date.now() - down
  await page.locator('[data-testid=list-status]', { hasText: 'Cannot reach the server' }).waitFor({ timeout: T })
  await expectTexts(page, MSGS, ALL)
  const counts = await page.$$eval('fieldset:has(legend:text("Level")) li .tabular-nums', (els) => els.map((e) => e.textContent))
  assert.deepEqual(counts, ['', '', '', '', ''], 'unknown, not 0')
  // The same server again, on the same port and data.
  srv = await startServer({ env: { RATE_LIMIT_MAX: '0', HTTP_PORT: String(old.port) }, dataDir: old.dataDir })
  const up = Date.now()
  await page.locator('[data-testid=list-status]').waitFor({ state: 'detached', timeout: T })
  const recoveredMs = Date.now() - up
  await page.locator('[data-testid=health]', { hasText: 'server ok' }).waitFor({ timeout: T })
  await page.waitForFunction(() => document.querySelector('fieldset li .tabular-nums')?.textContent !== '', null, { timeout: T })
  await expectTexts(page, MSGS, ALL)
  console.log(`# outage: header said down ${noticedMs} ms after the refresh; list recovered ${recoveredMs} ms after the server was back`)
  await ctx.close()
  pages.assertClean()
})
