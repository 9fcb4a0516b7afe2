import { sql } from 'drizzle-orm'
import {
  boolean,
  date,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core'
import { dateMultirange } from '../../db/types.js'

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

/**
 * Children counted by ward, sex, birth date, the date they stopped being active, and the dates of
 * their health insurance, special-circumstance memberships and care (migration 0015). Written only by
 * the triggers on the registry's tables and by the settling function, never by the application role
 * (which may only read them, under row-level security by ward); the indicators read them instead of
 * the children. Unsettled rows are deltas waiting to be folded into one settled row per key.
 *
 * The children's own coverage columns (card_coverage, membership_coverage, care_coverage) are kept by
 * the same triggers and are not declared on the children table: the application role may not write
 * them, and an INSERT built from the declaration would name them.
 */
export const registryTallies = pgTable(
  'registry_tallies',
  {
    wardCode: text('ward_code').notNull(),
    sex: text('sex').notNull(),
    birthDate: date('birth_date', { mode: 'string' }),
    /** status_date of a child no longer active ('-infinity' when that date is unknown); null while active. */
    inactiveSince: date('inactive_since', { mode: 'string' }),
    cardCoverage: dateMultirange('card_coverage').notNull(),
    membershipCoverage: dateMultirange('membership_coverage').notNull(),
    careCoverage: dateMultirange('care_coverage').notNull(),
    children: integer('children').notNull(),
    settled: boolean('settled').notNull().default(false),
  },
  (t) => [
    uniqueIndex('registry_tallies_settled_key')
      .on(t.wardCode, t.sex, t.birthDate, t.inactiveSince, t.cardCoverage, t.membershipCoverage, t.careCoverage)
      .where(sql`settled`),
  ],
)

/**
 * What callers from whom small counts are withheld were shown of a closed period, per indicator (migration
 * 0042, 0043, 0044): the figures after disclosure control, every breakdown they may ask for included. Only ever added to.
 */
export const publishedIndicatorTables = pgTable(
  'published_indicator_tables',
  {
    planYear: integer('plan_year').notNull(),
    asOf: date('as_of', { mode: 'string' }).notNull(),
    unitCode: text('unit_code').notNull(),
    mapKey: text('map_key'),
    indicatorCode: text('indicator_code').notNull(),
    /** The version first published under; a later version computed alike reads the same table (definitionKey). */
    indicatorVersion: integer('indicator_version').notNull(),
    definitionKey: text('definition_key').notNull(),
    available: boolean('available').notNull(),
    figures: jsonb('figures').$type<unknown[]>().notNull(),
    /** The figures before disclosure control (migration 0044): never sent, read to protect the year's next tables with. */
    counted: jsonb('counted').$type<unknown[]>(),
    publishedAt: timestamp('published_at', { withTimezone: true }).notNull(),
  },
  // Unique over plan_year, as_of, unit_code, map_key, indicator_code and definition_key (migration 0043).
)
