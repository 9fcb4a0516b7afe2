/** The working calendar as the routes serve it: a year's special days, the covered years, and working-day deadlines. */
import type { FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import type { Executor } from '../../db/client.js'
import { audit } from '../../platform/audit.js'
import { staleVersion } from '../../platform/concurrency.js'
import { bodyErrors, HttpProblem, notFound, unprocessable } from '../../platform/problem.js'
import { inScope, systemScope } from '../../platform/scope.js'
import { loadDeadlineRules, lockDeadlineRulesForChange } from '../incidents/repository.js'
import { followStepDeadlines } from './follow.js'
import {
  getCalendarYear,
  listCalendarDays,
  listCalendarYears,
  loadWorkingCalendar,
  lockCalendarYear,
  replaceCalendarYear,
  type CalendarDayRow,
} from './repository.js'
import {
  addWorkingDays,
  calendarYearProblems,
  endOfLocalDay,
  localDateOf,
  missingCalendarYears,
  toLocalIso,
} from './rules.js'
import type { PutCalendarYearBody } from './schemas.js'

/** The public holidays, days off and make-up working days of a year, in date order (CalendarDayListSchema: never paged). */
export async function calendarYear(db: Executor, year: number) {
  return { items: await listCalendarDays(db, `${year}-01-01`, `${year}-12-31`), nextCursor: null }
}

/** The years the calendar covers (CalendarYearListSchema: never paged). */
export async function calendarYears(db: Executor) {
  const rows = await listCalendarYears(db)
  return { items: rows.map((row) => ({ ...row, updatedAt: row.updatedAt.toISOString() })), nextCursor: null }
}

/** One covered year with its days (CalendarYearSchema); 404 when the calendar does not cover it. */
export async function calendarYearDetail(db: Executor, year: number) {
  const row = await getCalendarYear(db, year)
  if (!row) throw notFound('Calendar year', String(year))
  const days = await listCalendarDays(db, `${year}-01-01`, `${year}-12-31`)
  return { ...row, updatedAt: row.updatedAt.toISOString(), days }
}

/**
 * Sets a year's calendar (every special day) as an administrator: If-Match is required when the year is
 * covered (its version), and must be absent when it is new. Step deadlines are computed on read from the
 * calendar, and the next-step deadline stored on each open incident is recomputed in the same transaction;
 * the change is audited.
 */
export async function putCalendarYear(
  request: FastifyRequest,
  year: number,
  body: Static<typeof PutCalendarYearBody>,
  expectedVersion: number | undefined,
) {
  const problems = calendarYearProblems(year, body.days)
  if (problems.length > 0)
    throw unprocessable('invalid_calendar_year', 'The calendar year cannot be saved.', bodyErrors(problems))
  const principal = request.principal!
  const days: CalendarDayRow[] = body.days
    .map((day) => ({ ...day, confirmed: day.confirmed ?? true }))
    .sort((a, b) => a.date.localeCompare(b.date))
  const now = request.server.clock.now()
  // Under the system scope: the stored deadlines of every ward's open incidents follow in this transaction.
  await inScope(request.server.database.db, systemScope, async (tx) => {
    await lockCalendarYear(tx, year)
    await lockDeadlineRulesForChange(tx)
    const current = await getCalendarYear(tx, year)
    if (current && expectedVersion === undefined) {
      throw new HttpProblem(428, 'precondition_required', 'Send If-Match with the ETag of the year you are changing.')
    }
    if (current && current.version !== expectedVersion) throw staleVersion(current.version)
    if (!current && expectedVersion !== undefined) {
      throw new HttpProblem(
        412,
        'version_mismatch',
        `The calendar does not cover ${year} yet; send no If-Match to add it.`,
      )
    }
    const before = current ? await listCalendarDays(tx, `${year}-01-01`, `${year}-12-31`) : []
    const saved = await replaceCalendarYear(tx, year, days, principal.name, now)
    const incidentsRescheduled = await followStepDeadlines(tx, await loadDeadlineRules(tx), now)
    await audit(tx, request, {
      action: current ? 'calendar_year.update' : 'calendar_year.create',
      resourceType: 'calendar_year',
      resourceId: String(year),
      outcome: 'success',
      details: { version: saved.version, ...dayChanges(before, days), incidentsRescheduled },
    })
  })
  return calendarYearDetail(request.server.database.db, year)
}

/** The dates added, removed and changed by a replacement, for the audit record. */
function dayChanges(before: readonly CalendarDayRow[], after: readonly CalendarDayRow[]) {
  const content = (day: CalendarDayRow) => [day.kind, day.nameVi, day.nameEn, day.confirmed, day.legalBasis].join('|')
  const old = new Map(before.map((day) => [day.date, content(day)]))
  const next = new Map(after.map((day) => [day.date, content(day)]))
  return {
    added: [...next.keys()].filter((date) => !old.has(date)),
    removed: [...old.keys()].filter((date) => !next.has(date)),
    changed: [...next.keys()].filter((date) => old.has(date) && old.get(date) !== next.get(date)),
  }
}

/** The end of the `workingDays`-th working day after the instant `from` (DeadlineSchema). */
export async function workingDayDeadline(db: Executor, from: string, workingDays: number) {
  const calendar = await loadWorkingCalendar(db)
  const fromDate = localDateOf(new Date(from))
  const dueDate = addWorkingDays(fromDate, workingDays, calendar)
  const missingYears = missingCalendarYears(fromDate, dueDate, calendar)
  return {
    from,
    workingDays,
    dueDate,
    dueAt: toLocalIso(endOfLocalDay(dueDate)),
    calendarMissing: missingYears.length > 0,
    missingYears,
  }
}
