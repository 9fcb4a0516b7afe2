import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core'
import type { CriteriaSet } from './criteria-set-rules.js'

/**
 * Versioned criteria sets (Decision 06/QĐ-TTg and its corrections). A published version is never
 * changed: an assessment keeps the version it was scored with.
 */
export const criteriaSets = pgTable(
  'criteria_sets',
  {
    id: text('id').notNull(),
    version: integer('version').notNull(),
    definition: jsonb('definition').$type<CriteriaSet>().notNull(),
    publishedAt: timestamp('published_at', { withTimezone: true }).notNull(),
    publishedBy: text('published_by'),
    note: text('note'),
  },
  (t) => [primaryKey({ columns: [t.id, t.version] })],
)

export const assessmentStates = ['draft', 'submitted', 'appraised', 'decided'] as const

/** One ward's child-friendly self-assessment for one year, through appraisal to the decision. */
export const assessments = pgTable(
  'assessments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    provinceCode: text('province_code').notNull(),
    wardCode: text('ward_code').notNull(),
    residentialGroupCode: text('residential_group_code'),
    year: integer('year').notNull(),
    criteriaSetId: text('criteria_set_id').notNull(),
    criteriaSetVersion: integer('criteria_set_version').notNull(),
    category: text('category', { enum: ['urban_ward_central_city', 'other', 'disadvantaged'] }).notNull(),
    assessedOn: text('assessed_on').notNull(),
    /** The unit that recognises the ward, as configured on `assessedOn` (unit_categories). */
    recognisingUnitCode: text('recognising_unit_code'),
    /** Why an assessment was opened outside the criteria set's assessment years (null for a regular one). */
    extraordinaryReason: text('extraordinary_reason'),
    state: text('state', { enum: assessmentStates }).notNull().default('draft'),
    minutesReference: text('minutes_reference'),
    submittedAt: timestamp('submitted_at', { withTimezone: true }),
    submittedBy: text('submitted_by'),
    appraisedAt: timestamp('appraised_at', { withTimezone: true }),
    appraisedBy: text('appraised_by'),
    appraisalNote: text('appraisal_note'),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    decidedBy: text('decided_by'),
    recognised: boolean('recognised'),
    decisionNumber: text('decision_number'),
    decisionDate: text('decision_date'),
    decisionAuthority: text('decision_authority'),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    createdBy: text('created_by'),
  },
  (t) => [uniqueIndex('assessments_ward_year_key').on(t.wardCode, t.year), index('assessments_year_idx').on(t.year)],
)

export interface SubItemScore {
  code: string
  points: number
}

/** A criterion's score in an assessment, with evidence; district adjustments keep their reason. */
export const assessmentScores = pgTable(
  'assessment_scores',
  {
    assessmentId: uuid('assessment_id')
      .notNull()
      .references(() => assessments.id),
    provinceCode: text('province_code').notNull(),
    wardCode: text('ward_code').notNull(),
    residentialGroupCode: text('residential_group_code'),
    criterionCode: text('criterion_code').notNull(),
    points: integer('points').notNull(),
    subItems: jsonb('sub_items').$type<SubItemScore[]>().notNull(),
    evidenceNote: text('evidence_note'),
    attachments: jsonb('attachments').$type<{ name: string; reference: string }[]>().notNull(),
    /** The data-driven suggestion at scoring time, with its figures, when one exists. */
    suggestion: jsonb('suggestion').$type<Record<string, unknown>>(),
    overrideReason: text('override_reason'),
    adjustedByDistrict: boolean('adjusted_by_district').notNull().default(false),
    adjustmentReason: text('adjustment_reason'),
    wardPoints: integer('ward_points'),
    version: integer('version').notNull().default(1),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    updatedBy: text('updated_by'),
  },
  (t) => [primaryKey({ columns: [t.assessmentId, t.criterionCode] })],
)
