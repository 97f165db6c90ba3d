/**
 * One Chromium (Debian's /usr/bin/chromium through playwright-core) for a browser test file, pages
 * that collect console errors, and waits on what the page shows.
 */
import assert from 'node:assert/strict'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
/** Generous waits for a loaded CI machine. */
export const T = 20_000

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS })
}

export interface PageOptions {
  width?: number
  height?: number
  timezoneId?: string
}

export class Pages {
  readonly problems: string[] = []
  constructor(
    private readonly browser: Browser,
    private readonly base: () => string,
  ) {}

  async open(path: string, opts: PageOptions = {}): Promise<{ page: Page; ctx: BrowserContext }> {
    const ctx = await this.browser.newContext({
      viewport: { width: opts.width ?? 1400, height: opts.height ?? 900 },
      timezoneId: opts.timezoneId ?? 'UTC',
    })
    const page = await ctx.newPage()
    page.on('console', (m) => {
      // A resource the server answered with an error status is the test's point, not a page error.
      if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) this.problems.push(`console: ${m.text()}`)
    })
    page.on('pageerror', (e) => this.problems.push(`pageerror: ${e.message}`))
    page.on('dialog', (d) => {
      this.problems.push(`dialog: ${d.message()}`)
      void d.dismiss()
    })
    await page.goto(this.base() + path)
    return { page, ctx }
  }

  assertClean(): void {
    assert.deepEqual(this.problems, [], 'no errors in the browser console')
  }
}

/** Waits until the texts of `selector` equal `want` (any order when `sorted`), with the last seen in the failure. */
export async function expectTexts(
  page: Page,
  selector: string,
  want: string[],
  opts: { sorted?: boolean; timeout?: number } = {},
): Promise<void> {
  const sorted = opts.sorted ?? true
  const w = sorted ? [...want].sort() : want
  try {
    await page.waitForFunction(
      ({ selector, w, sorted }) => {
        const got = [...document.querySelectorAll(selector)].map((e) => e.textContent ?? '')
        if (sorted) got.sort()
        return got.length === w.length && got.every((m, i) => m === w[i])
      },
      { selector, w, sorted },
      { timeout: opts.timeout ?? T, polling: 100 },
    )
  } catch (err) {
    const got = await page.$$eval(selector, (els) => els.map((e) => e.textContent))
    assert.fail(`${selector}: ${JSON.stringify(got)} is not ${JSON.stringify(w)}: ${(err as Error).message}`)
  }
}

/** The `q` of the page's URL. */
export function urlQ(page: Page): string {
  return new URL(page.url()).searchParams.get('q') ?? ''
}
