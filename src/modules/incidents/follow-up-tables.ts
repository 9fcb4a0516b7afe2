import { sql } from 'drizzle-orm'
import { boolean, date, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { users } from '../users/tables.js'
import { followUpKinds, followUpOutcomes, followUpStatuses } from './follow-up-rules.js'
import { incidents } from './tables.js'

/**
 * A scheduled visit or review of a case, due on a local day (Asia/Ho_Chi_Minh) and assigned to an officer
 * of the case's ward. It carries the case's place for row-level security and follows it when re-homed.
 * One scheduled by the approved support plan names the plan's action, the plan version that last set it,
 * and the due date and officer the plan gave it (follow-up-plan.ts).
 */
export const followUps = pgTable(
  'follow_ups',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    incidentId: uuid('incident_id')
      .notNull()
      .references(() => incidents.id),
    provinceCode: text('province_code').notNull(),
    wardCode: text('ward_code').notNull(),
    residentialGroupCode: text('residential_group_code'),
    kind: text('kind', { enum: followUpKinds }).notNull(),
    dueDate: date('due_date', { mode: 'string' }).notNull(),
    assigneeId: uuid('assignee_id').references(() => users.id),
    /** Sensitive: only for incidents:sensitive. */
    note: text('note'),
    status: text('status', { enum: followUpStatuses }).notNull().default('scheduled'),
    outcome: text('outcome', { enum: followUpOutcomes }),
    /** Sensitive: only for incidents:sensitive. */
    outcomeNote: text('outcome_note'),
    completedOn: date('completed_on', { mode: 'string' }),
    rescheduleCount: integer('reschedule_count').notNull().default(0),
    rescheduleReason: text('reschedule_reason'),
    cancelReason: text('cancel_reason'),
    planActionKey: text('plan_action_key'),
    planVersion: integer('plan_version'),
    planDueOn: date('plan_due_on', { mode: 'string' }),
    planAssigneeId: uuid('plan_assignee_id').references(() => users.id),
    cancelledByPlan: boolean('cancelled_by_plan').notNull().default(false),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    createdBy: text('created_by'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    updatedBy: text('updated_by'),
  },
  (t) => [
    index('follow_ups_incident_idx').on(t.incidentId, t.dueDate),
    index('follow_ups_scheduled_due_idx')
      .on(t.dueDate)
      .where(sql`status = 'scheduled'`),
    index('follow_ups_scheduled_assignee_idx')
      .on(t.assigneeId, t.dueDate)
      .where(sql`status = 'scheduled'`),
    uniqueIndex('follow_ups_plan_action_idx')
      .on(t.incidentId, t.planActionKey)
      .where(sql`plan_action_key is not null and status <> 'cancelled'`),
  ],
)
