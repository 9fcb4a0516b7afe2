/**
 * The task-source interface: each kind of work an officer can owe (a case step, a follow-up, a support-plan
 * action, a referral awaiting an answer) is a source that lists the caller's tasks of its kind in due order.
 * The task list (`GET /v1/me/tasks`) merges the registered sources (sources.ts).
 */
import { sql, type Column, type SQL } from 'drizzle-orm'
import type { Work } from '../../platform/work.js'

/** One thing the caller is to do, by a due instant; never carries sensitive case details. */
export interface Task {
  /** The source's kind. */
  kind: string
  /** The record the task is about (the case for a step, the follow-up for a follow-up). */
  id: string
  /** What is to be done, as a code of the source (the step, the kind of visit). */
  subject: string
  /** A short label of the task; no names, notes or narratives. */
  label: string
  dueAt: Date
  incidentId: string
  wardCode: string
  /** The path of the resource to act on. */
  link: string
}

/** Where a page of the list ended: the last task's due instant, kind and id. */
export interface TaskPosition {
  dueAt: Date
  kind: string
  id: string
}

export interface TaskSource {
  /** Unique among the sources; shown as the task's `kind`. */
  kind: string
  /** For the contract and docs/casework.md: what a task of this kind is and when it is the caller's. */
  description: string
  /**
   * The caller's tasks of this kind (in `work.scope`, for `work.principal`) that come after `after` in
   * the list's order (due instant, kind, id), in that order, at most `limit`.
   */
  list(work: Work, page: { after?: TaskPosition; limit: number }): Promise<Task[]>
}

/**
 * The condition a source adds to its query for the tasks after `after` in the list's order, given its
 * due-instant expression and id column: the tasks of one source share a kind, so the kind decides ties
 * of the due instant between sources.
 */
export function afterPosition(kind: string, after: TaskPosition | undefined, dueAt: SQL, id: Column): SQL | undefined {
  if (!after) return undefined
  const instant = sql`${after.dueAt.toISOString()}::timestamptz`
  if (kind < after.kind) return sql`${dueAt} > ${instant}`
  if (kind > after.kind) return sql`${dueAt} >= ${instant}`
  return sql`(${dueAt}, ${id}) > (${instant}, ${after.id}::uuid)`
}
