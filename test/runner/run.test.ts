import { spawnSync } from 'node:child_process'
import t from 'tap'

t.test('a failing run ends with each failing assertion and its diagnostics, after the whole log', async (t) => {
  // Without this test's own tap settings, the run inside it reports as a run of its own.
  const environment = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(TAP|_TAPJS)/.test(name)))
  const run = spawnSync(
    process.execPath,
    ['test/runner/run.mjs', '--disable-coverage', 'test/runner/fixtures/failing.fixture.ts'],
    { encoding: 'utf8', env: environment },
  )
  t.equal(run.status, 1)
  const summary = run.stdout.slice(run.stdout.lastIndexOf('=== npm test ==='))
  t.match(summary, /tests: 1 passed, 2 failed, of 3/)
  t.match(summary, /failing test files: test\/runner\/fixtures\/failing\.fixture\.ts/)
  t.match(summary, /failing assertions \(2 of 2\):/)
  const assertion = summary.slice(summary.indexOf('not ok 1 - the assertion that fails'))
  t.match(assertion, /^not ok 1 - the assertion that fails\n {2}---\n/, 'the assertion, unindented, then its block')
  t.match(assertion, /-the value expected\n\s+\+the value found\n/, 'with the diff tap printed')
  t.match(assertion, /lineNumber: 6\n/, 'and where it failed')
  t.match(summary, /not ok 1 - thrown by the fixture\n/, 'a thrown error is a failure too')
  t.notMatch(summary, /not ok \d+ - a subtest/, 'not the subtests that only report a failure under them')
})
