import Type, { type TSchema } from 'typebox'
import { IsoDate, Page, PaginationQuery, Timestamp } from '../../platform/schemas.js'
import { ExportFormat, indicatorIdentity, PeriodCode, Year } from '../indicators/schemas.js'
import { periodKinds } from '../indicators/rules.js'
import { UnitCode } from '../units/schemas.js'
import { reportStates } from './tables.js'
import { reportLevels } from './rules.js'

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])

const SectionSchema = Type.Object(
  {
    key: Type.String({ minLength: 1, maxLength: 50, pattern: '^[a-z][a-z0-9_]*$' }),
    title: Type.String({ minLength: 1, maxLength: 300 }),
    text: Type.String({ maxLength: 50_000 }),
  },
  { additionalProperties: false },
)

const sectionsDescription =
  'the narrative, in order; keys are unique. A text may not hold personal data: a number of 9, 10 or 12 digits (as a citizen ID or social insurance number is written), a health insurance card number, a telephone number, an e-mail address, or the full name (three syllables or more, capitalised) of a child or household head registered in the report’s unit, in a title or a text (422 `invalid_report`, error code `personal_data`)'

const Sections = Type.Array(SectionSchema, { maxItems: 30, description: sectionsDescription })

const SectionViewSchema = Type.Object(
  {
    ...SectionSchema.properties,
    withheld: Type.Optional(
      Type.Literal(true, {
        description:
          'present for a caller who reads aggregates only (a city system) when the section holds personal data (written before the check, or naming a child registered since): its text is then empty, and its title replaced where the title holds it',
      }),
    ),
  },
  { additionalProperties: false },
)

const Action = Type.Enum(['edit', 'submit', 'approve', 'return'])

const ReportIndicatorSchema = Type.Object(
  {
    ...indicatorIdentity,
    target: Nullable(
      Type.Object(
        { comparator: Type.String(), value: Type.Number(), unit: Type.String() },
        { additionalProperties: false },
      ),
    ),
    figure: Nullable(Type.Ref('UnitFigure')),
  },
  { $id: 'ReportIndicator', additionalProperties: false },
)

const ReportSnapshotSchema = Type.Object(
  {
    unitCode: Type.String(),
    unitName: Type.String(),
    windowFrom: IsoDate(),
    windowTo: IsoDate(),
    asOf: IsoDate({
      description: 'the last day counted: the end of the window, or the day the figures were frozen if earlier',
    }),
    computedAt: Timestamp(),
    smallCellsWithheld: Type.Boolean({
      description:
        'true for a caller from whom small counts are withheld (a city system): the counts of children and incidents are then those the period’s published indicator table shows of the same unit (withheld where it withholds them), whatever the report counted when it was frozen, and `met` is judged on them; a consolidation of fewer wards than the table lists shows none of them',
    }),
    indicators: Type.Array(Type.Ref('ReportIndicator')),
    consolidation: Type.Optional(
      Type.Array(
        Type.Object(
          {
            unitCode: Type.String(),
            nameVi: Type.String(),
            reportId: Nullable(Type.String({ format: 'uuid' })),
            state: Nullable(Type.Enum([...reportStates])),
            included: Type.Boolean({ description: 'only approved ward reports are summed' }),
          },
          { additionalProperties: false },
        ),
        { description: 'district reports: every ward of the district, and whether its report was summed' },
      ),
    ),
  },
  { $id: 'ReportSnapshot', additionalProperties: false },
)

const reportMembers = {
  id: Type.String({ format: 'uuid' }),
  unitCode: Type.String(),
  level: Type.Enum([...reportLevels], {
    description:
      'ward: a ward’s own report; district, province (the city) or ward_group: a consolidation of the unit’s ward reports',
  }),
  periodCode: Type.String(),
  state: Type.Enum([...reportStates]),
  submittedAt: Nullable(Timestamp({ description: 'latest submission, stamped by the server' })),
  firstSubmittedAt: Nullable(Timestamp({ description: 'the first submission decides timeliness' })),
  timeliness: Nullable(Type.Enum(['on_time', 'late'])),
  reviewedAt: Nullable(Timestamp()),
  reviewComments: Nullable(
    Type.String({
      description:
        'null for a caller who reads aggregates only (a city system): the review is the ward’s and the district’s',
    }),
  ),
  submissionCount: Type.Integer(),
  allowedActions: Type.Array(Action, { description: 'what may happen next in this state (permissions aside)' }),
  version: Type.Integer(),
  createdAt: Timestamp(),
  updatedAt: Timestamp(),
}

