import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import t from 'tap'
import { queryRows } from '../../../src/db/client.js'
import { exitCodes, importCommand } from '../../../src/modules/imports/cli.js'
import { insertUser } from '../../../src/modules/users/repository.js'
import { inScope, systemScope } from '../../../src/platform/scope.js'
import { openTestDatabase } from '../../support/app.js'
import { otherWardToday, wardToday } from '../../support/auth.js'
import { childHeader, childRow, csv } from './helpers.js'

function terminal(isTTY: boolean) {
  let text = ''
  return {
    write: (chunk: string) => void (text += chunk),
    isTTY,
    get text() {
      return text
    },
  }
}

t.test('cps import: the same import from the command line, as a user of the service', async (t) => {
  const database = await openTestDatabase(t)
  const at = new Date('2024-06-15T03:00:00Z')
  const account = (username: string, role: string, units: string[]) =>
    insertUser(database.db, {
      username,
      displayName: username,
      role,
      units,
      passwordHash: null,
      createdAt: at,
      updatedAt: at,
      createdBy: 'test',
    })
  await account('district-admin', 'district_admin', ['01'])
  await account('officer-a', 'ward_officer', [wardToday])
  await account('chair-a', 'ward_chair', [wardToday])
  const folder = mkdtempSync(join(tmpdir(), 'cps-import-cli-'))
  t.teardown(() => rmSync(folder, { recursive: true, force: true }))
  const good = join(folder, 'tre-em.csv')
  writeFileSync(good, csv([childHeader, childRow(1, wardToday), childRow(2, wardToday)]))
  const mixed = join(folder, 'lan-2.csv')
  writeFileSync(mixed, csv([childHeader, childRow(3, wardToday), childRow(4, wardToday, { wardCode: otherWardToday })]))
  const run = async (args: string[], tty = false) => {
    const stdout = terminal(false)
    const stderr = terminal(tty)
    const code = await importCommand(args, database, { useAppRole: true, stdout, stderr })
    return { code, stdout: stdout.text, stderr: stderr.text }
  }
  const children = async () =>
    inScope(
      database.db,
      systemScope,
      async (tx) => (await queryRows<{ n: number }>(tx, sql`select count(*)::int as n from children`))[0]!.n,
    )

  t.test('a dry run, then the import, with a progress bar on a terminal and a summary', async (t) => {
    const dry = await run(['children', good, '--dry-run', '--as', 'officer-a'])
    t.equal(dry.code, exitCodes.ok)
    t.match(
      dry.stdout,
      /Dry run of .*as officer-a, source 00301-2025, mode atomic: completed\n\s+2 rows in [\d.]+ s: 2 created/,
    )
    t.equal(await children(), 0)
    const real = await run(['children', good], true)
    t.equal(real.code, exitCodes.ok)
    t.match(
      real.stdout,
      /as district-admin, source 01, mode atomic: completed/,
      'by default as the first district administrator',
    )
    t.match(real.stderr, /\rimporting \[#+\]\s+100% 2\/2 rows/)
    t.equal(await children(), 2)
  })

  t.test('rejected rows: exit code 2, each listed, errors written to a file', async (t) => {
    const errors = join(folder, 'loi.csv')
    const result = await run(['children', mixed, '--mode', 'partial', '--as', 'officer-a', '--errors', errors])
    t.equal(result.code, exitCodes.rejected)
    t.match(result.stdout, /1 created, 0 updated, 0 unchanged, 1 rejected/)
    t.match(result.stdout, /row 3, wardCode: error unit_out_of_scope: is outside your units/)
    t.match(readFileSync(errors, 'utf8'), /E-4,.*\[row 3\] wardCode: is outside your units/)
  })

  t.test('what cannot run: exit code 1 and a reason', async (t) => {
    const unreadable = join(folder, 'hong.csv')
    writeFileSync(unreadable, 'externalId,sex\nA,male\n')
    const cases: [string[], RegExp][] = [
      [['pets', good], /children or households/],
      [['children'], /name the FILE/],
      [['children', join(folder, 'tre-em.txt')], /\.csv, \.xlsx/],
      [['children', join(folder, 'missing.csv')], /cannot read/],
      [['children', good, '--mode', 'sometimes'], /--mode must be atomic or partial/],
      [['children', good, '--as', 'nobody'], /No account is named nobody/],
      [['children', good, '--as', 'chair-a'], /may not import/],
      [['children', unreadable], /cannot be imported \(missing_columns\)/],
    ]
    for (const [args, message] of cases) {
      const result = await run(args)
      t.equal(result.code, exitCodes.failed, args.join(' '))
      t.match(result.stderr, message, args.join(' '))
    }
    t.equal(await children(), 3, 'nothing more was written')
  })
})
