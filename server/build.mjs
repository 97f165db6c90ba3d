// Bundles the server into dist/cli.js with esbuild (dependencies stay external, loaded from node_modules).
import { build } from 'esbuild'
import { rmSync } from 'node:fs'

rmSync(new URL('./dist', import.meta.url), { recursive: true, force: true })
await build({
  entryPoints: ['src/cli.ts'],
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
