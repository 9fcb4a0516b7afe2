import Type, { type TSchema } from 'typebox'
import { IsoDate, PaginationQuery, Page, Timestamp } from '../../platform/schemas.js'
import { UnitCode } from '../units/schemas.js'
import { consentMethods, consentParties, consentPurposes, guardianRelationships } from './consent-rules.js'
import { careKinds } from './rules.js'
import { searchTiers } from './search-rules.js'
import { birthDatePrecisions, caregiverRelationships, schoolingStatuses, sexes } from './tables.js'

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])

/** Marks a member the service omits (not nulls) for callers without the registry:sensitive permission. */
const Sensitive = <T extends TSchema>(schema: T, what: string) =>
  Type.Optional({
    ...schema,
    description: `${what}. Sensitive: omitted from the response for callers without registry:sensitive.`,
    'x-sensitive': true,
  })

const GroupCode = Type.String({
  pattern: '^([a-eg-ik-o]|đ|dd)$',
  description: 'special-circumstance group a…o (đ may be sent as dd)',
})
const PersonalId = Type.String({ pattern: '^\\d{12}$', description: 'số định danh cá nhân: 12 digits' })

const CaregiverSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    relationship: Type.Enum([...caregiverRelationships]),
    householdMemberId: Type.Optional(Nullable(Type.String({ format: 'uuid' }))),
  },
  { additionalProperties: false },
)

const AddressSchema = Type.Object(
  {
    provinceCode: Type.String(),
    wardCode: Type.String(),
    residentialGroupCode: Nullable(Type.String()),
    streetAddress: Nullable(Type.String()),
  },
  { additionalProperties: false },
)

const AddressInput = Type.Object(
  {
    wardCode: UnitCode,
    residentialGroupCode: Type.Optional(Nullable(UnitCode)),
    streetAddress: Type.Optional(Nullable(Type.String({ maxLength: 300 }))),
  },
  { additionalProperties: false },
)

const WarningSchema = Type.Object(
  { code: Type.String(), field: Type.String(), message: Type.String() },
  { $id: 'RegistryWarning', additionalProperties: false },
)

const ConsentWarnings = Type.Array(Type.Ref('RegistryWarning'), {
  description:
    'present on a write of sensitive data (a sensitive group, a care note) when the consent to processing it is not ' +
    'in force: `sensitive_data_without_consent`; the write stands',
})

export const CircumstanceSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    kind: Type.Enum(['group', 'risk'], {
      description: 'group: in special circumstances; risk: at risk of falling into them',
    }),
    groupCode: Nullable(Type.String()),
    subGroup: Nullable(Type.String()),
    risk: Nullable(Type.String()),
    startDate: IsoDate(),
    endDate: Nullable(IsoDate()),
    endReason: Nullable(Type.String()),
    note: Nullable(Type.String()),
    active: Type.Boolean({ description: 'in effect today' }),
    version: Type.Integer(),
    warnings: Type.Optional(ConsentWarnings),
  },
  {
    $id: 'Circumstance',
    additionalProperties: false,
    description:
      'Memberships of sensitive groups (d, đ, e, g, i, l, m, n) are omitted for callers without registry:sensitive.',
  },
)

export const CareRecordSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    kind: Type.Enum([...careKinds]),
    provider: Nullable(Type.String()),
    startDate: IsoDate(),
    endDate: Nullable(IsoDate()),
    amountVnd: Nullable(Type.Integer()),
    note: Sensitive(Nullable(Type.String()), 'free-text note, may describe health'),
    version: Type.Integer(),
    warnings: Type.Optional(ConsentWarnings),
  },
  { $id: 'CareRecord', additionalProperties: false },
)

export const HealthInsuranceCardSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    cardNumber: Type.String(),
    issuedOn: Nullable(IsoDate()),
    validFrom: IsoDate(),
    validTo: IsoDate(),
    validToday: Type.Boolean(),
  },
  { $id: 'HealthInsuranceCard', additionalProperties: false },
)

