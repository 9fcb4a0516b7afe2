import { sql } from 'drizzle-orm'
import {
  boolean,
  check,
  date,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core'

export const unitLevels = ['province', 'district', 'ward', 'residential_group'] as const
export type UnitLevel = (typeof unitLevels)[number]

/**
 * Administrative units, effective-dated. `code` is the service's stable key; `officialCode` is the
 * statistics office code, which the 2025 reorganisation reused for successor wards, so it is not unique.
 */
export const units = pgTable(
  'units',
  {
    code: text('code').primaryKey(),
    officialCode: text('official_code'),
    nameVi: text('name_vi').notNull(),
    nameEn: text('name_en'),
    level: text('level', { enum: unitLevels }).notNull(),
    parentCode: text('parent_code').references((): AnyPgColumn => units.code),
    provinceCode: text('province_code').notNull(),
    /**
     * The category the reference data gives a ward (src/reference/unit-categories.json); what is in force
     * on a date is in `unit_categories`, which falls back to this column for a unit it does not hold.
     */
    category: text('category'),
    validFrom: date('valid_from', { mode: 'string' }).notNull(),
    validTo: date('valid_to', { mode: 'string' }),
    confirmed: boolean('confirmed').notNull().default(true),
    source: text('source', { enum: ['reference', 'admin'] })
      .notNull()
      .default('reference'),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('units_parent_idx').on(t.parentCode),
    index('units_level_idx').on(t.level, t.validFrom),
    check('units_valid_range', sql`${t.validTo} is null or ${t.validTo} >= ${t.validFrom}`),
  ],
)

/** Predecessor → successor links; many-to-many, since wards were split at residential-group level. */
export const unitSuccessions = pgTable(
  'unit_successions',
  {
    predecessorCode: text('predecessor_code')
      .notNull()
      .references(() => units.code),
    successorCode: text('successor_code')
      .notNull()
      .references(() => units.code),
    effectiveDate: date('effective_date', { mode: 'string' }).notNull(),
    partial: boolean('partial').notNull().default(false),
    confirmed: boolean('confirmed').notNull().default(true),
    note: text('note'),
    source: text('source', { enum: ['reference', 'admin'] })
      .notNull()
      .default('reference'),
    version: integer('version').notNull().default(1),
    updatedAt: timestamp('updated_at', { withTimezone: true }),
    updatedBy: text('updated_by'),
  },
  (t) => [
    primaryKey({ columns: [t.predecessorCode, t.successorCode] }),
    index('unit_successions_successor_idx').on(t.successorCode),
  ],
)

/**
 * A ward's category (urban ward, township, commune…, src/reference/unit-categories.json) and the unit that
 * recognises it child-friendly, effective-dated: each row holds from `validFrom` until the next row's.
 * Seeded from the units reference (`setBy` null); an administrator adds rows (`setBy` their id).
 */
export const unitCategories = pgTable(
  'unit_categories',
  {
    unitCode: text('unit_code')
      .notNull()
      .references(() => units.code),
    validFrom: date('valid_from', { mode: 'string' }).notNull(),
    category: text('category').notNull(),
    /** The unit whose chair recognises the ward (the district before the 2025 reform, the city after). */
    recognisingUnitCode: text('recognising_unit_code').references(() => units.code),
    setBy: text('set_by'),
    setAt: timestamp('set_at', { withTimezone: true }).notNull().defaultNow(),
    note: text('note'),
  },
  (t) => [primaryKey({ columns: [t.unitCode, t.validFrom] })],
)

/**
 * A named group of wards an administrator defines for consolidation (e.g. the wards of former Hoàng Mai
 * district, directly under the city since 2025): not an administrative unit, no parent; its figures and
 * reports are its wards'.
 */
export const unitGroups = pgTable(
  'unit_groups',
  {
    code: text('code').primaryKey(),
    nameVi: text('name_vi').notNull(),
    nameEn: text('name_en'),
    wardCodes: text('ward_codes').array().notNull(),
    version: integer('version').notNull().default(1),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    updatedBy: text('updated_by').notNull(),
  },
  (t) => [check('unit_groups_has_wards', sql`cardinality(${t.wardCodes}) > 0`)],
)
