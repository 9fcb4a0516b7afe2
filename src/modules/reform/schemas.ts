import Type from 'typebox'
import { Page, PaginationQuery } from '../../platform/schemas.js'
import { UnitCode } from '../units/schemas.js'
import { recordTypes } from './rules.js'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])

const RecordCounts = {
  households: Type.Integer({ minimum: 0 }),
  children: Type.Integer({ minimum: 0 }),
  incidents: Type.Integer({ minimum: 0 }),
}

export const RehomingPreviewSchema = Type.Object(
  {
    wards: Type.Array(UnitCode, { description: 'the abolished wards the re-homing covers' }),
    bySuccessor: Type.Array(Type.Object({ wardCode: UnitCode, ...RecordCounts }, { additionalProperties: false }), {
      description: 'records each successor ward receives',
    }),
    unplaced: Type.Array(Type.Object({ wardCode: UnitCode, ...RecordCounts }, { additionalProperties: false }), {
      description: 'records no mapping places, by abolished ward: they stay and wait to be claimed',
    }),
    total: Type.Object(RecordCounts, { additionalProperties: false }),
  },
  { $id: 'RehomingPreview', additionalProperties: false },
)

export const RehomingWardsQuery = Type.Object(
  {
    wards: Type.Optional(
      Type.String({
        maxLength: 2000,
        pattern: '^[A-Za-z0-9._-]+(,[A-Za-z0-9._-]+)*$',
        description: 'abolished wards, comma-separated (default: every abolished ward in your units)',
      }),
    ),
  },
  { additionalProperties: false },
)

export const StartRehomingBody = Type.Object(
  {
    wards: Type.Optional(
      Type.Array(UnitCode, {
        minItems: 1,
        maxItems: 100,
        uniqueItems: true,
        description: 'abolished wards (default: every abolished ward in your units)',
      }),
    ),
  },
  { additionalProperties: false },
)

export const RehomingBatchSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    wards: Type.Array(UnitCode),
    state: Type.Enum(['running', 'done', 'failed', 'undoing', 'undone']),
    planned: Type.Ref('RehomingPreview'),
    moved: Type.Integer({ minimum: 0, description: 'records moved so far' }),
    undone: Type.Integer({ minimum: 0, description: 'moves undone so far' }),
    failureCode: Nullable(Type.String()),
    createdAt: Type.String({ format: 'date-time' }),
    finishedAt: Nullable(Type.String({ format: 'date-time' })),
    undoneAt: Nullable(Type.String({ format: 'date-time' })),
  },
  { $id: 'RehomingBatch', additionalProperties: false },
)

const RecordType = Type.Enum([...recordTypes])

export const UnplacedQuery = Type.Object(
  { type: Type.Optional({ ...RecordType, description: 'record type (default child)' }), ...PaginationQuery },
  { additionalProperties: false },
)

const UnplacedRecordSchema = Type.Object(
  {
    type: RecordType,
    id: Type.String({ format: 'uuid' }),
    wardCode: UnitCode,
    residentialGroupCode: Nullable(UnitCode),
    successors: Type.Array(UnitCode, { description: 'the wards it may be claimed for' }),
  },
  { additionalProperties: false },
)

export const UnplacedPageSchema = Page(UnplacedRecordSchema, 'UnplacedPage')

export const ClaimParams = Type.Object(
  { type: RecordType, id: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
)

export const ClaimBody = Type.Object(
  { wardCode: UnitCode, residentialGroupCode: Type.Optional(Nullable(UnitCode)) },
  { additionalProperties: false },
)

export const ClaimedSchema = Type.Object(
  {
    type: RecordType,
    id: Type.String({ format: 'uuid' }),
    from: Type.Object(
      { wardCode: UnitCode, residentialGroupCode: Nullable(UnitCode) },
      { additionalProperties: false },
    ),
    to: Type.Object({ wardCode: UnitCode, residentialGroupCode: Nullable(UnitCode) }, { additionalProperties: false }),
    batchId: Type.String({ format: 'uuid' }),
  },
  { $id: 'ClaimedRecord', additionalProperties: false },
)

const MappingEntrySchema = Type.Object(
  {
    residentialGroupCode: UnitCode,
    successorCode: { ...UnitCode, description: 'a residential group of a new ward, or a new ward' },
    confirmed: Type.Optional(Type.Boolean({ description: 'checked against the published resolution (default true)' })),
  },
  { additionalProperties: false },
)

export const MappingBody = Type.Object(
  { entries: Type.Array(MappingEntrySchema, { minItems: 1, maxItems: 5000 }) },
  { additionalProperties: false },
)

export const MappingCsv = Type.String({
  maxLength: 500_000,
  description: 'CSV: a header residentialGroupCode,successorCode[,confirmed], then one line per group',
})

export const MappingQuery = Type.Object(
  { ward: Type.Optional({ ...UnitCode, description: 'only the groups of this abolished ward' }) },
  { additionalProperties: false },
)

export const MappingListSchema = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          residentialGroupCode: UnitCode,
          wardCode: { ...UnitCode, description: 'the abolished ward the group belonged to' },
          successorCode: UnitCode,
          confirmed: Type.Boolean(),
          source: Type.Enum(['reference', 'admin']),
          version: Type.Integer({ minimum: 1 }),
          updatedAt: Nullable(Type.String({ format: 'date-time' })),
        },
        { additionalProperties: false },
      ),
    ),
    nextCursor: Type.Null(),
  },
  { $id: 'ResidentialGroupMapping', additionalProperties: false },
)

export const reformSchemas = [
  RehomingPreviewSchema,
  RehomingBatchSchema,
  UnplacedPageSchema,
  ClaimedSchema,
  MappingListSchema,
]
