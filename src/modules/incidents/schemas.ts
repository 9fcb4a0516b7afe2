import Type, { type TSchema } from 'typebox'
import { IsoDate, PaginationQuery, Page, Timestamp } from '../../platform/schemas.js'
import { CaseStepRule } from '../../reference/index.js'
import { UnitCode } from '../units/schemas.js'
import {
  caseSteps,
  channels,
  complianceStates,
  incidentKinds,
  incidentSettings,
  injuryOutcomes,
  sexualAbuseSubKinds,
  timePrecisions,
} from './rules.js'

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])
const Sensitive = <T extends TSchema>(schema: T, what: string) =>
  Type.Optional({
    ...schema,
    description: `${what}. Sensitive: omitted for callers without incidents:sensitive.`,
    'x-sensitive': true,
  })

const InstantInput = Type.String({ format: 'date-time', description: 'RFC 3339 with offset' })

const IncidentChildInput = Type.Union([
  Type.Object(
    { childId: Type.String({ format: 'uuid', description: 'a child of the registry in your units' }) },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      unregistered: Type.Object(
        {
          fullName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          dateOfBirth: Type.Optional(IsoDate()),
          estimatedAgeYears: Type.Optional(Type.Integer({ minimum: 0, maximum: 17 })),
          sex: Type.Optional(Type.Enum(['male', 'female', 'unknown'])),
        },
        {
          additionalProperties: false,
          description: 'minimal details of a child not (yet) in the registry; link later',
        },
      ),
    },
    { additionalProperties: false },
  ),
])

const IncidentChildSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    sex: Nullable(Type.String()),
    ageYears: Nullable(Type.Integer()),
    childId: Sensitive(Nullable(Type.String({ format: 'uuid' })), 'the registry child'),
    unregistered: Sensitive(
      Nullable(Type.Object({}, { additionalProperties: true })),
      'identity of an unregistered child',
    ),
  },
  { $id: 'IncidentChild', additionalProperties: false },
)

const IncidentStepSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    step: Type.Enum([...caseSteps]),
    at: Timestamp(),
    dueAt: Nullable(Timestamp({ description: 'the deadline the step had (Decree 56), if any' })),
    onTime: Nullable(Type.Boolean()),
    note: Sensitive(Nullable(Type.String()), 'case note'),
    actorName: Nullable(Type.String()),
  },
  { $id: 'IncidentStep', additionalProperties: false },
)

export const calendarMissing = Type.Boolean({
  description:
    'counted in working days through a year the working calendar does not hold: only weekends were skipped there (GET /v1/calendar/years)',
})

const PendingStepSchema = Type.Object(
  { step: Type.Enum([...caseSteps]), dueAt: Timestamp(), overdue: Type.Boolean(), calendarMissing },
  { $id: 'PendingStep', additionalProperties: false },
)

const ScheduledStepSchema = Type.Object(
  {
    step: Type.Enum([...caseSteps]),
    dueAt: Timestamp({ description: 'the Decree 56 deadline, counted from receipt' }),
    recordedAt: Nullable(Timestamp()),
    state: Type.Enum(['met', 'missed', 'due', 'overdue', 'upcoming', 'not_reached'], {
      description:
        'met or missed once recorded; due (open to record now) or overdue; upcoming while earlier steps are not done; not_reached when the case closed without it',
    }),
    provisional: Type.Boolean({
      description: 'the step is not open to record yet: the deadline stands, the path may change',
    }),
    calendarMissing,
  },
  { $id: 'ScheduledStep', additionalProperties: false },
)

const settingDescription =
  'where the abuse took place (family, school, community, online, other): the breakdown of abused children Circular 13/2021/TT-BLĐTBXH asks for'

const incidentMembers = {
  id: Type.String({ format: 'uuid' }),
  kind: Type.Enum([...incidentKinds]),
  subKind: Nullable(Type.String()),
  occurredAt: Timestamp(),
  occurredAtPrecision: Type.Enum([...timePrecisions]),
  detectedAt: Timestamp(),
  channel: Type.Enum([...channels]),
  phoneReportedAt: Nullable(Timestamp()),
  emergency: Type.Boolean(),
  address: Type.Object(
    { provinceCode: Type.String(), wardCode: Type.String(), residentialGroupCode: Nullable(Type.String()) },
    { additionalProperties: false },
  ),
  injuryOutcome: Nullable(Type.Enum([...injuryOutcomes])),
  setting: Nullable(Type.Enum([...incidentSettings], { description: settingDescription })),
  writtenReport: Type.Object(
    {
      dueAt: Timestamp({
        description: 'computed by the server: 24 hours after the basis, never accepted from a client',
      }),
      basis: Type.Enum(['occurred', 'detected'], { description: 'which instant the 24 hours run from' }),
      submittedAt: Nullable(Timestamp({ description: 'stamped by the server clock' })),
      lateReason: Nullable(Type.String()),
      required: Type.Boolean({
        description:
          'whether the plan’s one-day written-report duty covers the incident’s kind (rights violations, abuse and exploitation; not injury accidents or drowning)',
      }),
      compliance: Type.Enum([...complianceStates, 'not_required'], {
        description:
          'derived from the clock: pending, due_soon (last 6 h), overdue, on_time, late; not_required for a kind the duty does not cover',
      }),
    },
    { additionalProperties: false },
  ),
  receivedAt: Timestamp(),
  status: Type.Enum(['open', 'closed']),
  closedAt: Nullable(Timestamp()),
  overdueSteps: Type.Integer({ description: 'pending case steps past their deadline' }),
  version: Type.Integer(),
}