const ConsentPurpose = Type.Enum([...consentPurposes], {
  description:
    '`information_sharing`: disclosing the record to partner agencies (their viewers read only children with it); ' +
    '`sensitive_data`: processing ethnicity, health and disability, HIV or abuse data (a write without it is flagged)',
})
const ConsentParty = Type.Enum([...consentParties], {
  description: 'who consented: the parent or guardian, or the child (needed too from the age of 7)',
})

export const ConsentSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    purpose: ConsentPurpose,
    party: ConsentParty,
    relationship: Nullable(Type.Enum([...guardianRelationships])),
    method: Type.Enum([...consentMethods]),
    documentReference: Nullable(Type.String({ description: 'the number or place of the signed form' })),
    givenOn: IsoDate(),
    withdrawnOn: Nullable(IsoDate()),
    inForceToday: Type.Boolean(),
    version: Type.Integer(),
    createdAt: Timestamp(),
  },
  { $id: 'Consent', additionalProperties: false },
)

const ConsentStandingSchema = Type.Object(
  {
    purpose: ConsentPurpose,
    status: Type.Enum(['given', 'missing', 'withdrawn']),
    missing: Type.Array(ConsentParty, { description: 'parties whose consent is needed today and not in force' }),
  },
  { $id: 'ConsentStanding', additionalProperties: false },
)

export const ConsentListSchema = Type.Object(
  {
    items: Type.Array(Type.Ref('Consent')),
    standing: Type.Array(Type.Ref('ConsentStanding'), { description: 'each purpose, as of today' }),
  },
  { $id: 'ConsentList', additionalProperties: false },
)

export const CreateConsentBody = Type.Object(
  {
    purpose: ConsentPurpose,
    party: ConsentParty,
    relationship: Type.Optional(
      Nullable(
        Type.Enum([...guardianRelationships], { description: 'required for a guardian: their tie to the child' }),
      ),
    ),
    method: Type.Enum([...consentMethods]),
    documentReference: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 100 }))),
    givenOn: IsoDate(),
  },
  { additionalProperties: false },
)

export const WithdrawConsentBody = Type.Object(
  { withdrawnOn: IsoDate({ description: 'from this day the consent is no longer in force' }) },
  { additionalProperties: false },
)

const PossibleDuplicateSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    fullName: Type.String(),
    dateOfBirth: Nullable(IsoDate()),
    wardCode: Type.String(),
    householdId: Nullable(Type.String()),
    similarity: Type.Number({ description: 'trigram similarity of the folded names, 0–1' }),
    reason: Type.Enum(['same_name_and_birth_date', 'similar_name_same_birth_date_same_household']),
  },
  { $id: 'PossibleDuplicate', additionalProperties: false },
)

const childMembers = {
  id: Type.String({ format: 'uuid' }),
  fullName: Type.String(),
  dateOfBirth: Nullable(IsoDate()),
  birthYear: Nullable(Type.Integer()),
  birthDatePrecision: Type.Enum([...birthDatePrecisions]),
  ageYears: Nullable(Type.Integer({ description: 'full years today (Asia/Ho_Chi_Minh)' })),
  sex: Type.Enum([...sexes]),
  address: AddressSchema,
  householdId: Nullable(Type.String({ format: 'uuid' })),
  status: Type.Enum(['active', 'moved_out', 'deceased', 'aged_out'], {
    description: 'aged_out is derived from the date of birth (16 years), never stored',
  }),
  hasValidHealthInsurance: Type.Boolean(),
  version: Type.Integer(),
}

const ChildSummarySchema = Type.Object(
  {
    ...childMembers,
    groupCodes: Type.Array(Type.String(), {
      description: 'groups in effect; sensitive ones omitted without registry:sensitive',
    }),
    atRisk: Type.Boolean(),
    match: Type.Optional(
      Type.Enum([...searchTiers], {
        description:
          'in a name search, how the name matched, in the order results come: `exact` (as typed, diacritics aside), ' +
          '`family_and_given` (the first syllable typed as family name, the last as given name, every other one held), ' +
          '`given_name` (every syllable typed, the last as given name), `all_syllables` (every syllable, in another place), ' +
          '`corrected` (after correcting a mistyped or unfinished syllable to syllables in use), `similar` (only when none of these found anyone)',
      }),
    ),
  },
  { $id: 'ChildSummary', additionalProperties: false },
)

