// Issue 13, the dashboard logs in, in a real Chromium against a real server with API_KEYS_FILE: the
// login screen; a wrong key shows an error; the right key shows the entries of its default tenant;
// the live tail receives a new entry over the WebSocket (authenticated by the session cookie, which
// the page's script cannot read); the tenant picker switches Explore and Live to the other tenant's
// entries alone; logout lands back on the login screen, and the old cookie no longer works.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { Pages, T, expectTexts, launch } from '../helpers/browser.ts'
import { ROOT, postJson, startServer, tempDir, waitFor, type RunningServer } from '../helpers/server.ts'

const SHOTS = join(ROOT, 'test-artifacts/screenshots')
const KEY = 'browser-login-key-of-a-and-b'
const INGEST = 'browser-ingest-key-0001'
const ROWS = '[data-testid=results] .log-message'
const LIVE_ROWS = '[data-testid=live-results] .log-message'

let srv: RunningServer
let browser: Browser
let pages: Pages
const dir = tempDir('ogls-login-')

const send = async (tenant: string, message: string, minutesAgo = 1) => {
  const r = await postJson(
    `${srv.url}/log`,
    { level: 'info', service: `svc-${tenant}`, message, timestamp: new Date(Date.now() - minutesAgo * 60_000).toISOString() },
    { authorization: `Bearer ${INGEST}`, 'x-scope-orgid': tenant },
  )
  assert.equal(r.status, 202, JSON.stringify(r.body))
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true })
  const file = join(dir, 'keys.yaml')
  writeFileSync(
    file,
    `keys:
  - { name: operator, key: ${KEY}, tenants: [team-a, team-b], scopes: [query] }
  - { name: shipper, key: ${INGEST}, tenants: ['*'], scopes: [ingest] }
`,
  )
  const [s, b] = await Promise.all([startServer({ env: { API_KEYS_FILE: file, RATE_LIMIT_MAX: '0' } }), launch()])
  srv = s
  browser = b
  pages = new Pages(browser, () => srv.url)
  await send('team-a', 'stored entry of team a', 3)
  await send('team-b', 'stored entry of team b', 2)
  await waitFor(async () => {
    const r = await fetch(`${srv.url}/api/stats?tenant=team-b`, { headers: { authorization: `Bearer ${KEY}` } })
    return ((await r.json()) as { total_logs: number }).total_logs === 1
  }, 20_000)
})
after(async () => {
  await browser?.close()
  await srv?.stop()
  srv?.cleanup()
})

test('login, entries, live tail over the cookie, tenant picker, logout', async () => {
  const { page, ctx } = await pages.open('/')
  try {
    // The login screen, and nothing of the dashboard behind it.
    await page.waitForSelector('[data-testid=login]', { timeout: T })
    assert.equal(await page.locator('[data-testid=results]').count(), 0)

    // A wrong key: the server's refusal is shown, still on the login screen.
    await page.fill('[data-testid=login-key]', 'not-the-right-key')
    await page.click('[data-testid=login-submit]')
    await page.waitForSelector('[data-testid=login-error]', { timeout: T })
    assert.match((await page.textContent('[data-testid=login-error]')) ?? '', /not valid/)
    assert.equal(await page.locator('[data-testid=results]').count(), 0)
    await page.screenshot({ path: join(SHOTS, 'login-error.png') })

    // The right key: the entries of the key's first tenant.
    await page.fill('[data-testid=login-key]', KEY)
    await page.click('[data-testid=login-submit]')
    await expectTexts(page, ROWS, ['stored entry of team a'])
    assert.equal(await page.textContent('[data-testid=session-name]'), 'operator')
    // The cookie is HttpOnly (the page cannot read it) and SameSite=Strict.
    const cookies = await ctx.cookies()
    const session = cookies.find((c) => c.name === 'ogls_session')
    assert.ok(session, JSON.stringify(cookies))
    assert.equal(session.httpOnly, true)
    assert.equal(session.sameSite, 'Strict')
    assert.equal(await page.evaluate(() => document.cookie), '')
    assert.ok(!session.value.includes(KEY))
    // The picker offers the key's tenants.
    const options = await page.$$eval('[data-testid=tenant-picker] option', (os) => os.map((o) => o.textContent))
    assert.deepEqual(options, ['team-a', 'team-b'])
    await page.screenshot({ path: join(SHOTS, 'login-explore.png') })

    // Live: the WebSocket authenticates with the cookie and gets a new entry of team-a, not team-b's.
    await page.click('nav a:has-text("Live")')
    await page.waitForFunction(() => document.querySelector('[data-testid=live-status]')?.textContent?.includes('Live'), null, {
      timeout: T,
    })
    await send('team-b', 'live entry of team b', 0)
    await send('team-a', 'live entry of team a', 0)
    await expectTexts(page, LIVE_ROWS, ['live entry of team a'])

    // Switch to team-b: Live now tails team-b only.
    await page.selectOption('[data-testid=tenant-picker]', 'team-b')
    await page.waitForFunction(() => document.querySelector('[data-testid=live-status]')?.textContent?.includes('Live'), null, {
      timeout: T,
    })
    await send('team-a', 'second live entry of team a', 0)
    await send('team-b', 'second live entry of team b', 0)
    await expectTexts(page, LIVE_ROWS, ['second live entry of team b'])

    // Explore of team-b: only team-b's entries, the stored and the live ones.
    await page.click('nav a:has-text("Explore")')
    await expectTexts(page, ROWS, ['stored entry of team b', 'live entry of team b', 'second live entry of team b'])
    // The choice is remembered across a reload.
    await page.reload()
    await expectTexts(page, ROWS, ['stored entry of team b', 'live entry of team b', 'second live entry of team b'])
    assert.equal(await page.inputValue('[data-testid=tenant-picker]'), 'team-b')
    // The export link carries the tenant (a link has no header) and the cookie authorizes it.
    const exported = await page.evaluate(async () => {
      const a = [...document.querySelectorAll('a')].find((l) => l.getAttribute('href')?.startsWith('/api/export'))
      if (!a) return 'no export link'
      return (await fetch(a.getAttribute('href') as string)).text()
    })
    assert.match(exported, /stored entry of team b/)
    assert.doesNotMatch(exported, /team a/)

    // Logout: back on the login screen; the old cookie is refused by the server.
    await page.click('[data-testid=logout]')
    await page.waitForSelector('[data-testid=login]', { timeout: T })
    assert.equal(
      (await ctx.cookies()).find((c) => c.name === 'ogls_session'),
      undefined,
      'the browser dropped the cookie',
    )
    const replay = await fetch(`${srv.url}/api/logs`, { headers: { cookie: `ogls_session=${session.value}` } })
    assert.equal(replay.status, 401)
    await page.reload()
    await page.waitForSelector('[data-testid=login]', { timeout: T })
    await page.screenshot({ path: join(SHOTS, 'login.png') })
    pages.assertClean()
  } finally {
    await ctx.close()
  }
})
