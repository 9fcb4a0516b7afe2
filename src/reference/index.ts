import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import Type, { type Static, type TSchema } from 'typebox'
import Value from 'typebox/value'
import { CriteriaSetDefinition } from '../modules/criteria/schemas.js'

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])
const DateString = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })

const UnitsFile = Type.Object({
  dataset: Type.Literal('units'),
  version: Type.String(),
  notes: Type.Array(Type.String()),
  units: Type.Array(
    Type.Object({
      code: Type.String({ minLength: 1 }),
      officialCode: Nullable(Type.String()),
      nameVi: Type.String({ minLength: 1 }),
      nameEn: Nullable(Type.String()),
      level: Type.Enum(['province', 'district', 'ward', 'residential_group']),
      parentCode: Nullable(Type.String()),
      validFrom: DateString,
      validTo: Nullable(DateString),
      category: Nullable(Type.Enum(['urban_ward_central_city', 'other', 'disadvantaged'])),
      confirmed: Type.Boolean(),
    }),
  ),
  successions: Type.Array(
    Type.Object({
      predecessorCode: Type.String(),
      successorCode: Type.String(),
      effectiveDate: DateString,
      partial: Type.Boolean(),
      confirmed: Type.Boolean(),
    }),
  ),
})

const CircumstanceGroupsFile = Type.Object({
  dataset: Type.Literal('circumstance-groups'),
  version: Type.String(),
  legalBasis: Type.String(),
  notes: Type.Array(Type.String()),
  groups: Type.Array(
    Type.Object({
      code: Type.String({ minLength: 1 }),
      asciiCode: Type.String({ pattern: '^[a-z]{1,2}$' }),
      nameVi: Type.String(),
      nameEn: Type.String(),
      sensitive: Type.Boolean(),
      sortOrder: Type.Integer(),
    }),
  ),
})

const HolidaysFile = Type.Object({
  dataset: Type.Literal('holidays'),
  version: Type.String(),
  timeZone: Type.Literal('Asia/Ho_Chi_Minh'),
  notes: Type.Array(Type.String()),
  days: Type.Array(
    Type.Object({
      date: DateString,
      kind: Type.Enum(['holiday', 'day_off', 'working_day']),
      nameVi: Type.String(),
      nameEn: Type.String(),
      confirmed: Type.Boolean(),
      legalBasis: Type.String({ minLength: 1 }),
    }),
  ),
})

const RolesFile = Type.Object({
  dataset: Type.Literal('roles'),
  version: Type.String(),
  notes: Type.Array(Type.String()),
  roles: Type.Array(
    Type.Object({
      code: Type.String({ pattern: '^[a-z_]+$' }),
      nameVi: Type.String(),
      nameEn: Type.String(),
      kind: Type.Enum(['person', 'machine']),
      permissions: Type.Array(Type.String()),
      grantable: Type.Array(Type.String()),
    }),
  ),
})

const EthnicitiesFile = Type.Object({
  dataset: Type.Literal('ethnicities'),
  version: Type.String(),
  legalBasis: Type.String(),
  notes: Type.Array(Type.String()),
  ethnicities: Type.Array(
    Type.Object({ code: Type.String({ pattern: '^\\d{2}$' }), nameVi: Type.String(), nameEn: Type.String() }),
  ),
})

const CriteriaSetsFile = Type.Object({
  dataset: Type.Literal('criteria-sets'),
  version: Type.String(),
  notes: Type.Array(Type.String()),
  sets: Type.Array(CriteriaSetDefinition),
})

/** Where an indicator stands in the Ministry's statistical system (Circular 13/2021/TT-BLĐTBXH). */
export const OfficialIndicatorCode = Type.Object(
  {
    instrument: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'the legal instrument, e.g. 13/2021/TT-BLĐTBXH',
    }),
    annex: Type.String({
      minLength: 1,
      maxLength: 10,
      description: 'the annex holding the indicator: III (children) or IV (abuse); codes restart in each',
    }),
    code: Nullable(
      Type.String({
        pattern: '^[0-9]{4}$',
        description: 'the indicator’s four-digit code in its annex; null while unknown',
      }),
    ),
    nameVi: Type.String({ minLength: 1, maxLength: 500, description: 'the indicator’s name in the instrument' }),
    formRow: Nullable(
      Type.String({
        minLength: 1,
        maxLength: 50,
        description: 'the row of the report form (biểu mẫu) it is reported on',
      }),
    ),
    confirmed: Type.Boolean({ description: 'whether code and name are checked against the instrument’s text' }),
  },
  { $id: 'OfficialIndicatorCode', additionalProperties: false },
)

