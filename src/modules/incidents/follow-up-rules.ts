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

/** What the approved support plan says of one action's follow-up: its key, due date and officer (or none). */
export interface PlannedFollowUp {
  key: string
  dueOn: string
  assigneeId: string | null
}

/** A follow-up the plan scheduled, with what the plan last set it to. */
export interface PlanFollowUpState {
  id: string
  key: string
  status: (typeof followUpStatuses)[number]
  dueDate: string
  assigneeId: string | null
  planDueOn: string
  planAssigneeId: string | null
  /** Cancelled because a revision dropped its action, not by the ward. */
  cancelledByPlan: boolean
}

export type PlanFollowUpChange =
  | { change: 'schedule'; action: PlannedFollowUp }
  | { change: 'update'; id: string; action: PlannedFollowUp; set: { dueDate?: string; assigneeId?: string | null } }
  | { change: 'cancel'; id: string; key: string }

/**
 * What approving a plan does to the follow-ups of its actions. An action without a follow-up gets one; a
 * scheduled follow-up takes what the plan changed since it last set it (the due date, the officer) and keeps
 * what the ward changed by hand; one whose action has left the plan is cancelled. A completed follow-up is
 * done with, whatever the plan now says. One the ward cancelled stays cancelled until the plan changes its
 * action's due date or officer; one the plan cancelled comes back with its action. `existing` may hold
 * several follow-ups of one action (cancelled ones, then the live one), oldest first: the live one, else
 * the latest, is the action's.
 */
export function planFollowUpChanges(
  actions: readonly PlannedFollowUp[],
  existing: readonly PlanFollowUpState[],
): PlanFollowUpChange[] {
  const byKey = new Map<string, PlanFollowUpState>()
  for (const followUp of existing) {
    const held = byKey.get(followUp.key)
    if (!held || held.status === 'cancelled') byKey.set(followUp.key, followUp)
  }
  const changes: PlanFollowUpChange[] = []
  for (const action of actions) {
    const current = byKey.get(action.key)
    const newDate = current !== undefined && current.planDueOn !== action.dueOn
    const newOfficer = current !== undefined && current.planAssigneeId !== action.assigneeId
    if (!current || (current.status === 'cancelled' && (current.cancelledByPlan || newDate || newOfficer))) {
      changes.push({ change: 'schedule', action })
      continue
    }
    if (current.status !== 'scheduled' || (!newDate && !newOfficer)) continue
    changes.push({
      change: 'update',
      id: current.id,
      action,
      set: {
        ...(newDate && current.dueDate !== action.dueOn ? { dueDate: action.dueOn } : {}),
        ...(newOfficer && current.assigneeId !== action.assigneeId ? { assigneeId: action.assigneeId } : {}),
      },
    })
  }
  const planned = new Set(actions.map((action) => action.key))
  for (const followUp of byKey.values())
    if (followUp.status === 'scheduled' && !planned.has(followUp.key))
      changes.push({ change: 'cancel', id: followUp.id, key: followUp.key })
  return changes
}
