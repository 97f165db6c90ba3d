// README Limits: rebuilding the dashboard under a running server needs a restart of that server to
// serve the new files. A real server serves a dashboard from a temporary WEB_DIR; the directory is
// then rebuilt as `vite build` does it (new hashed asset names, index.html rewritten, old assets
// removed). Until a restart the new assets answer 404; after it, the new build is served whole.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startServer, tempDir } from '../helpers/server.ts'

/** Writes a build of the dashboard into `dir`: index.html loading assets/index-<hash>.js. */
function build(dir: string, hash: string): void {
  rmSync(dir, { recursive: true, force: true }) // vite empties its outDir first
  mkdirSync(join(dir, 'assets'), { recursive: true })
  writeFileSync(
    join(dir, 'index.html'),
    `<!doctype html><title>build ${hash}</title><script type="module" src="/assets/index-${hash}.js"></script>`,
  )
  writeFileSync(join(dir, 'assets', `index-${hash}.js`), `console.log('build ${hash}')`)
}

const get = async (url: string) => {
  const res = await fetch(url)
  return { status: res.status, body: await res.text() }
}

test('a dashboard rebuilt under a running server: its new files answer 404 until the server restarts, then the new build is served', async () => {
  const dataDir = tempDir()
  const web = join(dataDir, 'web')
  build(web, 'aaaa1111')
  let srv = await startServer({ dataDir, env: { WEB_DIR: web } })
  try {
    assert.match((await get(`${srv.url}/`)).body, /build aaaa1111/)
    assert.deepEqual(await get(`${srv.url}/assets/index-aaaa1111.js`), { status: 200, body: "console.log('build aaaa1111')" })

    build(web, 'bbbb2222')
    // The running server read the directory at start-up: the new build's asset is not served.
    const asset = await get(`${srv.url}/assets/index-bbbb2222.js`)
    assert.equal(asset.status, 404, asset.body)
    // (index.html is read per request, so it names that missing asset: the page is broken until a restart.)
    assert.match((await get(`${srv.url}/live`)).body, /build bbbb2222/)

    await srv.stop()
    srv = await startServer({ dataDir, env: { WEB_DIR: web } })
    assert.match((await get(`${srv.url}/`)).body, /build bbbb2222/)
    assert.deepEqual(await get(`${srv.url}/assets/index-bbbb2222.js`), { status: 200, body: "console.log('build bbbb2222')" })
  } finally {
    await srv.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
})

test('a dashboard built after the server started is not served until a restart (503 LOG_ERR_DASHBOARD_NOT_BUILT meanwhile)', async () => {
  const dataDir = tempDir()
  const web = join(dataDir, 'web')
  let srv = await startServer({ dataDir, env: { WEB_DIR: web } })
  try {
    const before = await get(`${srv.url}/`)
    assert.equal(before.status, 503)
    assert.equal(JSON.parse(before.body).code, 'LOG_ERR_DASHBOARD_NOT_BUILT')
    build(web, 'cccc3333')
    const after = await get(`${srv.url}/`)
    assert.equal(after.status, 503, 'still the start-up answer')
    await srv.stop()
    srv = await startServer({ dataDir, env: { WEB_DIR: web } })
    assert.match((await get(`${srv.url}/`)).body, /build cccc3333/)
  } finally {
    await srv.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
})
