/**
 * `oglogstream [roles]` — roles: all (default), ingest, process, query, or a comma list.
 * Configuration comes from the environment (README "Configuration"); an invalid value stops
 * start-up with a message naming the variable.
 */
import { RuleError } from './alerting/index.js'
import { createApp } from './app.js'
import { ConfigError, loadConfig, variables } from './config.js'
import { restoreDefaultFatalSignals } from './fatal.js'
import { DataDirInUseError } from './store/client.js'

const HELP = `usage: oglogstream [all|ingest|process|query|<role>,<role>]
       oglogstream query '<q>' [--from] [--to] [--url] [--api-key] [--output table|json|ndjson|csv] [--follow]

Runs OgLogStream with the given roles (default: all, the embedded single-process mode).
Configuration is read from the environment (README "Configuration" has every default):

${variables()
  .map((v) => `  ${v.env.padEnd(30)} ${v.section.padEnd(8)} ${v.doc}`)
  .join('\n')}`

async function main(): Promise<void> {
  const arg = process.argv[2] ?? 'all'
  if (arg === 'query' && process.argv.length > 3) {
    // The terminal client (`oglogstream query '<q>'`); `oglogstream query` alone is the query role.
    const { queryMain } = await import('./cli-query.js')
    return queryMain(process.argv.slice(3))
  }
  if (arg === '-h' || arg === '--help' || arg === 'help') {
    console.log(HELP)
    return
  }
  let app
  try {
    app = await createApp(loadConfig(arg))
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`oglogstream: invalid configuration: ${err.message}`)
      process.exit(2)
    }
    if (err instanceof RuleError) {
      console.error(`oglogstream: invalid rules: ${err.message}`)
      process.exit(2)
    }
    if (err instanceof DataDirInUseError) {
      console.error(`oglogstream: ${err.message}`)
      process.exit(1)
    }
    throw err
  }
  // The store has run its migrations: the engine's fatal-signal handlers are in place; undo them.
  restoreDefaultFatalSignals()
  let signals = 0
  const shutdown = async (signal: string) => {
    if (++signals > 1) {
      app.log.warn({ signal }, 'second signal: exiting now')
      process.exit(130)
    }
    app.log.info({ signal }, 'shutting down: no new entries, flushing what was accepted')
    const ok = await app.stop()
    app.log.info({ flushed: ok }, 'stopped')
    process.exit(ok ? 0 : 1)
  }
  process.on('SIGINT', () => void shutdown('SIGINT'))
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  try {
    await app.listen()
  } catch (err) {
    app.log.fatal({ err }, 'could not start')
    await app.stop()
    process.exit(1)
  }
}

main().catch((err) => {
  console.error('oglogstream: fatal:', err)
  process.exit(1)
})
