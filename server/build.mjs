// Bundles the server into dist/cli.js with esbuild (dependencies stay external, loaded from node_modules).
import { build } from 'esbuild'
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
