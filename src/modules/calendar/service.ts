/** The working calendar as the routes serve it: a year's special days, and working-day deadlines. */
import type { Executor } from '../../db/client.js'
import { listCalendarDays, loadWorkingCalendar } from './repository.js'
import { addWorkingDays, endOfLocalDay, localDateOf, toLocalIso } from './rules.js'

/** The public holidays and make-up working days of a year, in date order (CalendarDayListSchema: never paged). */
export async function calendarYear(db: Executor, year: number) {
  return { items: await listCalendarDays(db, `${year}-01-01`, `${year}-12-31`), nextCursor: null }
}

/** The end of the `workingDays`-th working day after the instant `from` (DeadlineSchema). */
export async function workingDayDeadline(db: Executor, from: string, workingDays: number) {
  const calendar = await loadWorkingCalendar(db)
  const dueDate = addWorkingDays(localDateOf(new Date(from)), workingDays, calendar)
  return { from, workingDays, dueDate, dueAt: toLocalIso(endOfLocalDay(dueDate)) }
}
