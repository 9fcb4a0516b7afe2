import Type, { type TSchema } from 'typebox'
import { IsoDate, Timestamp } from '../../platform/schemas.js'
import { OfficialIndicatorCode } from '../../reference/index.js'
import { UnitCode } from '../units/schemas.js'
import { dimensions } from './measures.js'
import { periodKinds } from './rules.js'

const Nullable = <T extends TSchema>(schema: T, options: { description?: string } = {}) =>
  Type.Union([schema, Type.Null()], options)

export const Year = Type.Integer({ minimum: 2000, maximum: 2100, description: 'plan year' })
const Comparator = Type.Enum(['>=', '<=', '=', '<', '>'])
const TargetUnit = Type.Enum(['percent', 'count', 'wards'], {
  description: 'percent of the denominator, a count, or wards of the district ("14 of 14")',
})
const Dimension = Type.Enum([...dimensions])

export const IndicatorDefinitionSchema = Type.Object(
  {
    code: Type.String(),
    version: Type.Integer({ description: 'definitions are versioned data; the latest version is shown' }),
    nameVi: Type.String(),
    nameEn: Type.String(),
    kind: Type.Enum(['count', 'percentage']),
    numerator: Type.String({ description: 'what is counted (for a count, the figure itself)' }),
    denominator: Nullable(Type.String()),
    breakdowns: Type.Array(Dimension, { description: 'the breakdowns the indicator can be split by' }),
    source: Type.Enum(['registry', 'incidents', 'assessments', 'reports']),
    measure: Type.String({ description: 'the machine key of the query that computes it' }),
    official: Nullable(Type.Ref('OfficialIndicatorCode'), {
      description:
        'where it stands in Circular 13/2021/TT-BLĐTBXH (annex and code); null for an indicator of the district plan with no counterpart known there',
    }),
    available: Type.Boolean({ description: 'false while the service has no data source for this definition' }),
    publishedAt: Timestamp(),
  },
  { $id: 'IndicatorDefinition', additionalProperties: false },
)

export const IndicatorCodeParams = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Z0-9_]+$' }) },
  { additionalProperties: false },
)

export const PutOfficialCodeBody = Type.Object(
  {
    official: Nullable(Type.Object(OfficialIndicatorCode.properties, { additionalProperties: false }), {
      description: 'null: the indicator has no counterpart in the Circular',
    }),
  },
  { additionalProperties: false },
)

export const IndicatorListSchema = Type.Object(
  { items: Type.Array(Type.Ref('IndicatorDefinition')), nextCursor: Type.Null() },
  { $id: 'IndicatorList', additionalProperties: false },
)

const TargetFields = {
  indicatorCode: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Z0-9_]+$' }),
  comparator: Comparator,
  value: Type.Number({ minimum: 0, maximum: 1_000_000 }),
  unit: TargetUnit,
}

