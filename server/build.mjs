// Bundles the server into dist/cli.js with esbuild (dependencies stay external, loaded from node_modules).
import { build } from 'esbuild'
import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'

rmSync(new URL('./dist', import.meta.url), { recursive: true, force: true })
await build({
  // The pattern thread (process/label-thread.ts) is its own entry: a worker thread loads it by file.
  entryPoints: { cli: 'src/cli.ts', 'label-thread': 'src/process/label-thread.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  packages: 'external',
  // the shared types package is TypeScript source: bundle it in
  external: [],
  plugins: [
    {
      name: 'bundle-shared',
      setup(b) {
        b.onResolve({ filter: /^@oglogstream\/shared$/ }, () => ({ path: new URL('../packages/shared/src/index.ts', import.meta.url).pathname }))
      },
    },
  ],
  logLevel: 'warning',
})

// The C scan of the pattern miner (native/mask_keys.c; patterns/native.ts): built where a C compiler,
// make, python3 and Node's headers are (node-gyp, which npm carries); without them the miner does the
// same work in JavaScript, with the same ids, at about twice the CPU. Never fails the build.
const gyp = spawnSync('node-gyp', ['rebuild', '--directory', 'native', '--loglevel', 'error'], { cwd: new URL('.', import.meta.url), encoding: 'utf8', shell: false })
if (gyp.status !== 0) {
  const why = gyp.error ? String(gyp.error.message) : (gyp.stderr || gyp.stdout || '').trim().split('\n').slice(-3).join(' | ')
  console.warn(`native pattern scan not built (the miner runs in JavaScript): ${why}`)
}
