import { sql } from 'drizzle-orm'
import { bigserial, boolean, date, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import type { Static } from 'typebox'
import type { CaseStepRule } from '../../reference/index.js'
import { children } from '../children/tables.js'
import {
  caseSteps,
  channels,
  incidentKinds,
  incidentSettings,
  injuryOutcomes,
  timePrecisions,
  type IncidentKind,
} from './rules.js'

/**
 * An incident of abuse or violation of a child's rights, with the 24-hour written-report duty. The due
 * instant and its basis are computed by the server from occurredAt/detectedAt, never accepted.
 */
export const incidents = pgTable(
  'incidents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    provinceCode: text('province_code').notNull(),
    wardCode: text('ward_code').notNull(),
    residentialGroupCode: text('residential_group_code'),
    kind: text('kind', { enum: incidentKinds }).notNull(),
    subKind: text('sub_kind'),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    occurredAtPrecision: text('occurred_at_precision', { enum: timePrecisions }).notNull(),
    detectedAt: timestamp('detected_at', { withTimezone: true }).notNull(),
    channel: text('channel', { enum: channels }).notNull(),
    phoneReportedAt: timestamp('phone_reported_at', { withTimezone: true }),
    emergency: boolean('emergency').notNull().default(false),
    /** Sensitive: only for incidents:sensitive. */
    narrative: text('narrative'),
    perpetratorRelation: text('perpetrator_relation'),
    /** Where the abuse took place (the Circular 13 breakdown); null when not recorded. */
    setting: text('setting', { enum: incidentSettings }),
    injuryOutcome: text('injury_outcome', { enum: injuryOutcomes }),
    /** Whether the 24-hour written-report duty covers it: the case rules in force when it was received, for its kind. */
    writtenReportRequired: boolean('written_report_required').notNull(),
    writtenReportDueAt: timestamp('written_report_due_at', { withTimezone: true }).notNull(),
    writtenReportBasis: text('written_report_basis', { enum: ['occurred', 'detected'] }).notNull(),
    writtenReportSubmittedAt: timestamp('written_report_submitted_at', { withTimezone: true }),
    writtenReportLateReason: text('written_report_late_reason'),
    writtenReportBy: text('written_report_by'),
    /** When the case was received (Decree 56 receipt step); deadlines of the case steps run from it. */
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    /** The earliest deadline among the case steps that may come next (kept on every step), for sweeps and filters. */
    nextStep: text('next_step', { enum: caseSteps }),
    nextStepDueAt: timestamp('next_step_due_at', { withTimezone: true }),
    status: text('status', { enum: ['open', 'closed'] })
      .notNull()
      .default('open'),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    closureReason: text('closure_reason'),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    createdBy: text('created_by'),
    updatedBy: text('updated_by'),
  },
  (t) => [
    index('incidents_ward_occurred_idx').on(t.wardCode, t.occurredAt),
    index('incidents_due_idx')
      .on(t.writtenReportDueAt)
      .where(sql`written_report_submitted_at is null`),
    index('incidents_kind_idx').on(t.kind, t.occurredAt),
    index('incidents_next_step_idx')
      .on(t.nextStepDueAt)
      .where(sql`status = 'open'`),
    index('incidents_received_idx').on(t.receivedAt),
    index('incidents_closed_idx')
      .on(t.closedAt)
      .where(sql`closed_at is not null`),
  ],
)

/** The children involved: a registry child, or minimal details of a child not (yet) registered. */
export const incidentChildren = pgTable(
  'incident_children',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    incidentId: uuid('incident_id')
      .notNull()
      .references(() => incidents.id),
    provinceCode: text('province_code').notNull(),
    wardCode: text('ward_code').notNull(),
    residentialGroupCode: text('residential_group_code'),
    childId: uuid('child_id').references(() => children.id),
    /** Sensitive identity of an unregistered child: name, date of birth or estimated age, sex. */
    unregistered: jsonb('unregistered').$type<{
      fullName?: string
      dateOfBirth?: string
      estimatedAgeYears?: number
      sex?: string
    }>(),
    sex: text('sex'),
    ageYears: integer('age_years'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('incident_children_incident_idx').on(t.incidentId), index('incident_children_child_idx').on(t.childId)],
)

/** The Decree 56 steps recorded for a case, each with its time and actor. */
export const incidentSteps = pgTable(
  'incident_steps',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    incidentId: uuid('incident_id')
      .notNull()
      .references(() => incidents.id),
    provinceCode: text('province_code').notNull(),
    wardCode: text('ward_code').notNull(),
    residentialGroupCode: text('residential_group_code'),
    step: text('step', { enum: caseSteps }).notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    dueAt: timestamp('due_at', { withTimezone: true }),
    note: text('note'),
    actorId: text('actor_id'),
    actorName: text('actor_name'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('incident_steps_incident_idx').on(t.incidentId, t.at),
    index('incident_steps_support_plan_idx')
      .on(t.incidentId, t.at, t.wardCode, t.residentialGroupCode)
      .where(sql`step = 'support_plan'`),
  ],
)

/** Changes to an incident after the fact (e.g. occurredAt after the written report), with the reason. */
export const incidentRevisions = pgTable(
  'incident_revisions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    incidentId: uuid('incident_id')
      .notNull()
      .references(() => incidents.id),
    provinceCode: text('province_code').notNull(),
    wardCode: text('ward_code').notNull(),
    residentialGroupCode: text('residential_group_code'),
    version: integer('version').notNull(),
    changes: jsonb('changes').$type<{ field: string; from: unknown; to: unknown }[]>().notNull(),
    reason: text('reason'),
    complianceBefore: text('compliance_before'),
    complianceAfter: text('compliance_after'),
    changedAt: timestamp('changed_at', { withTimezone: true }).notNull(),
    actorId: text('actor_id'),
    actorName: text('actor_name'),
  },
  (t) => [index('incident_revisions_incident_idx').on(t.incidentId, t.id)],
)

/**
 * The versions of the Decree 56 step deadlines (src/reference/case-step-rules.json, or an administrator's
 * correction): a case is held to the version in force on the day it was received.
 */
export const caseStepRuleVersions = pgTable('case_step_rule_versions', {
  version: integer('version').primaryKey(),
  effectiveFrom: date('effective_from', { mode: 'string' }).notNull(),
  legalBasis: text('legal_basis').notNull(),
  rules: jsonb('rules').$type<Static<typeof CaseStepRule>[]>().notNull(),
  writtenReportKinds: text('written_report_kinds').array().$type<IncidentKind[]>().notNull(),
  source: text('source', { enum: ['reference', 'admin'] }).notNull(),
  note: text('note'),
  publishedAt: timestamp('published_at', { withTimezone: true }).notNull(),
  publishedBy: text('published_by'),
})
