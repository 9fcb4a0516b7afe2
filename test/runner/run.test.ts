import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import t from 'tap'
import { childEnvironment } from '../support/process.js'

t.test('a failing run ends with each failing assertion and its diagnostics, after the whole log', async (t) => {
  // A project of its own for the run inside this test: tap clears its project's .tap folder when a run starts,
  // and this one's holds the coverage the suite has recorded so far. Under node_modules, `tap` resolves from it.
  mkdirSync('node_modules/.cache', { recursive: true })
  const project = mkdtempSync(join('node_modules', '.cache', 'run-test-'))
  t.teardown(() => rmSync(project, { recursive: true, force: true }))
  writeFileSync(join(project, '.taprc'), 'jobs: 1\n')
  copyFileSync('test/runner/fixtures/failing.fixture.mjs', join(project, 'failing.test.mjs'))
  const run = spawnSync(process.execPath, [resolve('test/runner/run.mjs'), '--disable-coverage', 'failing.test.mjs'], {
    cwd: project,
    encoding: 'utf8',
    env: childEnvironment({ TS_NODE_PROJECT: resolve('tsconfig.tap.json') }),
  })
  t.equal(run.status, 1)
  const summary = run.stdout.slice(run.stdout.lastIndexOf('=== npm test ==='))
  t.match(summary, /tests: 1 passed, 2 failed, of 4/)
  t.match(summary, /failing test files: failing\.test\.mjs/)
  t.match(summary, /failing assertions \(2 of 2\):/)
  const assertion = summary.slice(summary.indexOf('not ok 1 - the assertion that fails'))
  t.match(assertion, /^not ok 1 - the assertion that fails\n {2}---\n/, 'the assertion, unindented, then its block')
  t.match(assertion, /-the value expected\n\s+\+the value found\n/, 'with the diff tap printed')
  t.match(assertion, /lineNumber: 6\n/, 'and where it failed')
  t.match(summary, /not ok 1 - thrown by the fixture\n/, 'a thrown error is a failure too')
  t.notMatch(summary, /not ok \d+ - a subtest/, 'not the subtests that only report a failure under them')
  t.notMatch(summary, /not ok \d+ - a known gap/, 'nor a todo')
})
