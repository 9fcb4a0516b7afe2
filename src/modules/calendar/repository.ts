import { and, asc, eq, gte, lte, sql } from 'drizzle-orm'
import type { Executor } from '../../db/client.js'
import type { HolidaysData } from '../../reference/index.js'
import type { WorkingCalendar } from './rules.js'
import { calendarDays, calendarYears } from './tables.js'

export type CalendarDayRow = typeof calendarDays.$inferSelect
type CalendarYearRow = typeof calendarYears.$inferSelect

export async function listCalendarDays(db: Executor, from: string, to: string) {
  return db
    .select()
    .from(calendarDays)
    .where(and(gte(calendarDays.date, from), lte(calendarDays.date, to)))
    .orderBy(asc(calendarDays.date))
}

/** The whole calendar, small enough (a few dozen days a year) to hold for deadline computations. */
export async function loadWorkingCalendar(db: Executor): Promise<WorkingCalendar> {
  const rows = await db.select({ date: calendarDays.date, kind: calendarDays.kind }).from(calendarDays)
  const years = await db.select({ year: calendarYears.year }).from(calendarYears)
  return {
    holidays: new Set(rows.filter((r) => r.kind !== 'working_day').map((r) => r.date)),
    workingWeekendDays: new Set(rows.filter((r) => r.kind === 'working_day').map((r) => r.date)),
    coveredYears: new Set(years.map((r) => r.year)),
  }
}

/** The covered years in order, with how many special days each holds and how many await confirmation. */
export async function listCalendarYears(db: Executor) {
  const year = sql<number>`extract(year from ${calendarDays.date})::integer`
  const counts = await db
    .select({
      year,
      days: sql<number>`count(*)::integer`,
      unconfirmed: sql<number>`(count(*) filter (where not ${calendarDays.confirmed}))::integer`,
    })
    .from(calendarDays)
    .groupBy(year)
  const byYear = new Map(counts.map((row) => [row.year, row]))
  const years = await db.select().from(calendarYears).orderBy(asc(calendarYears.year))
  return years.map((row) => ({
    ...row,
    days: byYear.get(row.year)?.days ?? 0,
    unconfirmed: byYear.get(row.year)?.unconfirmed ?? 0,
  }))
}

export async function getCalendarYear(db: Executor, year: number): Promise<CalendarYearRow | undefined> {
  const [row] = await db.select().from(calendarYears).where(eq(calendarYears.year, year))
  return row
}

/** Serialises changes to a year, covered or not yet (a year not covered has no row to lock). */
export async function lockCalendarYear(tx: Executor, year: number): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext('calendar_year'), ${year}::integer)`)
}

/** Replaces a year's special days and marks the year the administrator's (`version` + 1, or 1 when new). */
export async function replaceCalendarYear(
  tx: Executor,
  year: number,
  days: readonly CalendarDayRow[],
  by: string,
  now: Date,
): Promise<CalendarYearRow> {
  await tx
    .delete(calendarDays)
    .where(and(gte(calendarDays.date, `${year}-01-01`), lte(calendarDays.date, `${year}-12-31`)))
  await tx.insert(calendarDays).values([...days])
  const [row] = await tx
    .insert(calendarYears)
    .values({ year, source: 'admin', version: 1, updatedAt: now, updatedBy: by })
    .onConflictDoUpdate({
      target: calendarYears.year,
      set: { source: 'admin', version: sql`${calendarYears.version} + 1`, updatedAt: now, updatedBy: by },
    })
    .returning()
  return row!
}

/**
 * Applies the reference calendar year by year: a year an administrator set is left as it is; any other
 * year's days are replaced by the file's (a day the file dropped goes) and the year is marked covered.
 */
export async function applyHolidaysReference(tx: Executor, data: HolidaysData): Promise<void> {
  const admin = new Set(
    (await tx.select({ year: calendarYears.year }).from(calendarYears).where(eq(calendarYears.source, 'admin'))).map(
      (row) => row.year,
    ),
  )
  const years = [...new Set(data.days.map((day) => Number(day.date.slice(0, 4))))].filter((year) => !admin.has(year))
  for (const year of years) {
    const days = data.days.filter((day) => day.date.startsWith(`${year}-`))
    await tx
      .delete(calendarDays)
      .where(and(gte(calendarDays.date, `${year}-01-01`), lte(calendarDays.date, `${year}-12-31`)))
    await tx.insert(calendarDays).values(days)
    await tx
      .insert(calendarYears)
      .values({ year, source: 'reference' })
      .onConflictDoUpdate({
        target: calendarYears.year,
        set: { version: sql`${calendarYears.version} + 1`, updatedAt: sql`now()`, updatedBy: null },
        setWhere: eq(calendarYears.source, 'reference'),
      })
  }
}