const IncidentSummarySchema = Type.Object(
  { ...incidentMembers, childCount: Type.Integer() },
  { $id: 'IncidentSummary', additionalProperties: false },
)

export const IncidentSchema = Type.Object(
  {
    ...incidentMembers,
    narrative: Sensitive(Nullable(Type.String()), 'what happened'),
    perpetratorRelation: Sensitive(Nullable(Type.String()), 'relation of the perpetrator to the child'),
    closureReason: Nullable(Type.String()),
    children: Type.Array(Type.Ref('IncidentChild')),
    steps: Type.Array(Type.Ref('IncidentStep')),
    pendingSteps: Type.Array(Type.Ref('PendingStep')),
    schedule: Type.Array(Type.Ref('ScheduledStep'), {
      description: 'every Decree 56 deadline of the case, known from its receipt, in the order of the process',
    }),
    allowedNextSteps: Type.Array(Type.Enum([...caseSteps])),
    createdAt: Timestamp(),
    updatedAt: Timestamp(),
  },
  { $id: 'Incident', additionalProperties: false },
)

export const IncidentPageSchema = Page(Type.Ref('IncidentSummary'), 'IncidentPage')

export const CreateIncidentBody = Type.Object(
  {
    kind: Type.Enum([...incidentKinds]),
    subKind: Type.Optional(Nullable(Type.Enum([...sexualAbuseSubKinds], { description: 'for sexual_abuse only' }))),
    occurredAt: InstantInput,
    occurredAtPrecision: Type.Enum([...timePrecisions]),
    detectedAt: InstantInput,
    channel: Type.Enum([...channels]),
    phoneReportedAt: Type.Optional(Nullable(InstantInput)),
    receivedAt: Type.Optional(InstantInput),
    emergency: Type.Optional(Type.Boolean()),
    address: Type.Object(
      { wardCode: UnitCode, residentialGroupCode: Type.Optional(Nullable(UnitCode)) },
      { additionalProperties: false },
    ),
    children: Type.Array(IncidentChildInput, { minItems: 1, maxItems: 20 }),
    narrative: Type.Optional(
      Nullable(Type.String({ maxLength: 10_000, description: 'sensitive: needs incidents:sensitive' })),
    ),
    perpetratorRelation: Type.Optional(
      Nullable(Type.String({ maxLength: 200, description: 'sensitive: needs incidents:sensitive' })),
    ),
    injuryOutcome: Type.Optional(
      Nullable(Type.Enum([...injuryOutcomes], { description: 'for injury_accident and drowning' })),
    ),
    setting: Type.Optional(Nullable(Type.Enum([...incidentSettings], { description: settingDescription }))),
  },
  { additionalProperties: false },
)

