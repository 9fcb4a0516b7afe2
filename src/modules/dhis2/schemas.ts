import Type, { type TSchema } from 'typebox'
import { IsoDate, Timestamp } from '../../platform/schemas.js'
import { dimensions } from '../indicators/measures.js'
import { UnitCode } from '../units/schemas.js'
import { dhis2PeriodPattern, dhis2PeriodTypes, dhis2UidPattern, gapReasons } from './rules.js'

const Nullable = <T extends TSchema>(schema: T, options: { description?: string } = {}) =>
  Type.Union([schema, Type.Null()], options)

const Uid = (description: string) =>
  Type.String({ pattern: dhis2UidPattern, minLength: 11, maxLength: 11, description: `${description} (DHIS2 UID)` })

const BreakdownKey = Type.Object(
  Object.fromEntries(dimensions.map((dimension) => [dimension, Type.Optional(Type.String({ maxLength: 50 }))])),
  {
    additionalProperties: false,
    minProperties: 1,
    description:
      'a breakdown cell: one value per dimension of the category combination, e.g. {"sex":"male","ageGroup":"0-2"}',
  },
)

const mappingMembers = {
  dataSets: Type.Object(
    {
      Monthly: Nullable(Uid('the data set of monthly values')),
      Quarterly: Nullable(Uid('the data set of quarterly values')),
      SixMonthly: Nullable(Uid('the data set of six-monthly values')),
      Yearly: Nullable(Uid('the data set of yearly values')),
    },
    {
      additionalProperties: false,
      description:
        'the data set each period type posts for (a DHIS2 data set has one period type); null: that type is not exported',
    },
  ),
  attributeOptionCombo: Nullable(Uid('the attribute option combo of every value: usually the instance’s default')),
  defaultCategoryOptionCombo: Nullable(
    Uid('the default category option combo: totals of data elements without breakdown'),
  ),
  dataElements: Type.Array(
    Type.Object(
      {
        indicatorCode: Type.String({ minLength: 1, maxLength: 64 }),
        dataElement: Uid('receives the numerator; for a count, the count'),
        denominatorDataElement: Nullable(
          Uid('receives the denominator; required for a percentage, whose rate DHIS2 computes from the two'),
        ),
        breakdown: Type.Array(Type.Enum([...dimensions]), {
          uniqueItems: true,
          maxItems: 3,
          description: 'the dimensions the data element’s category combination crosses; [] for the default combination',
        }),
      },
      { additionalProperties: false },
    ),
    { maxItems: 200 },
  ),
  categoryOptionCombos: Type.Array(
    Type.Object(
      { key: BreakdownKey, categoryOptionCombo: Uid('the category option combo of that cell') },
      { additionalProperties: false },
    ),
    { maxItems: 2000 },
  ),
  orgUnits: Type.Array(
    Type.Object({ unitCode: UnitCode, orgUnit: Uid('the organisation unit') }, { additionalProperties: false }),
    { maxItems: 2000 },
  ),
}

const mappingExample = {
  dataSets: { Monthly: null, Quarterly: 'pBOMPrpg1QX', SixMonthly: null, Yearly: 'QX4ZTUbOt3a' },
  attributeOptionCombo: 'HllvX50cXC0',
  defaultCategoryOptionCombo: 'HllvX50cXC0',
  dataElements: [
    { indicatorCode: 'INJURY_ACCIDENTS', dataElement: 'fbfJHSPpUQD', denominatorDataElement: null, breakdown: ['sex'] },
    {
      indicatorCode: 'UNDER6_BHYT_PCT',
      dataElement: 'cYeuwXTCPkU',
      denominatorDataElement: 'Jtf34kNZhzP',
      breakdown: [],
    },
  ],
  categoryOptionCombos: [
    { key: { sex: 'male' }, categoryOptionCombo: 'Prlt0C1RF0s' },
    { key: { sex: 'female' }, categoryOptionCombo: 'V6L425pT3A0' },
    { key: { sex: 'unknown' }, categoryOptionCombo: 'hEFKSsPV5et' },
  ],
  orgUnits: [
    { unitCode: '00301-2025', orgUnit: 'DiszpKrYNg8' },
    { unitCode: '00316-2025', orgUnit: 'g8upMTyEZGZ' },
  ],
}

export const PutDhis2MappingBody = Type.Object(mappingMembers, {
  additionalProperties: false,
  examples: [mappingExample],
})

