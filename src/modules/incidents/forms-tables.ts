import { bigserial, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { formKinds, type FieldChange } from './forms-rules.js'
import { incidents } from './tables.js'

export const formStatuses = ['recorded', 'draft', 'submitted', 'approved'] as const

/**
 * The content of a case step (Decree 56): one current form of each kind per incident, versioned, with
 * the incident's place for row-level security. Forms the chair approves carry their submission and approval,
 * each naming the version it was given for.
 */
export const caseForms = pgTable(
  'case_forms',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    incidentId: uuid('incident_id')
      .notNull()
      .references(() => incidents.id),
    provinceCode: text('province_code').notNull(),
    wardCode: text('ward_code').notNull(),
    residentialGroupCode: text('residential_group_code'),
    kind: text('kind', { enum: formKinds }).notNull(),
    content: jsonb('content').$type<Record<string, unknown>>().notNull(),
    status: text('status', { enum: formStatuses }).notNull(),
    submittedAt: timestamp('submitted_at', { withTimezone: true }),
    submittedByName: text('submitted_by_name'),
    submittedVersion: integer('submitted_version'),
    approvedAt: timestamp('approved_at', { withTimezone: true }),
    approvedById: text('approved_by_id'),
    approvedByName: text('approved_by_name'),
    approvedVersion: integer('approved_version'),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    updatedById: text('updated_by_id'),
    updatedByName: text('updated_by_name'),
  },
  (t) => [uniqueIndex('case_forms_incident_kind_idx').on(t.incidentId, t.kind)],
)

export const formActions = ['create', 'update', 'submit', 'approve'] as const

/** Every version of a form: who wrote it when, and which members changed (old → new). Append-only. */
export const caseFormRevisions = pgTable(
  'case_form_revisions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    formId: uuid('form_id')
      .notNull()
      .references(() => caseForms.id),
    incidentId: uuid('incident_id')
      .notNull()
      .references(() => incidents.id),
    provinceCode: text('province_code').notNull(),
    wardCode: text('ward_code').notNull(),
    residentialGroupCode: text('residential_group_code'),
    kind: text('kind', { enum: formKinds }).notNull(),
    version: integer('version').notNull(),
    action: text('action', { enum: formActions }).notNull(),
    changes: jsonb('changes').$type<FieldChange[]>().notNull(),
    changedAt: timestamp('changed_at', { withTimezone: true }).notNull(),
    actorId: text('actor_id'),
    actorName: text('actor_name'),
    requestId: text('request_id'),
  },
  (t) => [index('case_form_revisions_form_idx').on(t.formId, t.id)],
)
