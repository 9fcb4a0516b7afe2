import { sql } from 'drizzle-orm'
import t from 'tap'
import { queryRows } from '../../../src/db/client.js'
import { refreshRegistryStatistics } from '../../../src/modules/imports/repository.js'
import { createTestApp } from '../../support/app.js'
import { asTableOwner } from '../../support/owner.js'

t.test('imports bring the registry statistics up to date once enough of a table has changed', async (t) => {
  const { database } = await createTestApp(t)
  // Flushed at once: the function reads the table's change count from the statistics views.
  const asOwner = (statement: string) => asTableOwner(database, [statement, 'select pg_stat_force_next_flush()'])
  const analysedAt = async () =>
    (
      await queryRows<{ last_analyze: unknown }>(
        database.db,
        sql`select last_analyze from pg_stat_user_tables where relname = 'households'`,
      )
    )[0]!.last_analyze
  // The server's autovacuum would analyse the table on its own schedule and reset the change count under the test.
  await asTableOwner(database, ['alter table households set (autovacuum_enabled = off)'])

  await asOwner(`insert into households (province_code, ward_code, head_name, created_at, updated_at)
                 select '01', '00301', 'Hộ tổng hợp ' || g, now(), now() from generate_series(1, 300) g`)
  t.same(await refreshRegistryStatistics(database.db), [], 'a few hundred new rows: nothing to do')
  await asOwner(`insert into households (province_code, ward_code, head_name, created_at, updated_at)
                 select '01', '00301', 'Hộ tổng hợp ' || g, now(), now() from generate_series(1, 900) g`)
  await database.db.execute(sql`analyze households`)
  t.notOk(await analysedAt(), 'the application role’s own ANALYZE is skipped: it owns no table')
  t.same(
    await refreshRegistryStatistics(database.db),
    ['households'],
    'past 1,000 changed rows: analysed, through the function',
  )
  t.ok(await analysedAt(), 'the analysis is recorded')
  t.same(await refreshRegistryStatistics(database.db), [], 'and not again until the table changes again')
})
