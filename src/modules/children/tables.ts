import { sql } from 'drizzle-orm'
import {
  bigint,
  bigserial,
  boolean,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core'
import { households } from '../households/tables.js'

/** The 14 groups of children in special circumstances (Child Law 2016, Art. 10). */
export const circumstanceGroups = pgTable('circumstance_groups', {
  code: text('code').primaryKey(),
  asciiCode: text('ascii_code').notNull().unique(),
  nameVi: text('name_vi').notNull(),
  nameEn: text('name_en').notNull(),
  sensitive: boolean('sensitive').notNull(),
  sortOrder: integer('sort_order').notNull(),
})

/** The 54 ethnic groups, with the statistics office codes. */
export const ethnicities = pgTable('ethnicities', {
  code: text('code').primaryKey(),
  nameVi: text('name_vi').notNull(),
  nameEn: text('name_en').notNull(),
})

export const sexes = ['male', 'female', 'unknown'] as const
export const birthDatePrecisions = ['exact', 'month', 'year'] as const
export const storedStatuses = ['active', 'moved_out', 'deceased'] as const
export const schoolingStatuses = [
  'not_yet_school_age',
  'preschool',
  'primary',
  'lower_secondary',
  'upper_secondary',
  'out_of_school',
  'other',
] as const

export const caregiverRelationships = [
  'father',
  'mother',
  'grandparent',
  'sibling',
  'aunt_uncle',
  'other_relative',
  'guardian',
  'non_relative',
] as const

export interface Caregiver {
  name: string
  relationship: (typeof caregiverRelationships)[number]
  householdMemberId?: string | null
}

export const children = pgTable(
  'children',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    provinceCode: text('province_code').notNull(),
    wardCode: text('ward_code').notNull(),
    residentialGroupCode: text('residential_group_code'),
    streetAddress: text('street_address'),
    householdId: uuid('household_id').references(() => households.id),
    relationshipToHead: text('relationship_to_head'),
    fullName: text('full_name').notNull(),
    nameFolded: text('name_folded').generatedAlwaysAs(sql`cps_fold(full_name)`),
    /** The folded name's syllables, for search by syllables (migration 0026). */
    nameSyllables: text('name_syllables')
      .array()
      .generatedAlwaysAs(sql`string_to_array(cps_fold(full_name), ' ')`),
    /** For month precision, the 15th of the month; null when only the year is known. */
    dateOfBirth: date('date_of_birth', { mode: 'string' }),
    birthYear: integer('birth_year'),
    /** The date ages are computed from: the date of birth, or 1 July of an estimated year. */
    effectiveBirthDate: date('effective_birth_date', { mode: 'string' }).generatedAlwaysAs(
      sql`coalesce(date_of_birth, make_date(birth_year, 7, 1))`,
    ),
    birthDatePrecision: text('birth_date_precision', { enum: birthDatePrecisions }).notNull().default('exact'),
    sex: text('sex', { enum: sexes }).notNull(),
    ethnicityCode: text('ethnicity_code').references(() => ethnicities.code),
    personalId: text('personal_id'),
    birthRegistered: boolean('birth_registered'),
    schoolingStatus: text('schooling_status', { enum: schoolingStatuses }),
    hasDisability: boolean('has_disability').notNull().default(false),
    /** Health details: sensitive personal data (Decree 13/2023). */
    disabilityNote: text('disability_note'),
    healthNote: text('health_note'),
    caregivers: jsonb('caregivers')
      .$type<Caregiver[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    status: text('status', { enum: storedStatuses }).notNull().default('active'),
    statusDate: date('status_date', { mode: 'string' }),
    movedTo: text('moved_to'),
    mergedInto: uuid('merged_into').references((): AnyPgColumn => children.id),
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
    index('children_ward_idx').on(t.wardCode, t.id),
    index('children_group_idx').on(t.residentialGroupCode),
    // Exact look-alike checks (same folded name, birth date and ward) use this, never the trigram index.
    index('children_dob_ward_name_idx').on(t.dateOfBirth, t.wardCode, t.nameFolded),
    index('children_birth_idx').on(t.effectiveBirthDate),
    index('children_household_idx').on(t.householdId),
    index('children_name_trgm_idx').using('gist', sql`${t.nameFolded} gist_trgm_ops`),
    index('children_name_syllables_idx').using('gin', t.nameSyllables),
    index('children_name_idx').on(sql`${t.nameFolded} collate "C"`, t.id),
    index('children_given_name_idx').on(
      sql`(${t.nameSyllables}[cardinality(${t.nameSyllables})])`,
      sql`${t.nameFolded} collate "C"`,
      t.id,
    ),
    uniqueIndex('children_personal_id_key')
      .on(t.personalId)
      .where(sql`${t.deletedAt} is null`),
    uniqueIndex('children_source_external_key').on(t.source, t.externalId),
  ],
)

export const circumstanceKinds = ['group', 'risk'] as const

/** A child's membership of a special-circumstance group (or risk of falling into one), with its dates. */
export const childCircumstances = pgTable(
  'child_circumstances',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    childId: uuid('child_id')
      .notNull()
      .references(() => children.id),
    provinceCode: text('province_code').notNull(),
    wardCode: text('ward_code').notNull(),
    residentialGroupCode: text('residential_group_code'),
    kind: text('kind', { enum: circumstanceKinds }).notNull(),
    groupCode: text('group_code').references(() => circumstanceGroups.code),
    subGroup: text('sub_group'),
    risk: text('risk'),
    startDate: date('start_date', { mode: 'string' }).notNull(),
    endDate: date('end_date', { mode: 'string' }),
    endReason: text('end_reason'),
    note: text('note'),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    createdBy: text('created_by'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('child_circumstances_child_idx').on(t.childId),
    index('child_circumstances_ward_group_idx').on(t.wardCode, t.groupCode),
  ],
)

/** Care and support a child receives: what the "≥ 90% cared for" target counts. */
export const careRecords = pgTable(
  'care_records',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    childId: uuid('child_id')
      .notNull()
      .references(() => children.id),
    provinceCode: text('province_code').notNull(),
    wardCode: text('ward_code').notNull(),
    residentialGroupCode: text('residential_group_code'),
    kind: text('kind').notNull(),
    provider: text('provider'),
    startDate: date('start_date', { mode: 'string' }).notNull(),
    endDate: date('end_date', { mode: 'string' }),
    amountVnd: bigint('amount_vnd', { mode: 'number' }),
    note: text('note'),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    createdBy: text('created_by'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('care_records_child_idx').on(t.childId), index('care_records_ward_idx').on(t.wardCode)],
)

/** Health insurance cards (thẻ BHYT); under-6 cards default to the Decree 146 expiry. */
export const healthInsuranceCards = pgTable(
  'health_insurance_cards',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    childId: uuid('child_id')
      .notNull()
      .references(() => children.id),
    provinceCode: text('province_code').notNull(),
    wardCode: text('ward_code').notNull(),
    residentialGroupCode: text('residential_group_code'),
    cardNumber: text('card_number').notNull(),
    issuedOn: date('issued_on', { mode: 'string' }),
    validFrom: date('valid_from', { mode: 'string' }).notNull(),
    validTo: date('valid_to', { mode: 'string' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    createdBy: text('created_by'),
  },
  (t) => [index('health_insurance_cards_child_idx').on(t.childId, t.validTo)],
)

export interface FieldChange {
  field: string
  from: unknown
  to: unknown
}

/** Stored revisions of a child record: who changed which field when, old → new. */
export const childRevisions = pgTable(
  'child_revisions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    childId: uuid('child_id')
      .notNull()
      .references(() => children.id),
    provinceCode: text('province_code').notNull(),
    wardCode: text('ward_code').notNull(),
    residentialGroupCode: text('residential_group_code'),
    version: integer('version').notNull(),
    action: text('action').notNull(),
    changes: jsonb('changes').$type<FieldChange[]>().notNull(),
    /** The revision concerns sensitive data (a sensitive group, health details): hidden without registry:sensitive. */
    sensitive: boolean('sensitive').notNull().default(false),
    reason: text('reason'),
    changedAt: timestamp('changed_at', { withTimezone: true }).notNull(),
    actorId: text('actor_id'),
    actorName: text('actor_name'),
    requestId: text('request_id'),
  },
  (t) => [index('child_revisions_child_idx').on(t.childId, t.id)],
)

/**
 * Consents to processing a child's data (Decree 13/2023): one row per party and purpose, withdrawn by
 * dating it, never deleted. Row-level security follows the child's own (migration 0030), so a child's
 * move, merge or re-homing carries its consents without a copy of its units here.
 */
export const childConsents = pgTable(
  'child_consents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    childId: uuid('child_id')
      .notNull()
      .references(() => children.id),
    purpose: text('purpose').notNull(),
    party: text('party').notNull(),
    relationship: text('relationship'),
    method: text('method').notNull(),
    documentReference: text('document_reference'),
    givenOn: date('given_on', { mode: 'string' }).notNull(),
    withdrawnOn: date('withdrawn_on', { mode: 'string' }),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    createdBy: text('created_by'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('child_consents_child_idx').on(t.childId, t.purpose)],
)