export const UpdateIncidentBody = Type.Object(
  {
    kind: Type.Optional(Type.Enum([...incidentKinds])),
    subKind: Type.Optional(Nullable(Type.Enum([...sexualAbuseSubKinds]))),
    occurredAt: Type.Optional(InstantInput),
    occurredAtPrecision: Type.Optional(Type.Enum([...timePrecisions])),
    detectedAt: Type.Optional(InstantInput),
    channel: Type.Optional(Type.Enum([...channels])),
    phoneReportedAt: Type.Optional(Nullable(InstantInput)),
    emergency: Type.Optional(Type.Boolean()),
    narrative: Type.Optional(Nullable(Type.String({ maxLength: 10_000 }))),
    perpetratorRelation: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    injuryOutcome: Type.Optional(Nullable(Type.Enum([...injuryOutcomes]))),
    setting: Type.Optional(Nullable(Type.Enum([...incidentSettings], { description: settingDescription }))),
    reason: Type.Optional(
      Type.String({
        minLength: 3,
        maxLength: 500,
        description: 'required when a change moves the written-report deadline after the report',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
)

export const WrittenReportBody = Type.Object(
  {
    lateReason: Type.Optional(
      Type.String({ minLength: 3, maxLength: 1000, description: 'required after the 24-hour deadline' }),
    ),
  },
  { additionalProperties: false },
)

export const StepBody = Type.Object(
  {
    step: Type.Enum([...caseSteps]),
    at: Type.Optional(InstantInput),
    note: Type.Optional(Type.String({ maxLength: 5000 })),
    closureReason: Type.Optional(Type.String({ minLength: 3, maxLength: 500, description: 'required for closure' })),
    applyCircumstanceGroup: Type.Optional(
      Type.Boolean({ description: 'on closure: add the matching special-circumstance group to the registry children' }),
    ),
  },
  { additionalProperties: false },
)

export const StepResultSchema = Type.Object(
  {
    incident: Type.Ref('Incident'),
    circumstanceOffer: Nullable(
      Type.Object(
        {
          groupCode: Type.String(),
          childIds: Type.Array(Type.String({ format: 'uuid' })),
          applied: Type.Boolean(),
        },
        {
          additionalProperties: false,
          description: 'on closure: the group the case is evidence for, and whether it was added',
        },
      ),
    ),
  },
  { $id: 'IncidentStepResult', additionalProperties: false },
)

export const ListIncidentsQuery = Type.Object(
  {
    compliance: Type.Optional(Type.Enum([...complianceStates])),
    unit: Type.Optional(UnitCode),
    kind: Type.Optional(Type.Enum([...incidentKinds])),
    status: Type.Optional(Type.Enum(['open', 'closed'])),
    overdueSteps: Type.Optional(Type.Boolean({ description: 'only cases with a case step past its deadline' })),
    from: Type.Optional(IsoDate({ description: 'occurred on or after (local date)' })),
    to: Type.Optional(IsoDate({ description: 'occurred on or before (local date)' })),
    ...PaginationQuery,
  },
  { additionalProperties: false },
)

export const ComplianceQuery = Type.Object(
  { from: IsoDate(), to: IsoDate(), unit: Type.Optional(UnitCode) },
  { additionalProperties: false },
)

const ComplianceCounts = Type.Object(
  {
    pending: Type.Integer(),
    due_soon: Type.Integer(),
    overdue: Type.Integer(),
    on_time: Type.Integer(),
    late: Type.Integer(),
  },
  { additionalProperties: false },
)

export const ComplianceReportSchema = Type.Object(
  {
    from: IsoDate(),
    to: IsoDate(),
    asOf: Timestamp(),
    wards: Type.Array(
      Type.Object(
        {
          wardCode: Type.String(),
          counts: ComplianceCounts,
          onTimeRate: Nullable(Type.Number({ description: 'on_time / (on_time + late + overdue), 0–1' })),
        },
        { additionalProperties: false },
      ),
    ),
    total: Type.Object(
      { counts: ComplianceCounts, onTimeRate: Nullable(Type.Number()) },
      { additionalProperties: false },
    ),
  },
  { $id: 'ComplianceReport', additionalProperties: false },
)

const AlertSchema = Type.Object(
  {
    eventId: Type.String({ format: 'uuid' }),
    type: Type.String(),
    occurredAt: Timestamp(),
    wardCode: Type.String(),
    incidentId: Type.String({ format: 'uuid' }),
    step: Nullable(Type.String()),
    dueAt: Nullable(Timestamp()),
  },
  { $id: 'Alert', additionalProperties: false },
)

export const AlertPageSchema = Page(Type.Ref('Alert'), 'AlertPage')
export const AlertsQuery = Type.Object(
  { unit: Type.Optional(UnitCode), ...PaginationQuery },
  { additionalProperties: false },
)

export const IncidentParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false })

const CaseStepRuleVersionSchema = Type.Object(
  {
    version: Type.Integer({ minimum: 1 }),
    effectiveFrom: IsoDate({ description: 'cases received from this day on are held to this version' }),
    legalBasis: Type.String(),
    rules: Type.Array(CaseStepRule),
    writtenReportKinds: Type.Array(Type.Enum([...incidentKinds]), {
      description:
        'the incident kinds the 24-hour written-report duty covers (district plan, section V); the others show `not_required`',
    }),
    source: Type.Enum(['reference', 'admin']),
    note: Nullable(Type.String()),
    publishedAt: Timestamp(),
    publishedBy: Nullable(Type.String()),
  },
  { $id: 'CaseStepRuleVersion', additionalProperties: false },
)

export const CaseStepRulesSchema = Type.Object(
  {
    ...CaseStepRuleVersionSchema.properties,
    versions: Type.Array(Type.Ref('CaseStepRuleVersion'), { description: 'every version, oldest first' }),
  },
  { $id: 'CaseStepRules', additionalProperties: false },
)

export const PutCaseStepRulesBody = Type.Object(
  {
    effectiveFrom: IsoDate({ description: 'no earlier than the version in force took effect' }),
    legalBasis: Type.String({ minLength: 1, maxLength: 500 }),
    rules: Type.Array(CaseStepRule, { minItems: 1, maxItems: 10 }),
    writtenReportKinds: Type.Optional(
      Type.Array(Type.Enum([...incidentKinds]), {
        minItems: 1,
        maxItems: incidentKinds.length,
        description: 'the incident kinds the 24-hour written-report duty covers; left out, the version in force’s',
      }),
    ),
    note: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'what the version corrects' })),
  },
  { additionalProperties: false },
)

export const incidentSchemas = [
  CaseStepRuleVersionSchema,
  CaseStepRulesSchema,
  IncidentChildSchema,
  IncidentStepSchema,
  PendingStepSchema,
  ScheduledStepSchema,
  IncidentSummarySchema,
  IncidentSchema,
  IncidentPageSchema,
  StepResultSchema,
  ComplianceReportSchema,
  AlertSchema,
  AlertPageSchema,
]
