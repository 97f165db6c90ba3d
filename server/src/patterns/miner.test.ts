import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SYSTEMS, loadSystem } from '../../../test/helpers/loghub.ts'
import { Drain } from './drain.ts'
import { PatternMiner, patternId } from './miner.ts'
import { tokenize } from './mask.ts'

const T = (s: number) => `2025-01-01T00:00:${String(s).padStart(2, '0')}.000000000Z`

test('messages of one shape share a template; the variable parts become <*>', () => {
  let n = 0
  const d = new Drain(() => `t${n++}`)
  const a = d.add('Invalid user webmaster from 173.234.31.186')
  const b = d.add('Invalid user admin from 10.0.0.1')
  const c = d.add('Connection closed by 10.0.0.1 [preauth]')
  assert.equal(a.template.id, b.template.id)
  assert.notEqual(a.template.id, c.template.id)
  assert.equal(b.template.tokens.join(' '), 'Invalid user <*> from <*>')
  assert.equal(b.changed, true)
})

test('a different final word is a different event', () => {
  let n = 0
  const d = new Drain(() => `t${n++}`)
  assert.notEqual(d.add('Starting TrustedInstaller initialization.').template.id, d.add('Starting TrustedInstaller finalization.').template.id)
})

test('the id is derived from tenant, service and the first message, and stays when the template generalizes', () => {
  const m = new PatternMiner()
  const first = m.mine('default', 'sshd', 'Invalid user webmaster from 173.234.31.186', T(1))
  assert.equal(first, patternId('default', 'sshd', tokenize('Invalid user webmaster from 173.234.31.186')))
  assert.equal(m.mine('default', 'sshd', 'Invalid user admin from 10.0.0.1', T(2)), first)
  const [rec] = m.drain()
  assert.deepEqual(rec, {
    tenant: 'default', service: 'sshd', pattern_id: first, template: 'Invalid user <*> from <*>',
    first_seen: T(1), last_seen: T(2), sample: 'Invalid user webmaster from 173.234.31.186',
  })
  assert.deepEqual(m.drain(), [])
  // Same message in another service or tenant: another pattern.
  assert.notEqual(m.mine('default', 'ftpd', 'Invalid user webmaster from 173.234.31.186', T(3)), first)
  assert.notEqual(m.mine('acme', 'sshd', 'Invalid user webmaster from 173.234.31.186', T(3)), first)
})

test('two workers seeing the same first message agree; a restart that restores the templates keeps the ids', () => {
  const lines = ['Accepted password for root from 1.2.3.4 port 22 ssh2', 'Invalid user bob from 1.2.3.4', 'Accepted password for fred from 5.6.7.8 port 2222 ssh2', 'Invalid user eve from 9.9.9.9']
  const a = new PatternMiner()
  const b = new PatternMiner()
  const idsA = lines.map((l, i) => a.mine('default', 'sshd', l, T(i)))
  const idsB = lines.map((l, i) => b.mine('default', 'sshd', l, T(i)))
  assert.deepEqual(idsA, idsB)
  const restarted = new PatternMiner()
  restarted.restore(a.drain())
  // The stored templates are already generalized: later messages join them under the old ids.
  assert.equal(restarted.mine('default', 'sshd', 'Invalid user mallory from 7.7.7.7', T(9)), idsA[1])
  assert.equal(restarted.mine('default', 'sshd', 'Accepted password for joe from 7.7.7.7 port 1 ssh2', T(9)), idsA[0])
  assert.equal(restarted.size(), 2)
})

test('the memory of masked messages chooses what the search would, also after a leaf gained or generalized a template', () => {
  // Ids are the first message's tokens: two trees agree iff every message went to the same template.
  const id = (tokens: readonly string[]) => tokens.join(' ')
  let compared = 0
  for (const system of SYSTEMS) {
    const remembering = new Drain(id)
    const searching = new Drain(id)
    const lines = loadSystem(system).map((l) => l.content)
    // Each line twice, the second time later, with other values (after the templates grew).
    for (const m of [...lines, ...lines.map((l, i) => l.replace(/\d/g, (d) => String((Number(d) + i) % 10)))]) {
      const a = remembering.add(m)
      const b = searching.addTokens(tokenize(m))
      assert.equal(a.template.id, b.template.id, m)
      assert.equal(a.template.tokens.join(' '), b.template.tokens.join(' '), m)
      compared++
    }
  }
  assert.equal(compared, 64_000)
})

test('a message seen before goes to a template added to its leaf since, if that one is closer', () => {
  const d = new Drain((t) => t.join(' '))
  const first = d.add('open file alpha beta gamma end').template
  assert.equal(d.add('open file alpha omega gamma end').template, first) // 5 of 6 agree: joins, generalizes
  const m = 'open file alpha kappa gamma end'
  assert.equal(d.add(m).template, first)
  assert.equal(d.add(m).template, first)
  // Restored from the store (another worker): the message's own template, in the same leaf, closer.
  const own = d.restore('own', ['open', 'file', 'alpha', 'kappa', 'gamma', 'end'])
  assert.equal(d.add(m).template, own)
})
