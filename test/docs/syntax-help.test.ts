// The dashboard's syntax help (the `?` beside the search box, web/src/lib/syntaxHelp.ts) lists every
// pipe the parser knows, each with an example the parser accepts and that uses that pipe; the README's
// pipe tables name every pipe too. The list of pipes is the parser's own (ir.ts PIPES), not a copy.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { AGG_FNS, PIPES } from '../../server/src/query/search/ir.ts'
import { parseQuery } from '../../server/src/query/search/parser.ts'
import { FILTER_EXAMPLES, PIPE_EXAMPLES, PIPE_HELP } from '../../web/src/lib/syntaxHelp.ts'
import { ROOT } from '../helpers/server.ts'

test('the syntax help has an example for every pipe of the parser, and the parser accepts it with that pipe in it', () => {
  assert.deepEqual(Object.keys(PIPE_HELP).sort(), [...PIPES].sort())
  for (const pipe of PIPES) {
    const { example } = PIPE_HELP[pipe]
    const stages = parseQuery(example).stages
    assert.ok(
      stages.some((s) => s.kind === pipe),
      `${pipe}: the example ${example} has stages ${stages.map((s) => s.kind).join(', ')}`,
    )
    // The example writes the pipe's name after a |.
    assert.match(example, new RegExp(`\\|\\s*${pipe}\\b`), example)
  }
  for (const [example] of [...PIPE_EXAMPLES, ...FILTER_EXAMPLES]) assert.doesNotThrow(() => parseQuery(example), example)
  // The stats line names every function.
  for (const fn of AGG_FNS) assert.ok(PIPE_HELP.stats.what.includes(`${fn}()`), fn)
})

test("the README's pipe tables name every pipe and every stats function", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('### Pipes (analytics)'), readme.indexOf('### Terminal client'))
  const firstCells = [...section.matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1] as string)
  for (const pipe of PIPES) assert.ok(firstCells.some((c) => c.split(/[\s(]/)[0] === pipe), `README pipes table lacks ${pipe}`)
  for (const fn of AGG_FNS) assert.ok(section.includes(`\`${fn}(`), `README lacks ${fn}()`)
})
