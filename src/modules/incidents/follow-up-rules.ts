/**
 * Domain rules of a case's follow-ups: when one is due soon or overdue, and what is wrong with a date an
 * officer gives. Pure: every function takes `now` (or today's local date) as an argument.
 */
import { addDays, endOfLocalDay, localDateOf } from '../calendar/rules.js'

export const followUpKinds = ['home_visit', 'phone_call', 'school_visit', 'review'] as const

export const followUpStatuses = ['scheduled', 'completed', 'cancelled'] as const

/** What a visit or review came to; the details, if any, go in the sensitive outcome note. */
export const followUpOutcomes = ['no_concerns', 'concerns_found', 'escalated', 'not_reached'] as const

/** How far ahead a follow-up may be scheduled: a case plan is reviewed at least yearly. */
const furthestAheadDays = 366

/** The instant shown as a follow-up's deadline: the end of its due date, local time. */
export function followUpDueAt(dueDate: string): Date {
  return endOfLocalDay(dueDate)
}

export type FollowUpStanding = 'upcoming' | 'due_soon' | 'overdue'

/**
 * The latest due date that has passed at `now`: overdue means past the due instant, as for every task of
 * the task list, so that overdue tasks are exactly those due earliest.
 */
export function latestOverdueDate(now: Date): string {
  const today = localDateOf(now)
  return now.getTime() > followUpDueAt(today).getTime() ? today : addDays(today, -1)
}

/**
 * Where a scheduled follow-up stands: overdue once its due instant has passed, due soon from the start of
 * the day `dueSoonDays` before its due date, upcoming before that.
 */
export function followUpStanding(dueDate: string, now: Date, dueSoonDays: number): FollowUpStanding {
  if (dueDate <= latestOverdueDate(now)) return 'overdue'
  return localDateOf(now) >= addDays(dueDate, -dueSoonDays) ? 'due_soon' : 'upcoming'
}

export interface DateProblem {
  pointer: string
  message: string
  code: string
}

/** A due date to schedule for: from today, and within a year. */
export function dueDateProblems(dueDate: string, today: string): DateProblem[] {
  if (dueDate < today) return [{ pointer: '/dueDate', message: 'must not be before today', code: 'due_date_past' }]
  if (dueDate > addDays(today, furthestAheadDays))
    return [{ pointer: '/dueDate', message: `must be within ${furthestAheadDays} days`, code: 'due_date_too_far' }]
  return []
}

/** A new due date: a due date at all, and another than the one it replaces. */
export function rescheduleProblems(dueDate: string, current: string, today: string): DateProblem[] {
  if (dueDate === current) return [{ pointer: '/dueDate', message: 'is the current due date', code: 'same_due_date' }]
  return dueDateProblems(dueDate, today)
}

/** The day a follow-up took place: not in the future, and not before the case was received. */
export function completionProblems(completedOn: string, today: string, caseReceivedOn: string): DateProblem[] {
  if (completedOn > today)
    return [{ pointer: '/completedOn', message: 'must not be in the future', code: 'date_in_future' }]
  if (completedOn < caseReceivedOn)
    return [{ pointer: '/completedOn', message: 'must not be before the case was received', code: 'before_case' }]
  return []
}
