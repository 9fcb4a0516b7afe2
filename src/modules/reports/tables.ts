import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'

export const reportStates = ['draft', 'submitted', 'approved', 'returned'] as const

/**
 * A periodic report of a ward (or the district's consolidation) for one reporting period. Creating it
 * freezes the indicator values as a snapshot; submissions are stamped by the server clock.
 */
export const reports = pgTable(
  'reports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    provinceCode: text('province_code').notNull(),
    wardCode: text('ward_code').notNull(),
    residentialGroupCode: text('residential_group_code'),
    /** The reporting unit: a ward, or the district/province unit for a consolidated report. */
    unitCode: text('unit_code').notNull(),
    level: text('level', { enum: ['ward', 'district', 'province', 'ward_group'] }).notNull(),
    periodCode: text('period_code').notNull(),
    state: text('state', { enum: reportStates }).notNull().default('draft'),
    snapshot: jsonb('snapshot').$type<Record<string, unknown>>().notNull(),
    sections: jsonb('sections').$type<{ key: string; title: string; text: string }[]>().notNull(),
    submittedAt: timestamp('submitted_at', { withTimezone: true }),
    submittedBy: text('submitted_by'),
    firstSubmittedAt: timestamp('first_submitted_at', { withTimezone: true }),
    timeliness: text('timeliness', { enum: ['on_time', 'late'] }),
    reviewedAt: timestamp('reviewed_at', { withTimezone: true }),
    reviewedBy: text('reviewed_by'),
    reviewComments: text('review_comments'),
    submissionCount: integer('submission_count').notNull().default(0),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    createdBy: text('created_by'),
  },
  (t) => [
    uniqueIndex('reports_unit_period_key').on(t.unitCode, t.periodCode),
    index('reports_period_idx').on(t.periodCode, t.state),
  ],
)

/** Every submission of a report as it was submitted (versions kept through returns and resubmissions). */
export const reportSubmissions = pgTable(
  'report_submissions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    reportId: uuid('report_id')
      .notNull()
      .references(() => reports.id),
    provinceCode: text('province_code').notNull(),
    wardCode: text('ward_code').notNull(),
    residentialGroupCode: text('residential_group_code'),
    number: integer('number').notNull(),
    snapshot: jsonb('snapshot').$type<Record<string, unknown>>().notNull(),
    sections: jsonb('sections').$type<{ key: string; title: string; text: string }[]>().notNull(),
    submittedAt: timestamp('submitted_at', { withTimezone: true }).notNull(),
    submittedBy: text('submitted_by'),
    outcome: text('outcome', { enum: ['pending', 'approved', 'returned'] })
      .notNull()
      .default('pending'),
    reviewComments: text('review_comments'),
  },
  (t) => [uniqueIndex('report_submissions_number_key').on(t.reportId, t.number)],
)