export const ChildSchema = Type.Object(
  {
    ...childMembers,
    ethnicityCode: Sensitive(Nullable(Type.String()), 'ethnic group code (ethnic origin)'),
    personalId: Nullable(Type.String()),
    birthRegistered: Nullable(Type.Boolean()),
    schoolingStatus: Nullable(Type.Enum([...schoolingStatuses])),
    hasDisability: Sensitive(Type.Boolean(), 'whether the child has a disability (health data)'),
    disabilityNote: Sensitive(Nullable(Type.String()), 'health detail of the disability'),
    healthNote: Sensitive(Nullable(Type.String()), 'health details'),
    caregivers: Type.Array(CaregiverSchema),
    relationshipToHead: Nullable(Type.String()),
    statusDate: Nullable(IsoDate()),
    movedTo: Nullable(Type.String()),
    mergedInto: Nullable(Type.String({ format: 'uuid' })),
    circumstances: Type.Array(Type.Ref('Circumstance')),
    care: Type.Array(Type.Ref('CareRecord')),
    healthInsurance: Type.Array(Type.Ref('HealthInsuranceCard')),
    createdAt: Timestamp(),
    updatedAt: Timestamp(),
    warnings: Type.Optional(
      Type.Array(Type.Ref('RegistryWarning'), {
        description: 'on create and update: checks that did not block the write',
      }),
    ),
    possibleDuplicates: Type.Optional(
      Type.Array(Type.Ref('PossibleDuplicate'), { description: 'on create: likely duplicates in your units' }),
    ),
  },
  { $id: 'Child', additionalProperties: false },
)

export const ChildPageSchema = Page(Type.Ref('ChildSummary'), 'ChildPage')

const childInputMembers = {
  fullName: Type.String({ minLength: 1, maxLength: 200 }),
  dateOfBirth: Type.Optional(Nullable(IsoDate())),
  birthYear: Type.Optional(Nullable(Type.Integer({ minimum: 1990, maximum: 2100 }))),
  birthDatePrecision: Type.Optional(Type.Enum([...birthDatePrecisions])),
  sex: Type.Enum([...sexes]),
  ethnicityCode: Type.Optional(Nullable(Type.String({ pattern: '^\\d{2}$' }))),
  personalId: Type.Optional(Nullable(PersonalId)),
  birthRegistered: Type.Optional(Nullable(Type.Boolean())),
  schoolingStatus: Type.Optional(Nullable(Type.Enum([...schoolingStatuses]))),
  hasDisability: Type.Optional(Type.Boolean()),
  disabilityNote: Type.Optional(
    Nullable(Type.String({ maxLength: 2000, description: 'sensitive: needs registry:sensitive' })),
  ),
  healthNote: Type.Optional(
    Nullable(Type.String({ maxLength: 2000, description: 'sensitive: needs registry:sensitive' })),
  ),
  caregivers: Type.Optional(Type.Array(CaregiverSchema, { maxItems: 10 })),
  householdId: Type.Optional(Nullable(Type.String({ format: 'uuid' }))),
  relationshipToHead: Type.Optional(Nullable(Type.String({ maxLength: 50 }))),
  address: AddressInput,
}

