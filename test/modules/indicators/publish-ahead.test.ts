import { and, eq } from 'drizzle-orm'
import t from 'tap'
import { auditEvents } from '../../../src/modules/audit/tables.js'
import { addDays } from '../../../src/modules/calendar/rules.js'
import { publishTableAhead, tablesToPublish } from '../../../src/modules/indicators/publish-ahead.js'
import { closingDays, defaultPeriodsForYear } from '../../../src/modules/indicators/rules.js'
import { publishedIndicatorTables } from '../../../src/modules/indicators/tables.js'
import { createTestApp, type TestApp } from '../../support/app.js'
import { clientFor, province, type TestAccount } from '../../support/auth.js'
import { seedScenario } from './scenario.js'

/** An instant on a day, in Hanoi's time (UTC+7). */
const hanoi = (day: string, time: string) => new Date(`${day}T${time}+07:00`)
const closing = (year: number) => closingDays(year, defaultPeriodsForYear(year))
/** The last closing day before `day`, in its year. */
const closedBefore = (day: string) =>
  closing(Number(day.slice(0, 4)))
    .filter((closingDay) => closingDay < day)
    .at(-1)!
/** The district's table to `asOf`, as a city system reads it. */
const readDistrict = ({ app }: TestApp, city: TestAccount, asOf: string) =>
  app.inject({ url: `/v1/indicators/values?year=${asOf.slice(0, 4)}&unit=008&asOf=${asOf}`, headers: city.headers })

t.test('the tables city systems read are published ahead, once a closing day has passed', async (t) => {
  const ctx = await createTestApp(t, { now: '2024-06-20T03:00:00Z' })
  const { app, clock } = ctx
  await seedScenario(ctx)
  const city = await clientFor(ctx, { role: 'city_system', units: [province] })
  const tablesOf = (asOf: string) =>
    app.database.db
      .select({ publishedAt: publishedIndicatorTables.publishedAt })
      .from(publishedIndicatorTables)
      .where(and(eq(publishedIndicatorTables.unitCode, '008'), eq(publishedIndicatorTables.asOf, asOf)))

  t.same(await tablesToPublish(app.database, clock.now()), [], 'no table read yet, none to publish ahead')
  const read = closedBefore('2024-06-20')
  const first = await readDistrict(ctx, city, read)
  t.equal(first.statusCode, 200, `the city system reads the district's table to ${read}`)

  const next = closing(2024).find((day) => day > '2024-06-20')!
  clock.set(hanoi(addDays(next, 1), '00:30:00'))
  t.same(await tablesToPublish(app.database, clock.now()), [], `half an hour after ${next} ended: not yet`)
  const released = hanoi(addDays(next, 1), '01:30:00')
  clock.set(released)
  const due = await tablesToPublish(app.database, clock.now())
  t.same(due, [{ unitCode: '008', year: 2024, asOf: next }], 'an hour and a half after: the district’s table')
  t.equal((await tablesOf(next)).length, 0, 'not published before the job runs')
  t.equal(await publishTableAhead(app.database, due[0]!, clock.now()), true, 'published')
  t.ok((await tablesOf(next)).length > 0, 'every indicator stored')
  t.equal(await publishTableAhead(app.database, due[0]!, clock.now()), false, 'run again, it publishes nothing more')

  clock.advance(3 * 24 * 60 * 60 * 1000)
  const asked = await readDistrict(ctx, city, next)
  t.equal(asked.statusCode, 200)
  t.equal(asked.json<{ publishedAt: string }>().publishedAt, released.toISOString(), 'the request reads it back')
  const [event] = await app.database.db
    .select()
    .from(auditEvents)
    .where(eq(auditEvents.requestId, asked.headers['x-request-id'] as string))
  t.match(event?.details, { asOf: next, firstPublished: false }, 'audited as a read of what was published')

  clock.set(hanoi(addDays(next, 9), '01:30:00'))
  t.same(await tablesToPublish(app.database, clock.now()), [], 'a week after the closing day the job leaves it')

  // Through the queue: the hourly job queues the table's own job, which the next poll runs.
  clock.set(hanoi('2025-01-01', '02:00:00'))
  await app.jobs.runDue()
  await app.jobs.runDue()
  const yearEnd = await tablesOf('2024-12-31')
  t.ok(yearEnd.length > 0, 'the hourly job published 31 December')
  t.same(
    yearEnd.map((row) => row.publishedAt.toISOString()),
    yearEnd.map(() => hanoi('2025-01-01', '02:00:00').toISOString()),
  )
})

t.test('a unit with no ward on the closing day’s map has no table to publish', async (t) => {
  const ctx = await createTestApp(t, { now: '2025-06-20T03:00:00Z' })
  const { app, clock } = ctx
  const city = await clientFor(ctx, { role: 'city_system', units: [province] })
  const first = await readDistrict(ctx, city, closedBefore('2025-06-20'))
  t.equal(first.statusCode, 200, 'read while the district still existed')

  const firstOf2026 = closing(2026)[0]!
  clock.set(hanoi(addDays(firstOf2026, 1), '02:00:00'))
  const due = await tablesToPublish(app.database, clock.now())
  t.same(due, [{ unitCode: '008', year: 2026, asOf: firstOf2026 }], 'the district was read in 2025')
  t.equal(await publishTableAhead(app.database, due[0]!, clock.now()), null, 'but is gone since 1 July 2025')
  const stored = await app.database.db
    .select({ asOf: publishedIndicatorTables.asOf })
    .from(publishedIndicatorTables)
    .where(eq(publishedIndicatorTables.planYear, 2026))
  t.same(stored, [], 'nothing published for 2026')
  t.equal(
    await publishTableAhead(app.database, { unitCode: 'no-such-unit', year: 2026, asOf: firstOf2026 }, clock.now()),
    null,
    'nor for a unit no longer listed',
  )
})
