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

t.test('migration 0043 keeps the tables published before it, two versions of one definition included', async (t) => {
  // Under 0042 an official code corrected published a period again, beside the first: the two rows differ
  // only by version, and 0043's new unique key must not find them the same.
  const database = await openTestDatabase(t)
  const statements = (number: number) => readMigrations()[number]!.sql.filter((statement) => statement.trim() !== '')
  const schema = `before_0043_${randomBytes(4).toString('hex')}`
  const rows = await database.db.transaction(async (tx) => {
    await tx.execute(sql.raw(`create schema ${schema}`))
    await tx.execute(sql.raw(`set local search_path = ${schema}`))
    for (const statement of statements(42)) await tx.execute(sql.raw(statement))
    for (const version of [1, 2]) {
      await tx.execute(sql`insert into published_indicator_tables
        (plan_year, as_of, unit_code, map_key, indicator_code, indicator_version, available, figures, published_at)
        values (2024, '2024-03-29', '008', null, 'CHILDREN_BY_AGE_SEX', ${version}, true, '[]'::jsonb, now())`)
    }
    for (const statement of statements(43)) await tx.execute(sql.raw(statement))
    const kept = await queryRows<{ definition_key: string }>(
      tx,
      sql`select definition_key from published_indicator_tables order by indicator_version`,
    )
    await tx.execute(sql.raw(`drop schema ${schema} cascade`))
    return kept
  })
  t.same(
    rows.map((row) => row.definition_key),
    ['published before 0043, version 1', 'published before 0043, version 2'],
  )
})