export const CreateChildBody = Type.Object(
  {
    ...childInputMembers,
    source: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
    externalId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
)

const { fullName: _fullName, sex: _sex, address: _address, ...optionalInput } = childInputMembers
export const UpdateChildBody = Type.Object(
  {
    ...optionalInput,
    fullName: Type.Optional(childInputMembers.fullName),
    sex: Type.Optional(childInputMembers.sex),
    address: Type.Optional(AddressInput),
    status: Type.Optional(Type.Enum(['active', 'moved_out', 'deceased'])),
    statusDate: Type.Optional(Nullable(IsoDate())),
    movedTo: Type.Optional(Nullable(Type.String({ maxLength: 300, description: 'destination when moved out' }))),
    reason: Type.Optional(Type.String({ maxLength: 500, description: 'why, kept with the revision' })),
  },
  { additionalProperties: false, minProperties: 1 },
)

export const ChildFilters = {
  unit: Type.Optional(UnitCode),
  residentialGroup: Type.Optional(UnitCode),
  group: Type.Optional(GroupCode),
  atRisk: Type.Optional(Type.Boolean()),
  ageFrom: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 })),
  ageTo: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 })),
  asOf: Type.Optional(IsoDate({ description: 'date for ages, memberships and card validity; today by default' })),
  under6: Type.Optional(Type.Boolean()),
  withoutValidHealthInsurance: Type.Optional(Type.Boolean()),
  status: Type.Optional(Type.Enum(['active', 'moved_out', 'deceased', 'aged_out'])),
  householdId: Type.Optional(Type.String({ format: 'uuid' })),
  sex: Type.Optional(Type.Enum([...sexes])),
  birthYear: Type.Optional(
    Type.Integer({ minimum: 1990, maximum: 2100, description: 'year of birth (of the date, or the estimated year)' }),
  ),
  q: Type.Optional(
    Type.String({
      minLength: 2,
      maxLength: 100,
      description:
        'name, whole or in part (a given name, a family and a given name); ignores diacritics and order, corrects slips',
    }),
  ),
}

export const ListChildrenQuery = Type.Object({ ...ChildFilters, ...PaginationQuery }, { additionalProperties: false })

export const ExportChildrenQuery = Type.Object(
  {
    ...ChildFilters,
    format: Type.Enum(['csv', 'xlsx']),
    headers: Type.Optional(
      Type.Enum(['vi', 'en'], {
        default: 'vi',
        description:
          'vi (default): Vietnamese headers and values as an officer reads them (Nam/Nữ, Có/Không, dd/mm/yyyy); en: English headers, codes and ISO dates (the values before 2026-12-06), for machines',
      }),
    ),
  },
  { additionalProperties: false },
)

export const DeleteChildQuery = Type.Object(
  { reason: Type.String({ minLength: 3, maxLength: 500, description: 'why the record is deleted; kept' }) },
  { additionalProperties: false },
)

export const ChildParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false })
export const ChildItemParams = Type.Object(
  { id: Type.String({ format: 'uuid' }), itemId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
)

export const CreateCircumstanceBody = Type.Object(
  {
    kind: Type.Enum(['group', 'risk']),
    groupCode: Type.Optional(Nullable(GroupCode)),
    subGroup: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
    risk: Type.Optional(
      Nullable(Type.String({ maxLength: 500, description: 'for kind risk: what the child is at risk of' })),
    ),
    startDate: IsoDate(),
    endDate: Type.Optional(Nullable(IsoDate())),
    note: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  },
  { additionalProperties: false },
)

export const UpdateCircumstanceBody = Type.Object(
  {
    endDate: Type.Optional(Nullable(IsoDate())),
    endReason: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    subGroup: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
    note: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  },
  { additionalProperties: false, minProperties: 1 },
)

export const CreateCareBody = Type.Object(
  {
    kind: Type.Enum([...careKinds]),
    provider: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    startDate: IsoDate(),
    endDate: Type.Optional(Nullable(IsoDate())),
    amountVnd: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 1_000_000_000 }))),
    note: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  },
  { additionalProperties: false },
)

export const UpdateCareBody = Type.Object(
  {
    endDate: Type.Optional(Nullable(IsoDate())),
    provider: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    amountVnd: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 1_000_000_000 }))),
    note: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  },
  { additionalProperties: false, minProperties: 1 },
)

