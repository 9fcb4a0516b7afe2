import { boolean, date, pgTable, text } from 'drizzle-orm/pg-core'

/** Days that break the Monday–Friday rule: public holidays, and weekend days worked in exchange. */
export const calendarDays = pgTable('calendar_days', {
  date: date('date', { mode: 'string' }).primaryKey(),
  kind: text('kind', { enum: ['holiday', 'working_day'] }).notNull(),
  nameVi: text('name_vi').notNull(),
  nameEn: text('name_en').notNull(),
  confirmed: boolean('confirmed').notNull().default(true),
})