const ReportSummarySchema = Type.Object(reportMembers, { $id: 'ReportSummary', additionalProperties: false })

export const ReportSchema = Type.Object(
  {
    ...reportMembers,
    sections: Type.Array(SectionViewSchema, { maxItems: 30, description: 'the narrative, in order' }),
    snapshot: Type.Ref('ReportSnapshot'),
    submissions: Type.Array(
      Type.Object(
        {
          number: Type.Integer(),
          submittedAt: Timestamp(),
          outcome: Type.Enum(['pending', 'approved', 'returned']),
          reviewComments: Nullable(Type.String({ description: 'null for a caller who reads aggregates only' })),
        },
        { additionalProperties: false },
      ),
      { description: 'every submission, kept as it was submitted' },
    ),
  },
  { $id: 'Report', additionalProperties: false },
)

export const ReportPageSchema = Page(Type.Ref('ReportSummary'), 'ReportPage')

export const CreateReportBody = Type.Object(
  {
    periodCode: PeriodCode,
    unitCode: UnitCode,
    level: Type.Optional(
      Type.Enum([...reportLevels], { description: 'follows from the unit; when given it must match' }),
    ),
    sections: Type.Optional(Sections),
  },
  { additionalProperties: false },
)

export const UpdateReportBody = Type.Object(
  {
    sections: Type.Optional(Sections),
    refreshFigures: Type.Optional(
      Type.Boolean({ description: 'true: freeze the figures again, as of today (or the end of the window)' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
)

export const ReturnReportBody = Type.Object(
  {
    comments: Type.String({
      minLength: 1,
      maxLength: 5000,
      description: 'what the ward must correct; it may not hold personal data, as a section’s text may not',
    }),
  },
  { additionalProperties: false },
)

export const ReportParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false })

export const ListReportsQuery = Type.Object(
  {
    period: Type.Optional(PeriodCode),
    unit: Type.Optional(UnitCode),
    state: Type.Optional(Type.Enum([...reportStates])),
    ...PaginationQuery,
  },
  { additionalProperties: false },
)

export const ReportExportQuery = Type.Object({ format: ExportFormat }, { additionalProperties: false })

export const TimelinessQuery = Type.Object(
  { year: Year, unit: Type.Optional(UnitCode) },
  { additionalProperties: false },
)

export const TimelinessSchema = Type.Object(
  {
    year: Year,
    unit: Type.Object(
      { code: Type.String(), nameVi: Type.String(), level: Type.String() },
      { additionalProperties: false },
    ),
    periods: Type.Array(
      Type.Object(
        {
          code: Type.String(),
          kind: Type.Enum([...periodKinds]),
          dueDate: IsoDate(),
          expected: Type.Integer({ description: 'wards that owe the report (valid on the due date)' }),
          submitted: Type.Integer(),
          onTime: Type.Integer(),
          late: Type.Integer(),
          missing: Type.Integer({ description: 'not submitted, due date passed' }),
          notDue: Type.Integer({ description: 'not submitted, due date not yet passed' }),
          onTimePercentage: Nullable(Type.Number({ description: 'on time among the reports due' })),
          wards: Type.Array(
            Type.Object(
              {
                unitCode: Type.String(),
                nameVi: Type.String(),
                reportId: Nullable(Type.String({ format: 'uuid' })),
                state: Nullable(Type.Enum([...reportStates])),
                timeliness: Type.Enum(['on_time', 'late', 'missing', 'not_due']),
                firstSubmittedAt: Nullable(Timestamp()),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'ReportTimeliness', additionalProperties: false },
)

export const DataValueSetSchema = Type.Object(
  {
    period: Type.String({
      description: 'DHIS2 period: 2024Q1 (ward plan), 2024S1 (6-month), 2024Q3 (9-month), 2024 (annual)',
    }),
    orgUnit: Type.String(),
    completeDate: Nullable(IsoDate()),
    dataValues: Type.Array(
      Type.Object(
        {
          dataElement: Type.String({ description: 'the indicator code' }),
          period: Type.String(),
          orgUnit: Type.String({ description: 'the unit code' }),
          value: Type.String(),
        },
        { additionalProperties: false },
      ),
    ),
  },
  {
    $id: 'DataValueSet',
    additionalProperties: false,
    description: 'DHIS2 dataValueSets JSON (POST /api/dataValueSets)',
  },
)

export const reportSchemas = [
  ReportIndicatorSchema,
  ReportSnapshotSchema,
  ReportSummarySchema,
  ReportSchema,
  ReportPageSchema,
  TimelinessSchema,
  DataValueSetSchema,
]
