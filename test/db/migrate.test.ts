import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { eq, sql } from 'drizzle-orm'
import pg from 'pg'
import t from 'tap'
import { openDatabase, queryRows } from '../../src/db/client.js'
import { migrate, readMigrations } from '../../src/db/migrate.js'
import { seedReferenceData } from '../../src/db/seed.js'
import { units } from '../../src/modules/units/tables.js'
import { openTestDatabase } from '../support/app.js'
import { serverUrl } from '../support/template.js'

t.test('migrating and seeding again changes nothing', async (t) => {
  const database = await openTestDatabase(t)
  t.same(await migrate(database), { applied: 0 })
  const seeded = await seedReferenceData(database)
  t.same(seeded.applied, [])
  t.same(seeded.unchanged.sort(), [
    'case-step-rules',
    'circumstance-groups',
    'criteria-decision-06',
    'ethnicities',
    'holidays',
    'indicators',
    'roles',
    'units',
  ])
  const [count] = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from units`)
  t.equal(count?.n, 95)
})

t.test('the journal numbers migrations in the order they apply', async (t) => {
  // A migration is applied only when its `when` is after every applied one: one numbered or timed out of
  // order is skipped for good by any database that already ran a later one.
  const journal = JSON.parse(readFileSync(new URL('../../migrations/meta/_journal.json', import.meta.url), 'utf8')) as {
    entries: { idx: number; when: number; tag: string }[]
  }
  journal.entries.forEach((entry, position) => {
    t.equal(entry.idx, position, `${entry.tag}: numbered by its place`)
    t.ok(entry.tag.startsWith(String(position).padStart(4, '0')), `${entry.tag}: its file name carries its number`)
    if (position > 0) t.ok(entry.when > journal.entries[position - 1]!.when, `${entry.tag}: after the one before`)
  })
  t.equal(readMigrations().length, journal.entries.length, 'every entry has its file')
})

t.test('extensions and the folding function exist', async (t) => {
  const database = await openTestDatabase(t)
  const [row] = await queryRows<{ folded: string; similar: number }>(
    database.db,
    sql`select cps_fold('Nguyễn Văn Đức') as folded, similarity(cps_fold('Nguyễn Văn An'), 'nguyen van an') as similar`,
  )
  t.equal(row?.folded, 'nguyen van duc')
  t.equal(Number(row?.similar), 1)
})

t.test('a unit an administrator corrected survives a new reference version', async (t) => {
  const database = await openTestDatabase(t)
  await database.db.update(units).set({ nameEn: 'corrected by admin', source: 'admin' }).where(eq(units.code, '00301'))
  await database.db.execute(sql`update reference_datasets set sha256 = 'old' where name = 'units'`)
  const seeded = await seedReferenceData(database)
  t.same(seeded.applied, ['units'])
  const [row] = await database.db.select().from(units).where(eq(units.code, '00301'))
  t.equal(row?.nameEn, 'corrected by admin')
})

t.test(
  'two instances migrating one empty server database at once',
  { skip: !process.env.DATABASE_URL && 'needs DATABASE_URL' },
  async (t) => {
    const url = process.env.DATABASE_URL!
    const name = `cps_mig_${randomBytes(5).toString('hex')}`
    const admin = new pg.Client({ connectionString: url })
    await admin.connect()
    await admin.query(`create database "${name}"`)
    t.teardown(async () => {
      await admin.query(`drop database if exists "${name}" with (force)`)
      await admin.end()
    })
    const options = { url: serverUrl(url, name), dataDir: '', poolMax: 2, statementTimeoutMs: 60_000 }
    const first = await openDatabase(options)
    const second = await openDatabase(options)
    t.teardown(() => Promise.all([first.close(), second.close()]))
    const results = await Promise.all([migrate(first), migrate(second)])
    t.equal(results[0].applied + results[1].applied, readMigrations().length, 'every migration applied once in total')
    t.ok(
      results.some((r) => r.applied === 0),
      'the second instance found nothing to do',
    )
    const [row] = await queryRows<{ n: number }>(
      first.db,
      sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
    )
    t.equal(row?.n, readMigrations().length)
  },
)
