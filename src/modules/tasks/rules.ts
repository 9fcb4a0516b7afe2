/** The order of the task list. Pure. */
import type { Task } from './source.js'

export interface JudgedTask extends Task {
  overdue: boolean
}

/**
 * Overdue first, then by due instant; ties by kind and id, so that the order is total and a page ends
 * where the next begins.
 */
export function compareTasks(a: JudgedTask, b: JudgedTask): number {
  if (a.overdue !== b.overdue) return a.overdue ? -1 : 1
  return (
    a.dueAt.getTime() - b.dueAt.getTime() ||
    (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  )
}

/**
 * The sources' lists together, judged at `now` and in urgency order, the first `limit`. A task is overdue
 * once its due instant has passed, so "overdue first" never contradicts the due order the sources page by.
 */
export function byUrgency(lists: readonly (readonly Task[])[], now: Date, limit: number): JudgedTask[] {
  return lists
    .flat()
    .map((task) => ({ ...task, overdue: now.getTime() > task.dueAt.getTime() }))
    .sort(compareTasks)
    .slice(0, limit)
}