export const PlanTargetsSchema = Type.Object(
  {
    year: Year,
    version: Type.Integer({ description: 'send as If-Match (the ETag) to change the targets' }),
    targets: Type.Array(
      Type.Object(
        { ...TargetFields, updatedAt: Timestamp(), updatedBy: Nullable(Type.String()) },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'PlanTargets', additionalProperties: false },
)

export const PutTargetsBody = Type.Object(
  { targets: Type.Array(Type.Object(TargetFields, { additionalProperties: false }), { maxItems: 100 }) },
  { additionalProperties: false },
)

export const YearParams = Type.Object({ year: Year }, { additionalProperties: false })

export const ReportingPeriodSchema = Type.Object(
  {
    code: Type.String({ description: 'year and kind, e.g. 2024-six_month' }),
    year: Year,
    kind: Type.Enum([...periodKinds]),
    dueDate: IsoDate({ description: 'on time up to 23:59:59 Asia/Ho_Chi_Minh on this date' }),
    windowFrom: IsoDate({ description: 'first day of the data the report covers' }),
    windowTo: IsoDate({ description: 'last day of the data the report covers' }),
    stored: Type.Boolean({ description: 'false when the plan’s default applies (nothing stored for this period yet)' }),
    version: Type.Integer({ description: 'send as If-Match (the ETag) to change the period' }),
  },
  { $id: 'ReportingPeriod', additionalProperties: false },
)

export const ReportingPeriodListSchema = Type.Object(
  { items: Type.Array(Type.Ref('ReportingPeriod')), nextCursor: Type.Null() },
  { $id: 'ReportingPeriodList', additionalProperties: false },
)

export const PeriodCode = Type.String({
  pattern: `^\\d{4}-(${periodKinds.join('|')})$`,
  description: 'year and kind, e.g. 2024-six_month',
})

export const PeriodParams = Type.Object({ code: PeriodCode }, { additionalProperties: false })

export const PeriodsQuery = Type.Object({ year: Year }, { additionalProperties: false })

export const PutPeriodBody = Type.Object(
  { dueDate: IsoDate(), windowFrom: IsoDate(), windowTo: IsoDate() },
  { additionalProperties: false },
)

const SuppressedSchema = Type.Object(
  { suppressed: Type.Literal(true) },
  {
    $id: 'Suppressed',
    additionalProperties: false,
    description:
      'a count withheld from a city system: a count of 1 to 4 children or incidents, or a count it could be narrowed down from (see docs/security.md, disclosure control)',
  },
)

const Count = Type.Union([Type.Integer({ minimum: 0 }), Type.Ref('Suppressed')])
const FigureValue = Type.Union([Type.Number(), Type.Ref('Suppressed'), Type.Null()], {
  description: 'the count, or the percentage with 2 decimals; null when the denominator is 0',
})

const BreakdownSchema = Type.Object(
  {
    dimensions: Type.Array(Dimension),
    cells: Type.Array(
      Type.Object(
        {
          key: Type.Record(Type.String(), Type.String(), {
            description: 'the value of each dimension, e.g. { "sex": "female", "ageGroup": "0-2" }',
          }),
          numerator: Count,
          denominator: Nullable(Count),
          value: FigureValue,
        },
        { additionalProperties: false },
      ),
      { description: 'cells not listed are 0' },
    ),
  },
  { $id: 'Breakdown', additionalProperties: false },
)

const TargetSchema = Nullable(
  Type.Object({ comparator: Comparator, value: Type.Number(), unit: TargetUnit }, { additionalProperties: false }),
)

const UnitFigureSchema = Type.Object(
  {
    unitCode: Type.String(),
    numerator: Nullable(Count),
    denominator: Nullable(Count),
    value: FigureValue,
    met: Nullable(Type.Boolean({ description: 'against the plan year’s target; null without a target or a figure' })),
    breakdowns: Type.Array(Type.Ref('Breakdown')),
  },
  { $id: 'UnitFigure', additionalProperties: false },
)

/** What names an indicator wherever its figures appear: in the live table and in a report's snapshot. */
export const indicatorIdentity = {
  code: Type.String(),
  version: Type.Integer(),
  nameVi: Type.String(),
  nameEn: Type.String(),
  kind: Type.Enum(['count', 'percentage']),
  source: Type.String(),
  available: Type.Boolean(),
}

export const IndicatorTableSchema = Type.Object(
  {
    year: Year,
    asOf: IsoDate({ description: 'the last day counted' }),
    windowFrom: IsoDate(),
    map: Nullable(
      IsoDate({
        description:
          'the date whose map of wards the period is reprojected onto (`map=`); null when counted on the map of its window',
      }),
    ),
    unit: Type.Object(
      { code: Type.String(), nameVi: Type.String(), level: Type.String() },
      { additionalProperties: false },
    ),
    wards: Type.Array(
      Type.Object(
        {
          code: Type.String(),
          nameVi: Type.String(),
          abolished: Type.Optional(
            Type.Boolean({
              description: 'deprecated: the same as `offMap: "abolished"`, kept for clients written before `offMap`',
            }),
          ),
          offMap: Type.Optional(
            Type.Enum(['abolished', 'created_later'], {
              description:
                'a row that is not a ward of the table’s map, counted for the records filed at it that no mapping places on the map, so that the wards add up to the total: a ward abolished in the 2025 reorganisation (records not yet re-homed), or, reprojected onto an earlier map, a ward created after it',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    smallCellsWithheld: Type.Boolean({
      description:
        'true for city systems: counts of 1 to 4 children or incidents, and the counts they could be narrowed down from, are shown as { "suppressed": true }; every breakdown lists all its cells',
    }),
    publishedAt: Nullable(
      Timestamp({
        description:
          'for callers from whom small counts are withheld: when this closed period’s table was first published, by the first request for it or, for a unit whose tables were read for an earlier closing day, by the service an hour after the closing day ended. It is read back unchanged from then on, every breakdown such a caller may ask for protected together (for counts of incidents, together with the year’s tables already published for its other closing days too, what came in between two of them protected as a count; one that cannot be protected with them withholds every count, as does a table of a percentage whose numerators and denominators, read over the year together, would narrow a count or hold too many withheld counts to check), so records entered into the period later are counted from the next closed period on; null for officers, whose figures are computed live',
      }),
    ),
    indicators: Type.Array(
      Type.Object(
        {
          ...indicatorIdentity,
          target: TargetSchema,
          values: Type.Array(Type.Ref('UnitFigure'), {
            description:
              'each ward (when the unit is above a ward), then the unit itself; ward figures add up to the unit’s',
          }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'IndicatorTable', additionalProperties: false },
)

const BreakdownQuery = Type.String({
  pattern: `^(${dimensions.join('|')})(,(${dimensions.join('|')}))*$`,
  description:
    'comma-separated breakdowns, e.g. sex,ageGroup; each indicator is split by those it allows. Callers from whom small counts are withheld may ask for one breakdown, or sex,ageGroup (400 breakdown_not_published otherwise)',
})

export const ValuesQuery = Type.Object(
  {
    year: Year,
    unit: Type.Optional(UnitCode),
    asOf: Type.Optional(
      IsoDate({
        description:
          'last day counted; default today, or 31 December of a past year. For callers from whom small counts are withheld, ' +
          'the last day of a closed reporting period (the latest by default)',
      }),
    ),
    breakdown: Type.Optional(BreakdownQuery),
    map: Type.Optional(
      IsoDate({
        description:
          'reproject the period onto the wards valid on this date, through the residential-group mapping (e.g. 2024 figures per ward of today); indicators of facts kept per ward (reports, assessments) are then not available. Not for callers from whom small counts are withheld (400 map_not_published), who read a period on the map of its window',
      }),
    ),
  },
  { additionalProperties: false },
)

export const ExportFormat = Type.Enum(['xlsx', 'csv', 'json'])

export const ValuesExportQuery = Type.Object(
  { ...ValuesQuery.properties, format: ExportFormat },
  { additionalProperties: false },
)

/** One row of an export: the same figures whatever the format. */
const ExportRowSchema = Type.Object(
  {
    indicatorCode: Type.String(),
    indicatorName: Type.String(),
    unitCode: Type.String(),
    unitName: Type.String(),
    breakdown: Type.String({ description: 'e.g. "Giới tính: Nữ; Nhóm tuổi: 0-2"; empty for the unit’s total' }),
    numerator: Nullable(Count),
    denominator: Nullable(Count),
    value: FigureValue,
    target: Type.String({ description: 'e.g. "≥ 90%"; empty without a target' }),
    met: Nullable(Type.Boolean()),
  },
  { $id: 'ExportRow', additionalProperties: false },
)

const ExportDocumentSchema = Type.Object(
  {
    title: Type.String(),
    unit: Type.Object({ code: Type.String(), nameVi: Type.String() }, { additionalProperties: false }),
    period: Type.String({ description: 'what the figures cover, in words' }),
    windowFrom: IsoDate(),
    asOf: IsoDate(),
    generatedAt: Timestamp(),
    rows: Type.Array(Type.Ref('ExportRow')),
  },
  { $id: 'ExportDocument', additionalProperties: false },
)

export const exportResponse = {
  description: 'The table as XLSX (ready to print and sign), CSV or JSON: the same rows and figures in each',
  content: {
    'application/json': { schema: Type.Ref('ExportDocument') },
    'text/csv': { schema: { type: 'string' } },
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': {
      schema: { type: 'string', format: 'binary' },
    },
  },
}

export const indicatorSchemas = [
  OfficialIndicatorCode,
  IndicatorDefinitionSchema,
  IndicatorListSchema,
  PlanTargetsSchema,
  ReportingPeriodSchema,
  ReportingPeriodListSchema,
  SuppressedSchema,
  BreakdownSchema,
  UnitFigureSchema,
  IndicatorTableSchema,
  ExportRowSchema,
  ExportDocumentSchema,
]
