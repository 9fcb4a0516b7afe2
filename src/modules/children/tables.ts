import { boolean, integer, pgTable, text } from 'drizzle-orm/pg-core'

/** The 14 groups of children in special circumstances (Child Law 2016, Art. 10). */
export const circumstanceGroups = pgTable('circumstance_groups', {
  code: text('code').primaryKey(),
  asciiCode: text('ascii_code').notNull().unique(),
  nameVi: text('name_vi').notNull(),
  nameEn: text('name_en').notNull(),
  sensitive: boolean('sensitive').notNull(),
  sortOrder: integer('sort_order').notNull(),
})
