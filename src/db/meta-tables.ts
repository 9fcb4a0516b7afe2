import { pgTable, text, timestamp } from 'drizzle-orm/pg-core'

/** Which version of each reference file was last applied, so seeding runs only when a file changed. */
export const referenceDatasets = pgTable('reference_datasets', {
  name: text('name').primaryKey(),
  version: text('version').notNull(),
  sha256: text('sha256').notNull(),
  appliedAt: timestamp('applied_at', { withTimezone: true }).notNull().defaultNow(),
})