export const Dhis2MappingSchema = Type.Object(
  {
    ...mappingMembers,
    version: Type.Integer({ minimum: 1, description: 'the ETag; If-Match on a change' }),
    updatedAt: Nullable(Timestamp()),
    updatedBy: Nullable(Type.String({ description: 'the administrator who last set it' })),
  },
  {
    $id: 'Dhis2Mapping',
    additionalProperties: false,
    examples: [
      {
        ...mappingExample,
        version: 2,
        updatedAt: '2026-07-02T03:00:00.000Z',
        updatedBy: '3f0c2a4e-5b7d-4c1e-9a8f-1d2e3f4a5b6c',
      },
    ],
  },
)

export const Dhis2ExportQuery = Type.Object(
  {
    period: Type.String({
      pattern: dhis2PeriodPattern,
      description:
        'a DHIS2 period that has ended: 202604 (month), 2026Q2 (quarter), 2026S1 (January–June), 2026 (year)',
      examples: ['2026Q2'],
    }),
    unit: Type.Optional(UnitCode),
  },
  { additionalProperties: false },
)

const DataValue = Type.Object(
  {
    dataElement: Uid('the data element'),
    period: Type.String(),
    orgUnit: Uid('the organisation unit'),
    categoryOptionCombo: Uid('the breakdown cell, or the default combination'),
    attributeOptionCombo: Uid('the attribute option combo'),
    value: Type.String({ description: 'a whole count, as DHIS2 takes it' }),
  },
  { additionalProperties: false },
)

export const Dhis2DataValueSetSchema = Type.Object(
  {
    dataSet: Uid('the data set'),
    period: Type.String({ description: 'the DHIS2 period of every value' }),
    attributeOptionCombo: Uid('the attribute option combo'),
    dataValues: Type.Array(DataValue),
  },
  {
    $id: 'Dhis2DataValueSet',
    additionalProperties: false,
    description: 'DHIS2 dataValueSets JSON, ready for POST /api/dataValueSets',
    examples: [
      {
        dataSet: 'pBOMPrpg1QX',
        period: '2026Q2',
        attributeOptionCombo: 'HllvX50cXC0',
        dataValues: [
          {
            dataElement: 'fbfJHSPpUQD',
            period: '2026Q2',
            orgUnit: 'DiszpKrYNg8',
            categoryOptionCombo: 'Prlt0C1RF0s',
            attributeOptionCombo: 'HllvX50cXC0',
            value: '7',
          },
        ],
      },
    ],
  },
)

export const Dhis2DryRunSchema = Type.Object(
  {
    period: Type.String(),
    periodType: Type.Enum([...dhis2PeriodTypes]),
    windowFrom: IsoDate(),
    windowTo: IsoDate(),
    unitCode: Type.String(),
    smallCellsWithheld: Type.Boolean(),
    ready: Type.Boolean({ description: 'true when every value the period has can be posted (withheld ones aside)' }),
    values: Type.Integer({ description: 'values the export would post' }),
    withheld: Type.Integer({
      description: 'values left out by disclosure control: not posted, so DHIS2 holds no value for them',
    }),
    gaps: Type.Array(
      Type.Object(
        {
          reason: Type.Enum([...gapReasons]),
          indicatorCode: Type.Optional(Type.String()),
          unitCode: Type.Optional(Type.String()),
          key: Type.Optional(Type.Record(Type.String(), Type.String())),
          values: Type.Integer({ description: 'values of the period this gap keeps from being posted' }),
          message: Type.String(),
        },
        { additionalProperties: false },
      ),
      { description: 'every value that cannot be posted, grouped by what is missing' },
    ),
    skipped: Type.Array(
      Type.Object(
        {
          indicatorCode: Type.String(),
          reason: Type.Enum(['not_available', 'annual_only', 'breakdown_not_published']),
          message: Type.String(),
        },
        { additionalProperties: false },
      ),
      { description: 'indicators not posted for this period by design' },
    ),
  },
  {
    $id: 'Dhis2DryRun',
    additionalProperties: false,
    examples: [
      {
        period: '2026Q2',
        periodType: 'Quarterly',
        windowFrom: '2026-04-01',
        windowTo: '2026-06-30',
        unitCode: '01',
        smallCellsWithheld: false,
        ready: false,
        values: 42,
        withheld: 0,
        gaps: [
          {
            reason: 'org_unit_not_mapped',
            unitCode: '00322-2025',
            values: 14,
            message: 'Unit 00322-2025 has no DHIS2 org unit.',
          },
        ],
        skipped: [
          {
            indicatorCode: 'ABUSED_CHILDREN',
            reason: 'annual_only',
            message: 'Counts distinct children or cases judged at the window’s end: posted for yearly periods only.',
          },
        ],
      },
    ],
  },
)

export const dhis2Schemas = [Dhis2MappingSchema, Dhis2DataValueSetSchema, Dhis2DryRunSchema]
