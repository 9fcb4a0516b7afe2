import { sql } from 'drizzle-orm'
import pg from 'pg'
import t from 'tap'
import { refreshRegistryStatistics } from '../../../src/modules/imports/repository.js'
import { createTestApp, onPostgres } from '../../support/app.js'

t.test('imports bring the registry statistics up to date once enough of a table has changed', async (t) => {
  const { database } = await createTestApp(t)
  const asOwner = async (statement: string) => {
    if (onPostgres) {
      const url = new URL(process.env.DATABASE_URL!)
      const name = (await database.db.execute(sql`select current_database() as name`)) as unknown as { rows: { name: string }[] }
      url.pathname = `/${name.rows[0]!.name}`
      const owner = new pg.Client({ connectionString: url.toString() })
      await owner.connect()
      try {
        await owner.query(statement)
        await owner.query('select pg_stat_force_next_flush()')
      } finally {
        await owner.end()
      }
    } else {
      await database.db.execute(sql`reset role`)
      await database.db.execute(sql.raw(statement))
      await database.db.execute(sql`select pg_stat_force_next_flush()`)
      await database.db.execute(sql`set role cps_app`)
    }
  }
  const analysedAt = async () =>
    ((await database.db.execute(sql`select last_analyze from pg_stat_user_tables where relname = 'households'`)) as unknown as { rows: { last_analyze: unknown }[] })
      .rows[0]!.last_analyze

  await asOwner(`insert into households (province_code, ward_code, head_name, created_at, updated_at)
                 select '01', '00301', 'Hộ tổng hợp ' || g, now(), now() from generate_series(1, 300) g`)
  t.same(await refreshRegistryStatistics(database.db), [], 'a few hundred new rows: nothing to do')
  await asOwner(`insert into households (province_code, ward_code, head_name, created_at, updated_at)
                 select '01', '00301', 'Hộ tổng hợp ' || g, now(), now() from generate_series(1, 900) g`)
  await database.db.execute(sql`analyze households`)
  t.notOk(await analysedAt(), 'the application role’s own ANALYZE is skipped: it owns no table')
  t.same(await refreshRegistryStatistics(database.db), ['households'], 'past 1,000 changed rows: analysed, through the function')
  t.ok(await analysedAt(), 'the analysis is recorded')
  t.same(await refreshRegistryStatistics(database.db), [], 'and not again until the table changes again')
})
