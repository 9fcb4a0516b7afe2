import { sql } from 'drizzle-orm'
import { date, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'

export const povertyStatuses = ['poor', 'near_poor', 'none'] as const

export interface HouseholdMember {
  id: string
  fullName: string
  birthYear: number | null
  sex: 'male' | 'female' | 'unknown'
  /** Relationship to the head of household. */
  relationship: string
}

/**
 * The household child book (Sổ theo dõi trẻ em trong hộ gia đình): one row per household. Every
 * personal-data table carries its province, ward and residential group, for jurisdiction (row-level
 * security) and so a national deployment can shard on them.
 */
export const households = pgTable(
  'households',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    provinceCode: text('province_code').notNull(),
    wardCode: text('ward_code').notNull(),
    residentialGroupCode: text('residential_group_code'),
    streetAddress: text('street_address'),
    headName: text('head_name').notNull(),
    headNameFolded: text('head_name_folded').generatedAlwaysAs(sql`cps_fold(head_name)`),
    povertyStatus: text('poverty_status', { enum: povertyStatuses }).notNull().default('none'),
    povertyFrom: date('poverty_from', { mode: 'string' }),
    povertyTo: date('poverty_to', { mode: 'string' }),
    members: jsonb('members')
      .$type<HouseholdMember[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    source: text('source'),
    externalId: text('external_id'),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    createdBy: text('created_by'),
    updatedBy: text('updated_by'),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    deletedReason: text('deleted_reason'),
  },
  (t) => [
    index('households_ward_idx').on(t.wardCode),
    index('households_group_idx').on(t.residentialGroupCode),
    index('households_head_trgm_idx').using('gin', sql`${t.headNameFolded} gin_trgm_ops`),
    index('households_head_name_idx').on(sql`${t.headNameFolded} collate "C"`, t.wardCode),
    uniqueIndex('households_source_external_key').on(t.source, t.externalId),
  ],
)
