import { date, integer, jsonb, numeric, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core'

/** Indicator definitions as versioned data (code, names, kind, numerator/denominator, breakdowns). */
export const indicatorDefinitions = pgTable(
  'indicator_definitions',
  {
    code: text('code').notNull(),
    version: integer('version').notNull(),
    definition: jsonb('definition').$type<Record<string, unknown>>().notNull(),
    publishedAt: timestamp('published_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.code, t.version] })],
)

/** The plan's targets per year: comparator and value (≥ 90 %, = 100 %, = 0, 14 of 14). */
export const planTargets = pgTable(
  'plan_targets',
  {
    planYear: integer('plan_year').notNull(),
    indicatorCode: text('indicator_code').notNull(),
    comparator: text('comparator', { enum: ['>=', '<=', '=', '<', '>'] }).notNull(),
    value: numeric('value', { mode: 'number' }).notNull(),
    unit: text('unit', { enum: ['percent', 'count', 'wards'] }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    updatedBy: text('updated_by'),
  },
  (t) => [primaryKey({ columns: [t.planYear, t.indicatorCode] })],
)

/** Reporting periods as data: the ward plan, 6-month, 9-month and annual reports of each year. */
export const reportingPeriods = pgTable('reporting_periods', {
  code: text('code').primaryKey(),
  year: integer('year').notNull(),
  kind: text('kind', { enum: ['ward_plan', 'six_month', 'nine_month', 'annual'] }).notNull(),
  dueDate: date('due_date', { mode: 'string' }).notNull(),
  windowFrom: date('window_from', { mode: 'string' }).notNull(),
  windowTo: date('window_to', { mode: 'string' }).notNull(),
})