const IndicatorsFile = Type.Object({
  dataset: Type.Literal('indicators'),
  version: Type.String(),
  notes: Type.Array(Type.String()),
  indicators: Type.Array(
    Type.Object({
      code: Type.String({ pattern: '^[A-Z0-9_]+$' }),
      nameVi: Type.String({ minLength: 1 }),
      nameEn: Type.String({ minLength: 1 }),
      kind: Type.Enum(['count', 'percentage']),
      numerator: Type.String({ minLength: 1 }),
      denominator: Nullable(Type.String({ minLength: 1 })),
      breakdowns: Type.Array(
        Type.Enum(['sex', 'ageGroup', 'groupCode', 'kind', 'setting', 'urgency', 'closureReason']),
      ),
      source: Type.Enum(['registry', 'incidents', 'assessments', 'reports']),
      measure: Type.String({ pattern: '^[a-z]+\\.[a-z0-9_]+$' }),
      official: Nullable(OfficialIndicatorCode),
    }),
  ),
  targets: Type.Array(
    Type.Object({
      planYear: Type.Integer({ minimum: 2000, maximum: 2100 }),
      indicatorCode: Type.String(),
      comparator: Type.Enum(['>=', '<=', '=', '<', '>']),
      value: Type.Number({ minimum: 0 }),
      unit: Type.Enum(['percent', 'count', 'wards']),
    }),
  ),
  periods: Type.Array(
    Type.Object({
      code: Type.String(),
      kind: Type.Enum(['ward_plan', 'six_month', 'nine_month', 'annual']),
      year: Type.Integer({ minimum: 2000, maximum: 2100 }),
      dueDate: DateString,
      windowFrom: DateString,
      windowTo: DateString,
    }),
  ),
})

/** One deadline rule of the Decree 56 process: a step, counted in hours or working days from its anchor. */
export const CaseStepRule = Type.Object(
  {
    step: Type.Enum([
      'initial_assessment',
      'emergency_protection',
      'specific_assessment',
      'support_plan',
      'plan_approval',
    ]),
    kind: Type.Enum(['hours', 'working_days']),
    amount: Type.Integer({ minimum: 1, maximum: 240 }),
    anchor: Type.Literal('receipt', { description: 'the instant the deadline counts from: the receipt of the report' }),
    confirmed: Type.Boolean({ description: 'whether the figure is checked against the legal text' }),
  },
  { additionalProperties: false },
)

const CaseStepRulesFile = Type.Object({
  dataset: Type.Literal('case-step-rules'),
  version: Type.String(),
  notes: Type.Array(Type.String()),
  effectiveFrom: DateString,
  legalBasis: Type.String({ minLength: 1 }),
  rules: Type.Array(CaseStepRule),
  writtenReportKinds: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
})

export interface ReferenceFile<T> {
  name: string
  sha256: string
  data: T
}

function load<S extends TSchema>(fileName: string, schema: S): ReferenceFile<Static<S>> {
  const text = readFileSync(new URL(`./${fileName}`, import.meta.url), 'utf8')
  const data: unknown = JSON.parse(text)
  const errors = [...Value.Errors(schema, data)]
  if (errors.length > 0) {
    const first = errors[0]!
    throw new Error(`reference file ${fileName} is invalid at ${first.instancePath || '/'}: ${first.message}`)
  }
  return {
    name: fileName.replace(/\.json$/, ''),
    sha256: createHash('sha256').update(text).digest('hex'),
    data: data as Static<S>,
  }
}

export const loadUnits = () => load('units.json', UnitsFile)
export const loadCircumstanceGroups = () => load('circumstance-groups.json', CircumstanceGroupsFile)
export const loadHolidays = () => load('holidays.json', HolidaysFile)
export const loadRoles = () => load('roles.json', RolesFile)
export const loadEthnicities = () => load('ethnicities.json', EthnicitiesFile)
export const loadIndicators = () => load('indicators.json', IndicatorsFile)
export const loadCriteriaSets = () => load('criteria-decision-06.json', CriteriaSetsFile)
export const loadCaseStepRules = () => load('case-step-rules.json', CaseStepRulesFile)

export type UnitsData = Static<typeof UnitsFile>
export type CircumstanceGroupsData = Static<typeof CircumstanceGroupsFile>
export type HolidaysData = Static<typeof HolidaysFile>
export type RolesData = Static<typeof RolesFile>
export type IndicatorsData = Static<typeof IndicatorsFile>
export type CriteriaSetsData = Static<typeof CriteriaSetsFile>
export type CaseStepRulesData = Static<typeof CaseStepRulesFile>
