/**
 * Business time and the working-day calendar. Pure: every function takes its inputs, none reads a clock.
 * Vietnam has kept UTC+7 without daylight saving since 1975, so the business offset is a constant.
 */
const offsetMs = 7 * 60 * 60 * 1000
const dayMs = 24 * 60 * 60 * 1000

export interface WorkingCalendar {
  /** Public holidays and the weekdays off that make up a holiday break. */
  holidays: ReadonlySet<string>
  /** Weekend days worked in exchange for a swapped day off. */
  workingWeekendDays: ReadonlySet<string>
}

/** The calendar date (YYYY-MM-DD) in Asia/Ho_Chi_Minh at the given instant. */
export function localDateOf(instant: Date): string {
  return new Date(instant.getTime() + offsetMs).toISOString().slice(0, 10)
}

/** The instant a local calendar day begins (00:00 in Asia/Ho_Chi_Minh). */
export function startOfLocalDay(date: string): Date {
  return new Date(Date.parse(`${date}T00:00:00.000Z`) - offsetMs)
}

/** The last second of a due date, 23:59:59 local time, as the instant shown to users. */
export function endOfLocalDay(date: string): Date {
  return new Date(startOfLocalDay(addDays(date, 1)).getTime() - 1000)
}

/** True when `instant` falls on or before the due date, in local time (a whole day is allowed). */
export function isWithinDueDate(instant: Date, dueDate: string): boolean {
  return instant.getTime() < startOfLocalDay(addDays(dueDate, 1)).getTime()
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00.000Z`) + days * dayMs).toISOString().slice(0, 10)
}

/** 0 = Sunday … 6 = Saturday, for a calendar date. */
function weekdayOf(date: string): number {
  return new Date(`${date}T00:00:00.000Z`).getUTCDay()
}

export function isWorkingDay(date: string, calendar: WorkingCalendar): boolean {
  if (calendar.workingWeekendDays.has(date)) return true
  const weekday = weekdayOf(date)
  if (weekday === 0 || weekday === 6) return false
  return !calendar.holidays.has(date)
}

/** The n-th working day after `date` (the day itself is not counted). */
export function addWorkingDays(date: string, workingDays: number, calendar: WorkingCalendar): string {
  if (!Number.isInteger(workingDays) || workingDays < 0)
    throw new RangeError('workingDays must be a non-negative integer')
  let current = date
  let remaining = workingDays
  while (remaining > 0) {
    current = addDays(current, 1)
    if (isWorkingDay(current, calendar)) remaining--
  }
  return current
}

/**
 * A deadline of N working days from an instant (e.g. a plan "within 5 working days of receipt"):
 * the end, in local time, of the N-th working day after the local date of receipt.
 */
export function workingDaysDeadline(from: Date, workingDays: number, calendar: WorkingCalendar): Date {
  return endOfLocalDay(addWorkingDays(localDateOf(from), workingDays, calendar))
}

/** Formats an instant as RFC 3339 in business local time, e.g. 2024-05-15T23:59:59+07:00. */
export function toLocalIso(instant: Date): string {
  return `${new Date(instant.getTime() + offsetMs).toISOString().slice(0, 19)}+07:00`
}
