#!/usr/bin/env node
// Thin launcher so the bin link exists before the first build; the CLI itself is server/dist/cli.js.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
if (!existsSync(cli)) {
  console.error('oglogstream is not built yet: run `make build` (or `make dev`) from the repository root')
  process.exit(1)
}
await import(cli)
