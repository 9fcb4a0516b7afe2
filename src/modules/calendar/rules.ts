/**
 * Business time and the working-day calendar. Pure: every function takes its inputs, none reads a clock.
 * Vietnam has kept UTC+7 without daylight saving since 1975, so the business offset is a constant.
 */
import { sql, type Column, type SQL } from 'drizzle-orm'

const offsetMs = 7 * 60 * 60 * 1000
const dayMs = 24 * 60 * 60 * 1000

export interface WorkingCalendar {
  /** Public holidays and the weekdays off that make up a holiday break. */
  holidays: ReadonlySet<string>
  /** Weekend days worked in exchange for a swapped day off. */
  workingWeekendDays: ReadonlySet<string>
  /** The years the calendar holds; absent means every year counts as covered. */
  coveredYears?: ReadonlySet<number>
}

/** The calendar date (YYYY-MM-DD) in Asia/Ho_Chi_Minh at the given instant. */
export function localDateOf(instant: Date): string {
  return new Date(instant.getTime() + offsetMs).toISOString().slice(0, 10)
}

/**
 * The local calendar day of an instant as a number (days since 1 January 1970 in Asia/Ho_Chi_Minh): the same day
 * as `localDateOf`, for code that tells many instants' days apart without formatting each.
 */
export function localDayNumber(instant: Date): number {
  return Math.floor((instant.getTime() + offsetMs) / dayMs)
}

/** The instant a local calendar day begins (00:00 in Asia/Ho_Chi_Minh). */
export function startOfLocalDay(date: string): Date {
  return new Date(Date.parse(`${date}T00:00:00.000Z`) - offsetMs)
}

/** The last second of a due date, 23:59:59 local time, as the instant shown to users. */
export function endOfLocalDay(date: string): Date {
  return new Date(startOfLocalDay(addDays(date, 1)).getTime() - 1000)
}

/**
 * `endOfLocalDay` in SQL, for a `date` column or expression, so that a query orders and pages by the same
 * instant the API shows.
 */
export function endOfLocalDaySql(date: Column | SQL): SQL {
  return sql`((${date} + 1)::timestamp at time zone 'UTC' - ${sql.raw(`interval '${offsetMs / 1000 + 1} seconds'`)})`
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

/**
 * Working-day sums already counted, per calendar (a calendar is read-only once loaded, and is kept under its
 * stamp): every incident written or shown counts the same few deadlines from the same few days.
 */
const countedWorkingDays = new WeakMap<WorkingCalendar, Map<string, string>>()
const workingDaySumsKept = 4096

/** The n-th working day after `date` (the day itself is not counted). */
export function addWorkingDays(date: string, workingDays: number, calendar: WorkingCalendar): string {
  if (!Number.isInteger(workingDays) || workingDays < 0)
    throw new RangeError('workingDays must be a non-negative integer')
  let counted = countedWorkingDays.get(calendar)
  if (!counted) countedWorkingDays.set(calendar, (counted = new Map<string, string>()))
  const key = `${date}+${workingDays}`
  const known = counted.get(key)
  if (known) return known
  let current = date
  let remaining = workingDays
  while (remaining > 0) {
    current = addDays(current, 1)
    if (isWorkingDay(current, calendar)) remaining--
  }
  if (counted.size >= workingDaySumsKept) counted.clear()
  counted.set(key, current)
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

/**
 * The years a deadline runs through (the days after `from` up to `due`, or `due` itself) that the calendar
 * does not cover: there, only weekends were skipped, so the deadline carries `calendarMissing`.
 */
export function missingCalendarYears(from: string, due: string, calendar: WorkingCalendar): number[] {
  const covered = calendar.coveredYears
  if (!covered) return []
  const last = Number(due.slice(0, 4))
  const first = Math.min(Number(addDays(from, 1).slice(0, 4)), last)
  const missing: number[] = []
  for (let year = first; year <= last; year++) if (!covered.has(year)) missing.push(year)
  return missing
}

/** How long before the working calendar runs out its readers are warned. */
const calendarWarningDays = 60

/**
 * When the working calendar runs out: the last day of the run of covered years from today's, the first
 * year after it, and the days left (negative once past; today's own year uncovered: it ran out the day
 * before 1 January). Null while more than `warnDays` are left.
 */
export function calendarRunsOut(
  coveredYears: ReadonlySet<number>,
  today: string,
  warnDays = calendarWarningDays,
): { year: number; coveredUntil: string; daysLeft: number } | null {
  let year = Number(today.slice(0, 4))
  while (coveredYears.has(year)) year++
  const coveredUntil = addDays(`${year}-01-01`, -1)
  const daysLeft = Math.round((Date.parse(coveredUntil) - Date.parse(today)) / 86_400_000)
  return daysLeft <= warnDays ? { year, coveredUntil, daysLeft } : null
}

export interface CalendarDayEntry {
  date: string
  kind: 'holiday' | 'day_off' | 'working_day'
}

function isRealDate(date: string): boolean {
  const time = Date.parse(`${date}T00:00:00.000Z`)
  return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === date
}

/** The dates Labour Code 2019 Art. 112(1) fixes in the solar calendar: every year's calendar holds them as holidays. */
const fixedHolidays = ['01-01', '04-30', '05-01', '09-02']

/** What is wrong with a year's list of special days, as body field problems (empty when it can be saved). */
export function calendarYearProblems(
  year: number,
  days: readonly CalendarDayEntry[],
): { pointer: string; message: string; code: string }[] {
  const problems: { pointer: string; message: string; code: string }[] = []
  const seen = new Set<string>()
  days.forEach((day, index) => {
    const pointer = `/days/${index}/date`
    const weekday = weekdayOf(day.date)
    const weekend = weekday === 0 || weekday === 6
    if (!day.date.startsWith(`${year}-`) || !isRealDate(day.date))
      problems.push({ pointer, message: `is not a date of ${year}`, code: 'outside_year' })
    else if (seen.has(day.date)) problems.push({ pointer, message: 'is listed twice', code: 'duplicate_date' })
    else if (day.kind === 'working_day' && !weekend)
      problems.push({
        pointer,
        message: 'a make-up working day must be a Saturday or Sunday',
        code: 'not_a_weekend_day',
      })
    else if (day.kind === 'day_off' && weekend)
      problems.push({
        pointer,
        message: 'a day off must be a weekday (a weekend day is off anyway)',
        code: 'not_a_weekday',
      })
    seen.add(day.date)
  })
  for (const monthDay of fixedHolidays) {
    const date = `${year}-${monthDay}`
    if (!days.some((day) => day.date === date && day.kind === 'holiday'))
      problems.push({
        pointer: '/days',
        message: `must hold ${date} as a holiday (Labour Code 2019 Art. 112)`,
        code: 'missing_fixed_holiday',
      })
  }
  return problems
}
