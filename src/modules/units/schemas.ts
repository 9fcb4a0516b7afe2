import Type, { type Static } from 'typebox'
import { IsoDate, PaginationQuery, Page } from '../../platform/schemas.js'
import { unitCategories, unitLevels } from './tables.js'

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
      Type.Enum([...unitCategories], { description: 'decides the child-friendly recognition threshold' }),
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

export const unitSchemas = [UnitLinkSchema, UnitSchema, UnitPageSchema]

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