export const CreateCardBody = Type.Object(
  {
    cardNumber: Type.String({
      pattern: '^[A-Z]{2}\\d{13}$|^\\d{10}$',
      description: 'the 15-character card code (e.g. TE1…) or the 10-digit social insurance number',
    }),
    issuedOn: Type.Optional(Nullable(IsoDate())),
    validFrom: IsoDate(),
    validTo: Type.Optional(IsoDate({ description: 'defaults to the Decree 146 expiry for a child under 6' })),
  },
  { additionalProperties: false },
)

export const MergeBody = Type.Object(
  {
    duplicateId: Type.String({ format: 'uuid', description: 'the record merged into this one, kept as a tombstone' }),
    duplicateVersion: Type.Integer({ minimum: 1, description: 'the version of the duplicate you reviewed' }),
    reason: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
)

const DuplicatePairSchema = Type.Object(
  {
    first: Type.Ref('PossibleDuplicate'),
    second: Type.Ref('PossibleDuplicate'),
    similarity: Type.Number(),
    reason: Type.Enum(['same_personal_id', 'same_name_and_birth_date', 'similar_name_same_birth_date']),
  },
  { $id: 'DuplicatePair', additionalProperties: false },
)

export const DuplicatePageSchema = Page(Type.Ref('DuplicatePair'), 'DuplicatePage')

export const DuplicatesQuery = Type.Object(
  { unit: Type.Optional(UnitCode), ...PaginationQuery },
  { additionalProperties: false },
)

const RevisionSchema = Type.Object(
  {
    version: Type.Integer(),
    action: Type.String({ description: 'create, update, delete, merge, circumstance.add …' }),
    changedAt: Timestamp(),
    actorId: Nullable(Type.String()),
    actorName: Nullable(Type.String()),
    reason: Nullable(Type.String()),
    changes: Type.Array(
      Type.Object(
        {
          field: Type.String(),
          from: Type.Unknown(),
          to: Type.Unknown(),
        },
        { additionalProperties: false },
      ),
      {
        description:
          'values of sensitive fields are omitted without registry:sensitive (the change is listed, redacted)',
      },
    ),
  },
  { $id: 'ChildRevision', additionalProperties: false },
)

export const HistorySchema = Type.Object(
  { items: Type.Array(Type.Ref('ChildRevision')), nextCursor: Type.Null() },
  { $id: 'ChildHistory', additionalProperties: false },
)

const EthnicitySchema = Type.Object(
  { code: Type.String(), nameVi: Type.String(), nameEn: Type.String() },
  { $id: 'Ethnicity', additionalProperties: false },
)
export const EthnicityListSchema = Type.Object(
  { items: Type.Array(Type.Ref('Ethnicity')), nextCursor: Type.Null() },
  { $id: 'EthnicityList', additionalProperties: false },
)

const CircumstanceGroupSchema = Type.Object(
  {
    code: Type.String({ description: 'a, b, c, d, đ, e, g, h, i, k, l, m, n, o (Child Law Art. 10)' }),
    asciiCode: Type.String({ description: 'the code in ASCII (dd for đ), for systems that cannot carry đ' }),
    nameVi: Type.String(),
    nameEn: Type.String(),
    sensitive: Type.Boolean({ description: 'membership is sensitive personal data (health, abuse, law violation)' }),
    sortOrder: Type.Integer(),
  },
  { $id: 'CircumstanceGroup', additionalProperties: false },
)

export const CircumstanceGroupListSchema = Type.Object(
  { items: Type.Array(Type.Ref('CircumstanceGroup')), nextCursor: Type.Null() },
  { $id: 'CircumstanceGroupList', additionalProperties: false },
)

export const childSchemas = [
  WarningSchema,
  CircumstanceSchema,
  CareRecordSchema,
  HealthInsuranceCardSchema,
  ConsentSchema,
  ConsentStandingSchema,
  ConsentListSchema,
  PossibleDuplicateSchema,
  ChildSummarySchema,
  ChildSchema,
  ChildPageSchema,
  DuplicatePairSchema,
  DuplicatePageSchema,
  RevisionSchema,
  HistorySchema,
  EthnicitySchema,
  EthnicityListSchema,
  CircumstanceGroupSchema,
  CircumstanceGroupListSchema,
]
