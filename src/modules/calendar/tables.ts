import { boolean, date, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core'

export const calendarDayKinds = ['holiday', 'day_off', 'working_day'] as const
export type CalendarDayKind = (typeof calendarDayKinds)[number]

/**
 * Days that break the Monday–Friday rule: public holidays (Labour Code 2019 Art. 112(1)), other days off
 * (swapped or compensatory weekdays) and weekend days worked in exchange. Each names its legal basis.
 */
export const calendarDays = pgTable('calendar_days', {
  date: date('date', { mode: 'string' }).primaryKey(),
  kind: text('kind', { enum: calendarDayKinds }).notNull(),
  nameVi: text('name_vi').notNull(),
  nameEn: text('name_en').notNull(),
  confirmed: boolean('confirmed').notNull().default(true),
  /** The article, decision or notice that makes the day what it is, e.g. "Công văn 12729/VPCP-KGVX ngày 25/12/2025". */
  legalBasis: text('legal_basis').notNull().default(''),
})

/**
 * The years the calendar covers. A year without a row has no calendar: deadlines through it count
 * weekends only. `source` 'admin' marks a year an administrator set; reference reloads leave it alone.
 */
export const calendarYears = pgTable('calendar_years', {
  year: integer('year').primaryKey(),
  source: text('source', { enum: ['reference', 'admin'] })
    .notNull()
    .default('reference'),
  version: integer('version').notNull().default(1),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  updatedBy: text('updated_by'),
})
