import Type, { type Static } from 'typebox'
import { IsoDate, PaginationQuery, Page, Timestamp } from '../../platform/schemas.js'
import { unitLevels } from './tables.js'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])

export const UnitCode = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9._-]+$',
  description: 'unit code',
})

const UnitLinkSchema = Type.Object(
  {
    code: Type.String(),
    effectiveDate: IsoDate(),
    partial: Type.Boolean({ description: 'true when the predecessor was split between several successors' }),
    confirmed: Type.Boolean(),
  },
  { $id: 'UnitLink', additionalProperties: false },
)

export const UnitSchema = Type.Object(
  {
    code: Type.String({ description: 'stable service code; successor wards of 2025 carry the suffix -2025' }),
    officialCode: Nullable(
      Type.String({ description: 'statistics office code (reused across the 2025 reorganisation)' }),
    ),
    nameVi: Type.String(),
    nameEn: Nullable(Type.String()),
    level: Type.Enum([...unitLevels]),
    parentCode: Nullable(Type.String()),
    provinceCode: Type.String(),
    category: Nullable(
      Type.String({
        description:
          'the ward’s category in force today, or on `asOf` in a list (urban_ward_central_city, urban_ward, township, commune, ' +
          'disadvantaged_commune: src/reference/unit-categories.json); its history is /v1/units/{code}/categories',
      }),
    ),
    validFrom: IsoDate(),
    validTo: Nullable(IsoDate()),
    confirmed: Type.Boolean({
      description: 'false while the official code or links await checking against the source',
    }),
    predecessors: Type.Optional(Type.Array(Type.Ref('UnitLink'))),
    successors: Type.Optional(Type.Array(Type.Ref('UnitLink'))),
  },
  { $id: 'Unit', additionalProperties: false },
)

export type Unit = Static<typeof UnitSchema>

export const UnitPageSchema = Page(Type.Ref('Unit'), 'UnitPage')

export const ListUnitsQuery = Type.Object(
  {
    level: Type.Optional(Type.Enum([...unitLevels])),
    parent: Type.Optional(UnitCode),
    asOf: Type.Optional(IsoDate({ description: 'only units valid on this date' })),
    ...PaginationQuery,
  },
  { additionalProperties: false },
)

export const UnitParams = Type.Object({ code: UnitCode }, { additionalProperties: false })

const categoryDescription =
  'the ward’s category: urban_ward_central_city (phường of a centrally-run city), urban_ward (phường elsewhere), ' +
  'township (thị trấn), commune (xã), disadvantaged_commune (mountain, island or especially disadvantaged xã); ' +
  'it decides the Decision 06 threshold class (900, 850, 850, 850, 800 points under Decision 06/QĐ-TTg of 2019)'

export const UnitCategoryEntrySchema = Type.Object(
  {
    unitCode: Type.String(),
    category: Type.String({ description: categoryDescription }),
    categoryNameVi: Nullable(Type.String()),
    categoryNameEn: Nullable(Type.String()),
    decision06Class: Nullable(
      Type.Enum(['urban_ward_central_city', 'other', 'disadvantaged'], {
        description: 'the key of the criteria set’s recognition.thresholds that applies to the category',
      }),
    ),
    recognisingUnitCode: Nullable(
      Type.String({
        description: 'the unit that recognises the ward child-friendly (district before 2025, city after)',
      }),
    ),
    validFrom: IsoDate(),
    validTo: Nullable(IsoDate({ description: 'last day in force; null while in force' })),
    setBy: Nullable(Type.String({ description: 'the administrator; null for reference data' })),
    setAt: Timestamp(),
    note: Nullable(Type.String()),
  },
  { $id: 'UnitCategoryEntry', additionalProperties: false },
)

export type UnitCategoryEntry = Static<typeof UnitCategoryEntrySchema>

export const UnitCategoryHistorySchema = Type.Object(
  {
    unitCode: Type.String(),
    items: Type.Array(Type.Ref('UnitCategoryEntry'), { description: 'oldest first' }),
  },
  { $id: 'UnitCategoryHistory', additionalProperties: false },
)

export const SetUnitCategoryBody = Type.Object(
  {
    category: Type.String({ minLength: 1, maxLength: 64, description: categoryDescription }),
    validFrom: IsoDate({ description: 'first day the category holds; within the ward’s validity' }),
    recognisingUnitCode: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description:
          'the district or province, above the ward, whose chair recognises it from that date; ' +
          'by default the one in force on that date',
      }),
    ),
    note: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  },
  { additionalProperties: false },
)

export const UnitGroupSchema = Type.Object(
  {
    code: Type.String(),
    nameVi: Type.String(),
    nameEn: Nullable(Type.String()),
    wardCodes: Type.Array(Type.String(), { description: 'the wards of the group, in code order' }),
    version: Type.Integer({ minimum: 1, description: 'the ETag; If-Match on a change' }),
    updatedAt: Timestamp(),
    updatedBy: Type.String(),
  },
  {
    $id: 'UnitGroup',
    additionalProperties: false,
    examples: [
      {
        code: 'HOANG-MAI-CU',
        nameVi: 'Các phường thuộc quận Hoàng Mai cũ',
        nameEn: 'Wards of former Hoàng Mai district',
        wardCodes: ['00301-2025', '00316-2025', '00322-2025', '00328-2025', '00331-2025', '00337-2025', '00340-2025'],
        version: 1,
        updatedAt: '2026-12-03T03:00:00.000Z',
        updatedBy: '3f0c2a4e-5b7d-4c1e-9a8f-1d2e3f4a5b6c',
      },
    ],
  },
)

export const UnitGroupListSchema = Type.Object(
  { items: Type.Array(Type.Ref('UnitGroup')), nextCursor: Type.Null() },
  { $id: 'UnitGroupList', additionalProperties: false },
)

export const UnitGroupParams = Type.Object({ code: UnitCode }, { additionalProperties: false })

export const PutUnitGroupBody = Type.Object(
  {
    nameVi: Type.String({ minLength: 1, maxLength: 200 }),
    nameEn: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    wardCodes: Type.Array(UnitCode, { minItems: 1, maxItems: 500, description: 'the wards of the group' }),
  },
  { additionalProperties: false },
)

export const unitSchemas = [
  UnitLinkSchema,
  UnitSchema,
  UnitPageSchema,
  UnitCategoryEntrySchema,
  UnitCategoryHistorySchema,
  UnitGroupSchema,
  UnitGroupListSchema,
]

export const CreateUnitBody = Type.Object(
  {
    code: UnitCode,
    nameVi: Type.String({ minLength: 1, maxLength: 200 }),
    nameEn: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    level: Type.Literal('residential_group', {
      description: 'wards, districts and provinces come from reference data',
    }),
    parentCode: UnitCode,
    officialCode: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    validFrom: IsoDate(),
    validTo: Type.Optional(IsoDate()),
  },
  { additionalProperties: false },
)

export const UpdateUnitBody = Type.Object(
  {
    nameVi: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    nameEn: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 200 }))),
    officialCode: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 32 }))),
    validTo: Type.Optional(Nullable(IsoDate())),
    confirmed: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
)

/** The explicit act of filing a record at a unit that no longer exists (history), for administrators. */
export const BackfillQuery = Type.Object(
  {
    backfill: Type.Optional(
      Type.Boolean({
        description:
          'File the record at a unit that no longer exists (history before the 2025 reorganisation). ' +
          'Administrators only (units:manage); audited. Without it such a unit answers 422 unit_not_active.',
      }),
    ),
  },
  { additionalProperties: false },
)
