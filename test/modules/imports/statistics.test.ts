import { sql } from 'drizzle-orm'
import t from 'tap'
import { queryRows } from '../../../src/db/client.js'
import { refreshRegistryStatistics } from '../../../src/modules/imports/repository.js'
import { createTestApp } from '../../support/app.js'
import { asTableOwner } from '../../support/owner.js'

t.test('imports bring the registry statistics up to date each time a table has doubled', async (t) => {
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
    'past 1,000 rows: analysed, through the function',
  )
  t.ok(await analysedAt(), 'the analysis is recorded')
  t.same(await refreshRegistryStatistics(database.db), [], 'and not again until the table grows again')
  await asOwner(`update households set head_name = head_name || ' (sửa)'`)
  t.same(await refreshRegistryStatistics(database.db), [], 'every row changed but none added: the plans still hold')
  await asOwner(`insert into households (province_code, ward_code, head_name, created_at, updated_at)
                 select '01', '00301', 'Hộ tổng hợp ' || g, now(), now() from generate_series(1, 1000) g`)
  t.same(await refreshRegistryStatistics(database.db), [], 'grown by less than its size: nothing to do')
  await asOwner(`insert into households (province_code, ward_code, head_name, created_at, updated_at)
                 select '01', '00301', 'Hộ tổng hợp ' || g, now(), now() from generate_series(1, 300) g`)
  t.same(await refreshRegistryStatistics(database.db), ['households'], 'past twice its size: analysed again')
})

t.test('children are analysed in the columns the import looks them up by', async (t) => {
  const { database } = await createTestApp(t)
  await asTableOwner(database, [
    'alter table children set (autovacuum_enabled = off)',
    `insert into children (province_code, ward_code, full_name, date_of_birth, birth_year, sex, personal_id, created_at, updated_at)
     select '01', '00301-2025', 'Trần Thị Mẫu ' || g, date '2015-01-01' + g % 365, 2015, 'female',
            lpad(g::text, 12, '0'), now(), now()
       from generate_series(1, 1200) g`,
    'select pg_stat_force_next_flush()',
  ])
  t.same(await refreshRegistryStatistics(database.db), ['children'], 'past 1,000 children: analysed')
  // Read as the owner: pg_stats hides the statistics of a table whose row-level security applies to the reader.
  const analysed = await asTableOwner(database, [
    `select attname from pg_stats where tablename = 'children' and schemaname = 'public'`,
  ])
  const columns = analysed.map((row) => row.attname)
  t.ok(columns.includes('name_folded') && columns.includes('personal_id'), 'the lookup columns have statistics')
  t.notOk(columns.includes('street_address'), 'the others wait for autovacuum')
})
