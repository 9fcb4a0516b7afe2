import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'

const listed = new Set(
  execFileSync(process.execPath, ['test/runner/database-files.mjs'], { encoding: 'utf8' }).trim().split('\n'),
)

function testFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name)
    if (entry.isDirectory()) return ['reliability-long', 'browser'].includes(entry.name) ? [] : testFiles(path)
    return entry.name.endsWith('.test.ts') ? [path] : []
  })
}

t.test('CI runs again on PostgreSQL every test file that opens a database, and only those', async (t) => {
  const files = testFiles('test')
  const opening = files.filter(
    (file) =>
      file !== 'test/runner/database-files.test.ts' &&
      /createTestApp|openTestDatabase|openDatabase|startServerProcess|ownerSession|childEnvironment|onPostgres|DATABASE_URL|src\/server\.ts|src\/cli\.ts|bin\/cps/.test(
        readFileSync(file, 'utf8'),
      ),
  )
  t.ok(opening.length > 50, `${opening.length} files open a database by name`)
  t.same(
    opening.filter((file) => !listed.has(file)),
    [],
    'each of them is listed, through whatever helper it opens it',
  )
  t.ok(listed.has('test/modules/reports/reports.test.ts'))
  t.notOk(listed.has('test/modules/incidents/rules.test.ts'), 'a table of pure rules is not')
  t.notOk(listed.has('test/modules/disclosure/control.test.ts'))
  t.ok(listed.size < files.length, `${listed.size} of ${files.length}`)
})
