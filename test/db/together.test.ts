import { randomUUID } from 'node:crypto'
import { sql } from 'drizzle-orm'
import t from 'tap'
import { drizzle } from 'drizzle-orm/node-postgres'
import { queryPreparedRows, queryRows, type Database, type Executor } from '../../src/db/client.js'
import { sqlState } from '../../src/db/errors.js'
import { insertRowsAsJson, rowFromJson } from '../../src/db/json-rows.js'
import { writeTogether } from '../../src/db/together.js'
import { loadDeadlineRules, loadDeadlineRulesForWrite } from '../../src/modules/incidents/repository.js'
import { incidentChildren, incidents, incidentSteps } from '../../src/modules/incidents/tables.js'
import { auditCall } from '../../src/platform/audit.js'
import { onPostgres, openTestDatabase } from '../support/app.js'
import { ownerSession } from '../support/owner.js'

const received = new Date('2026-12-01T02:00:00Z')

function incidentValues(id: string) {
  return {
    id,
    provinceCode: '01',
    wardCode: '00301-2025',
    kind: 'violence' as const,
    occurredAt: received,
    occurredAtPrecision: 'exact' as const,
    detectedAt: received,
    channel: 'phone' as const,
    writtenReportRequired: true,
    writtenReportDueAt: new Date(received.getTime() + 86_400_000),
    writtenReportBasis: 'detected' as const,
    receivedAt: received,
    createdAt: received,
    updatedAt: received,
  }
}

const stepValues = (incidentId: string) => ({
  incidentId,
  provinceCode: '01',
  wardCode: '00301-2025',
  step: 'receipt' as const,
  at: received,
  createdAt: received,
})

const auditRecord = (resourceId: string) => ({
  action: 'test.together',
  resourceType: 'incident',
  resourceId,
  outcome: 'success' as const,
  actor: { type: 'system' as const, id: null, name: null, role: null },
  occurredAt: received,
  requestId: null,
})

async function countOf(database: Database, table: string, where: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    database.db,
    sql.raw(`select count(*)::int as n from ${table} where ${where}`),
  )
  return row!.n
}

