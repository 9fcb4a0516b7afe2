import { integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core'
import type { CategoryOptionComboMapping, DataElementMapping, DataSetsByPeriodType } from './rules.js'

/**
 * The administrator's mapping of this service's codes to a DHIS2 instance's identifiers (migration 0035):
 * one row, versioned for If-Match. Lists are kept whole as JSON: the mapping is read and replaced as one
 * document, and is checked against the indicators and units when it is saved.
 */
export const dhis2Mappings = pgTable('dhis2_mappings', {
  id: text('id').primaryKey(),
  dataSets: jsonb('data_sets').$type<DataSetsByPeriodType>().notNull(),
  attributeOptionCombo: text('attribute_option_combo'),
  defaultCategoryOptionCombo: text('default_category_option_combo'),
  dataElements: jsonb('data_elements').$type<DataElementMapping[]>().notNull(),
  categoryOptionCombos: jsonb('category_option_combos').$type<CategoryOptionComboMapping[]>().notNull(),
  orgUnits: jsonb('org_units').$type<{ unitCode: string; orgUnit: string }[]>().notNull(),
  version: integer('version').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }),
  updatedBy: text('updated_by'),
})
