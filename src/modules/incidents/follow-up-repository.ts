import { and, asc, eq, isNotNull, isNull, lte, or, sql, type SQL } from 'drizzle-orm'
import type { Executor } from '../../db/client.js'
import { scopeCondition, type Scope } from '../../platform/scope.js'
import { addDays, endOfLocalDaySql, localDateOf } from '../calendar/rules.js'
import { latestOverdueDate } from './follow-up-rules.js'
import { roles, users } from '../users/tables.js'
import { afterPosition, type TaskPosition } from '../tasks/source.js'
import { followUps } from './follow-up-tables.js'
import { incidents } from './tables.js'

export type FollowUpRow = typeof followUps.$inferSelect

/** A follow-up with the name of its assignee, as the views show it. */
export interface FollowUpRecord {
  followUp: FollowUpRow
  assigneeName: string | null
}

function followUpInScope(scope: Scope): SQL {
  return scopeCondition(scope, { ward: followUps.wardCode, group: followUps.residentialGroupCode })
}

const recordColumns = { followUp: followUps, assigneeName: users.displayName }

export async function insertFollowUp(db: Executor, values: typeof followUps.$inferInsert): Promise<FollowUpRow> {
  const [row] = await db.insert(followUps).values(values).returning()
  return row!
}

/** One follow-up of a case in scope; locked for the transaction when it is to be changed. */
export async function getFollowUp(
  db: Executor,
  scope: Scope,
  ids: { incidentId: string; followUpId: string },
  options: { forUpdate?: boolean } = {},
): Promise<FollowUpRow | undefined> {
  const query = db
    .select()
    .from(followUps)
    .where(and(eq(followUps.id, ids.followUpId), eq(followUps.incidentId, ids.incidentId), followUpInScope(scope)))
  const [row] = await (options.forUpdate ? query.for('update') : query)
  return row
}

/** The follow-ups the support plan scheduled for a case that are not cancelled, locked for the plan's changes. */
export async function planFollowUps(db: Executor, scope: Scope, incidentId: string): Promise<FollowUpRow[]> {
  return db
    .select()
    .from(followUps)
    .where(and(eq(followUps.incidentId, incidentId), isNotNull(followUps.planActionKey), followUpInScope(scope)))
    .orderBy(asc(followUps.planActionKey), asc(followUps.createdAt), asc(followUps.id))
    .for('update')
}

export async function updateFollowUp(
  db: Executor,
  id: string,
  values: Partial<typeof followUps.$inferInsert>,
): Promise<FollowUpRow> {
  const [row] = await db
    .update(followUps)
    .set({ ...values, version: sql`${followUps.version} + 1` })
    .where(eq(followUps.id, id))
    .returning()
  return row!
}

export async function assigneeName(db: Executor, assigneeId: string | null): Promise<string | null> {
  if (!assigneeId) return null
  const [row] = await db.select({ name: users.displayName }).from(users).where(eq(users.id, assigneeId))
  return row?.name ?? null
}

/** A case's follow-ups in scope, by due date, after the (dueDate, id) key `after`. */
export async function listFollowUps(
  db: Executor,
  scope: Scope,
  incidentId: string,
  filter: { status?: FollowUpRow['status'] },
  page: { after?: [string, string]; limit: number },
): Promise<FollowUpRecord[]> {
  return db
    .select(recordColumns)
    .from(followUps)
    .leftJoin(users, eq(users.id, followUps.assigneeId))
    .where(
      and(
        eq(followUps.incidentId, incidentId),
        followUpInScope(scope),
        filter.status ? eq(followUps.status, filter.status) : undefined,
        page.after
          ? sql`(${followUps.dueDate}, ${followUps.id}) > (${page.after[0]}::date, ${page.after[1]}::uuid)`
          : undefined,
      ),
    )
    .orderBy(asc(followUps.dueDate), asc(followUps.id))
    .limit(page.limit)
}

/** An account that could be given a follow-up: whether it is an active person, its units and its role's permissions. */
export async function assigneeCandidate(db: Executor, userId: string) {
  const [row] = await db
    .select({
      active: users.active,
      units: users.units,
      grants: users.grants,
      permissions: roles.permissions,
      kind: roles.kind,
    })
    .from(users)
    .innerJoin(roles, eq(roles.code, users.role))
    .where(eq(users.id, userId))
  return row
}

/** The dedupe key of a follow-up's deadline event: once per follow-up and due date (a new date is a new promise). */
export function followUpEventKey(type: string, followUpId: string, dueDate: string): string {
  return `${type}:${followUpId}:${dueDate}`
}

/**
 * Scheduled follow-ups of open cases that are due soon or overdue and whose event for that standing is not
 * recorded yet, earliest first.
 */
export async function followUpsNeedingAlerts(db: Executor, now: Date, dueSoonDays: number, limit: number) {
  const overdueThrough = latestOverdueDate(now)
  return db
    .select({ followUp: followUps })
    .from(followUps)
    .innerJoin(incidents, eq(incidents.id, followUps.incidentId))
    .where(
      and(
        eq(followUps.status, 'scheduled'),
        eq(incidents.status, 'open'),
        lte(followUps.dueDate, addDays(localDateOf(now), dueSoonDays)),
        sql`not exists (select 1 from events e where e.dedupe_key =
              case when ${followUps.dueDate} <= ${overdueThrough}::date then 'follow_up.overdue:' else 'follow_up.due_soon:' end
              || ${followUps.id}::text || ':' || ${followUps.dueDate}::text)`,
      ),
    )
    .orderBy(asc(followUps.dueDate), asc(followUps.id))
    .limit(limit)
}

/**
 * The scheduled follow-ups of open cases in scope that are the user's: assigned to them, or to nobody;
 * those the support plan scheduled, or those scheduled by hand. Ordered by their due instant (the end of
 * the due date, local time) and id, after `after`.
 */
export async function followUpsForTasks(
  db: Executor,
  scope: Scope,
  userId: string,
  page: { kind: string; fromPlan: boolean; after?: TaskPosition; limit: number },
) {
  // The due instant is the end of the due date; the index orders by the date alone, which sorts alike.
  const dueAt = endOfLocalDaySql(followUps.dueDate)
  return db
    .select({ followUp: followUps })
    .from(followUps)
    .innerJoin(incidents, eq(incidents.id, followUps.incidentId))
    .where(
      and(
        eq(followUps.status, 'scheduled'),
        eq(incidents.status, 'open'),
        followUpInScope(scope),
        or(eq(followUps.assigneeId, userId), isNull(followUps.assigneeId)),
        page.fromPlan ? isNotNull(followUps.planActionKey) : isNull(followUps.planActionKey),
        afterPosition(page.kind, page.after, dueAt, followUps.id),
      ),
    )
    .orderBy(asc(followUps.dueDate), asc(followUps.id))
    .limit(page.limit)
}