t.test('writes in one statement', async (t) => {
  const database = await openTestDatabase(t)

  await t.test('a parent, its child row that refers to it, and an audit call, with the rows written', async (t) => {
    const id = randomUUID()
    const returned = await database.db.transaction((tx) =>
      writeTogether(tx, {
        writes: {
          incident: tx.insert(incidents).values(incidentValues(id)).returning().getSQL(),
          steps: tx.insert(incidentSteps).values(stepValues(id)).returning().getSQL(),
        },
        returning: ['incident', 'steps'],
        calls: [auditCall([auditRecord(id)])],
      }),
    )
    t.equal(returned.incident.length, 1)
    t.equal(returned.incident[0]!.id, id, 'rows come back keyed by column name')
    t.equal(returned.incident[0]!.status, 'open', 'with what the database filled in')
    t.equal(returned.steps[0]!.incident_id, id)
    t.equal(await countOf(database, 'incident_steps', `incident_id = '${id}'`), 1)
    t.equal(await countOf(database, 'audit_events', `resource_id = '${id}' and action = 'test.together'`), 1)
  })

  await t.test('one write that fails leaves none of them, the audit call included', async (t) => {
    const id = randomUUID()
    const orphan = randomUUID()
    await t.rejects(
      database.db.transaction((tx) =>
        writeTogether(tx, {
          writes: {
            incident: tx.insert(incidents).values(incidentValues(id)).returning().getSQL(),
            steps: tx.insert(incidentSteps).values(stepValues(orphan)).returning().getSQL(),
          },
          returning: ['incident'],
          calls: [auditCall([auditRecord(id)])],
        }),
      ),
      'a step of no incident breaks its foreign key',
    )
    t.equal(await countOf(database, 'incidents', `id = '${id}'`), 0)
    t.equal(await countOf(database, 'audit_events', `resource_id = '${id}'`), 0)
  })

  await t.test('rows written from one JSON parameter read back as drizzle would have written them', async (t) => {
    const id = randomUUID()
    const unregistered = { fullName: 'Trẻ chưa đăng ký \' \\ "', dateOfBirth: '2017-02-03' }
    const returned = await database.db.transaction((tx) =>
      writeTogether(tx, {
        writes: {
          incident: insertRowsAsJson(incidents, [{ ...incidentValues(id), emergency: true, narrative: null }]),
          children: insertRowsAsJson(incidentChildren, [
            {
              incidentId: id,
              provinceCode: '01',
              wardCode: '00301-2025',
              unregistered,
              ageYears: 9,
              createdAt: received,
            },
            { incidentId: id, provinceCode: '01', wardCode: '00301-2025', sex: 'female', createdAt: received },
          ]),
        },
        returning: ['incident', 'children'],
      }),
    )
    const incident = rowFromJson(incidents, returned.incident[0]!)
    t.equal(incident.id, id)
    t.same(incident.occurredAt, received, 'timestamps as written')
    t.equal(incident.emergency, true)
    t.equal(incident.narrative, null)
    t.equal(incident.status, 'open', 'a column no row gives takes its default')
    t.equal(incident.version, 1)
    const linked = returned.children.map((json) => rowFromJson(incidentChildren, json))
    t.equal(linked.length, 2)
    t.same(linked.find((row) => row.ageYears === 9)?.unregistered, unregistered, 'JSON values stay JSON, not text')
    const other = linked.find((row) => row.sex === 'female')!
    t.same([other.unregistered, other.ageYears], [null, null], 'what a row leaves out of a nullable column is null')
    t.ok(
      linked.every((row) => typeof row.id === 'string' && row.id.length === 36),
      'ids from their default',
    )
  })

  await t.test(
    'a column with a default given by some rows and not others is refused before anything runs',
    async (t) => {
      t.throws(
        () =>
          insertRowsAsJson(incidentSteps, [
            { ...stepValues(randomUUID()), id: randomUUID() },
            stepValues(randomUUID()),
          ]),
        /id is given by some rows and not others/,
      )
    },
  )

  await t.test('a prepared statement answers each run with its own values', async (t) => {
    const prepared = (tx: Parameters<Parameters<typeof database.db.transaction>[0]>[0]) =>
      queryRows<{ n: number }>(tx, sql`select count(*)::int as n from pg_prepared_statements where name like 'cps_%'`)
    await database.db.transaction(async (tx) => {
      const first = await queryPreparedRows<{ n: number }>(tx, sql`select ${1}::int + 1 as n`)
      const afterFirst = (await prepared(tx))[0]!.n
      const second = await queryPreparedRows<{ n: number }>(tx, sql`select ${41}::int + 1 as n`)
      t.same([first[0]!.n, second[0]!.n], [2, 42])
      if (onPostgres) {
        t.ok(afterFirst >= 1, 'the server holds the statement')
        t.equal((await prepared(tx))[0]!.n, afterFirst, 'and runs it again rather than preparing another')
      }
    })
  })

  await t.test(
    'a statement a schema change made stale fails once, then is prepared afresh',
    { skip: !onPostgres && 'the embedded database prepares nothing' },
    async (t) => {
      const session = await ownerSession(t, database)
      const executor = drizzle(session) as unknown as Executor
      await session.query('create table stale_probe (a int); insert into stale_probe values (1)')
      const probe = sql`select * from stale_probe where a = ${1}`
      t.same(await queryPreparedRows(executor, probe), [{ a: 1 }])
      await session.query('alter table stale_probe add column b int')
      const stale = await queryPreparedRows(executor, probe).then(
        () => undefined,
        (error: unknown) => error,
      )
      t.equal(sqlState(stale), '0A000', 'the old plan cannot answer with the new columns')
      t.same(await queryPreparedRows(executor, probe), [{ a: 1, b: null }], 'the next run prepares it again')
    },
  )
})

t.test('the deadline rules are read again exactly when they change', async (t) => {
  const database = await openTestDatabase(t)
  const first = await loadDeadlineRules(database.db)
  t.equal(await loadDeadlineRules(database.db), first, 'unchanged rules are not read again')
  t.equal(
    await database.db.transaction((tx) => loadDeadlineRulesForWrite(tx)),
    first,
    'the writer’s lock reads the same stamp',
  )

  // As an administrator on another instance would: straight into the table, nothing told to this process.
  await queryRows(
    database.db,
    sql`insert into calendar_days (date, kind, name_vi, name_en) values ('2031-03-03', 'holiday', 'Ngày thử', 'Test day')`,
  )
  const changed = await loadDeadlineRules(database.db)
  t.not(changed, first, 'a change is seen at the next read')
  t.ok(changed.calendar.holidays.has('2031-03-03'))
  t.notOk(first.calendar.holidays.has('2031-03-03'), 'the rules already handed out stay as they were')

  await t.test(
    'the application cannot set the stamp itself',
    { skip: !onPostgres && 'roles need a server' },
    async (t) => {
      const owner = await ownerSession(t, database)
      await owner.query('set role cps_app')
      await t.rejects(owner.query(`update deadline_rules_stamp set stamp = gen_random_uuid()`), { code: '42501' })
    },
  )
})
