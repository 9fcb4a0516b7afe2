import { and, asc, gte, lte } from 'drizzle-orm'
import type { Executor } from '../../db/client.js'
import type { HolidaysData } from '../../reference/index.js'
import type { WorkingCalendar } from './rules.js'
import { calendarDays } from './tables.js'

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
  return {
    holidays: new Set(rows.filter((r) => r.kind === 'holiday').map((r) => r.date)),
    workingWeekendDays: new Set(rows.filter((r) => r.kind === 'working_day').map((r) => r.date)),
  }
}

export async function applyHolidaysReference(tx: Executor, data: HolidaysData): Promise<void> {
  for (const day of data.days) {
    await tx
      .insert(calendarDays)
      .values(day)
      .onConflictDoUpdate({
        target: calendarDays.date,
        set: { kind: day.kind, nameVi: day.nameVi, nameEn: day.nameEn, confirmed: day.confirmed },
      })
  }
}
