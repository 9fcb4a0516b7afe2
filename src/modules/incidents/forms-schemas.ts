import Type, { type TSchema } from 'typebox'
import { IsoDate, Timestamp } from '../../platform/schemas.js'
import {
  closureReasons,
  emergencyActions,
  goalProgress,
  intakeChannels,
  needDomains,
  priorities,
  riskCriterionCodes,
  riskLevels,
  type FormKind,
} from './forms-rules.js'
import { formStatuses } from './forms-tables.js'
import { caseSteps } from './rules.js'

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])
const Sensitive = <T extends TSchema>(schema: T, what: string) =>
  Type.Optional({
    ...schema,
    description: `${what}. Sensitive: omitted for callers without incidents:sensitive.`,
    'x-sensitive': true,
  })
const Text = (maxLength: number, description?: string) =>
  Type.String({ minLength: 1, maxLength, ...(description ? { description } : {}) })
const Instant = (description: string) => Type.String({ format: 'date-time', description: `${description} (RFC 3339)` })

const IntakeContent = Type.Object(
  {
    receivedAt: Instant(
      'when the report was received (the hotline’s receipt, the school’s call), at or before the ward’s',
    ),
    channel: Type.Enum([...intakeChannels], { description: 'how the case came: who reported it, and how' }),
    channelDetail: Type.Optional(Nullable(Text(200, 'required for channel other'))),
    reporter: Sensitive(
      Type.Object(
        {
          anonymous: Type.Boolean(),
          name: Type.Optional(Nullable(Text(200, 'required unless anonymous'))),
          phone: Type.Optional(Nullable(Type.String({ pattern: '^[0-9+ ]{3,20}$' }))),
          relationship: Type.Optional(Nullable(Text(200, 'to the child'))),
        },
        { additionalProperties: false },
      ),
      'who reported the case',
    ),
    account: Sensitive(Nullable(Text(10_000)), 'what the reporter said'),
  },
  {
    $id: 'IntakeFormContent',
    additionalProperties: false,
    examples: [
      {
        receivedAt: '2024-06-10T08:30:00+07:00',
        channel: 'hotline_111',
        reporter: { anonymous: false, name: 'Nguyễn Thị Lan', relationship: 'hàng xóm' },
        account: 'Người gọi nghe thấy trẻ khóc và bị đánh nhiều lần trong tuần.',
      },
    ],
  },
)

const InitialAssessmentContent = Type.Object(
  {
    assessedAt: Instant('when the initial assessment was made'),
    riskLevel: Type.Enum([...riskLevels], { description: 'at least the level the criteria call for' }),
    riskCriteria: Type.Array(Type.Enum(riskCriterionCodes), {
      maxItems: riskCriterionCodes.length,
      description:
        'the criteria found; serious_injury, sexual_abuse, perpetrator_has_access and no_safe_caregiver call for high risk; repeated_harm, child_under_6, disability_or_illness and caregiver_unable_to_protect for medium',
    }),
    childSafeNow: Type.Boolean({ description: 'whether the child is safe at the time of the assessment' }),
    findings: Sensitive(Nullable(Text(10_000)), 'what the assessment found'),
    emergencyResponse: Type.Object(
      {
        needed: Type.Boolean({
          description:
            'an emergency response within 12 hours of receipt was needed (required at high risk when not safe)',
        }),
        respondedAt: Type.Optional(Nullable(Instant('when the child was protected; required when needed'))),
        actions: Type.Optional(Type.Array(Type.Enum([...emergencyActions]), { maxItems: emergencyActions.length })),
        note: Sensitive(Nullable(Text(5000)), 'what was done'),
      },
      { additionalProperties: false },
    ),
  },
  { $id: 'InitialAssessmentFormContent', additionalProperties: false },
)

const SpecificAssessmentContent = Type.Object(
  {
    assessedOn: IsoDate(),
    needs: Type.Array(
      Type.Object(
        {
          domain: Type.Enum([...needDomains]),
          priority: Type.Enum([...priorities]),
          description: Sensitive(Nullable(Text(5000)), 'the need found'),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: needDomains.length, description: 'the needs by domain, each domain once' },
    ),
    summary: Sensitive(Nullable(Text(10_000)), 'the assessment’s conclusion'),
  },
  { $id: 'SpecificAssessmentFormContent', additionalProperties: false },
)

const SupportPlanContent = Type.Object(
  {
    goals: Type.Array(
      Type.Object(
        {
          code: Type.String({ pattern: '^[A-Za-z0-9_-]{1,20}$', description: 'names the goal in reviews, e.g. M1' }),
          domain: Type.Enum([...needDomains], { description: 'a need the specific assessment found' }),
          title: Text(500),
          actions: Type.Array(
            Type.Object(
              {
                key: Type.Optional(
                  Type.String({
                    pattern: '^[A-Za-z0-9_.-]{1,20}$',
                    description:
                      'links the action to its follow-up from one approved version of the plan to the next; unique in the plan. Without it the action is keyed by its goal’s code and its place in the goal (M1.1, M1.2…), so give one before reordering or removing actions',
                  }),
                ),
                service: Text(500, 'the service or action'),
                responsible: Type.Object(
                  {
                    kind: Type.Enum(['agency', 'person']),
                    name: Text(200, 'as the printed plan names them'),
                    userId: Type.Optional(
                      Nullable(
                        Type.String({
                          format: 'uuid',
                          description:
                            'for a person: the officer of the case’s ward (who may record case work) the action’s follow-up is assigned to; without one it is the ward’s',
                        }),
                      ),
                    ),
                  },
                  { additionalProperties: false },
                ),
                startOn: IsoDate({ description: 'not before the case was received' }),
                dueOn: IsoDate({
                  description: 'not before startOn; once the plan is approved, the action’s follow-up is due on it',
                }),
              },
              { additionalProperties: false },
            ),
            { minItems: 1, maxItems: 30 },
          ),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 20 },
    ),
    notes: Sensitive(Nullable(Text(10_000)), 'the plan’s background'),
  },
  {
    $id: 'SupportPlanFormContent',
    additionalProperties: false,
    examples: [
      {
        goals: [
          {
            code: 'M1',
            domain: 'safety',
            title: 'Trẻ được an toàn tại nhà',
            actions: [
              {
                service: 'Thăm gia đình hằng tuần, tư vấn cho cha mẹ',
                responsible: { kind: 'person', name: 'Trần Văn Hùng, cán bộ LĐ-TB&XH phường' },
                startOn: '2024-06-17',
                dueOn: '2024-08-31',
              },
            ],
          },
          {
            code: 'M2',
            domain: 'psychosocial',
            title: 'Trẻ được hỗ trợ tâm lý',
            actions: [
              {
                service: 'Tham vấn tâm lý 8 buổi',
                responsible: { kind: 'agency', name: 'Trung tâm Công tác xã hội Hà Nội' },
                startOn: '2024-06-20',
                dueOn: '2024-09-30',
              },
            ],
          },
        ],
      },
    ],
  },
)

const ReviewsContent = Type.Object(
  {
    reviews: Type.Array(
      Type.Object(
        {
          reviewedOn: IsoDate(),
          progress: Type.Array(
            Type.Object(
              {
                goalCode: Type.String({ maxLength: 20, description: 'a goal of the plan' }),
                status: Type.Enum([...goalProgress]),
                note: Sensitive(Nullable(Text(5000)), 'what was seen'),
              },
              { additionalProperties: false },
            ),
            { maxItems: 20 },
          ),
          notes: Sensitive(Nullable(Text(10_000)), 'the review’s notes'),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 200, description: 'every review of the plan’s implementation, oldest first' },
    ),
  },
  { $id: 'ReviewsFormContent', additionalProperties: false },
)

const ClosureContent = Type.Object(
  {
    reason: Type.Enum([...closureReasons], {
      description:
        'kept on the incident as its closure reason once approved; goals_met needs an approved plan; not_a_protection_case only before a plan',
    }),
    closedOn: IsoDate(),
    transferredTo: Type.Optional(Nullable(Text(300, 'required for transferred'))),
    detail: Sensitive(Nullable(Text(5000)), 'why; required for other'),
  },
  { $id: 'ClosureFormContent', additionalProperties: false },
)

/** Each form: its path segment, its content schema and the names the contract gives it. */
export const formDefinitions: Readonly<
  Record<FormKind, { path: string; content: TSchema; name: string; title: string }>
> = {
  intake: { path: 'intake', content: IntakeContent, name: 'IntakeForm', title: 'the intake' },
  initial_assessment: {
    path: 'initial-assessment',
    content: InitialAssessmentContent,
    name: 'InitialAssessmentForm',
    title: 'the initial assessment',
  },
  specific_assessment: {
    path: 'specific-assessment',
    content: SpecificAssessmentContent,
    name: 'SpecificAssessmentForm',
    title: 'the specific assessment',
  },
  support_plan: {
    path: 'support-plan',
    content: SupportPlanContent,
    name: 'SupportPlanForm',
    title: 'the support plan',
  },
  reviews: { path: 'reviews', content: ReviewsContent, name: 'ReviewsForm', title: 'the implementation reviews' },
  closure: { path: 'closure', content: ClosureContent, name: 'ClosureForm', title: 'the closure' },
}

const Stamp = (what: string) =>
  Nullable(
    Type.Object(
      {
        at: Timestamp(),
        byName: Nullable(Type.String()),
        version: Type.Integer({ description: `the version ${what}` }),
      },
      { additionalProperties: false },
    ),
  )

const formMembers = {
  incidentId: Type.String({ format: 'uuid' }),
  step: Type.Enum([...caseSteps], { description: 'the Decree 56 step the form is the content of' }),
  status: Type.Enum([...formStatuses], {
    description:
      'recorded for forms without approval; the plan and the closure are draft, submitted (awaiting the chair) or approved; any change makes them draft again',
  }),
  version: Type.Integer(),
  submitted: Stamp('submitted'),
  approved: Stamp('approved (by the ward chair, plans:approve)'),
  withheld: Type.Boolean({ description: 'true when sensitive parts were left out for you' }),
  createdAt: Timestamp(),
  updatedAt: Timestamp(),
  updatedByName: Nullable(Type.String()),
}

export const formSchemas = Object.fromEntries(
  Object.entries(formDefinitions).map(([kind, definition]) => [
    kind,
    Type.Object(
      { ...formMembers, content: Type.Ref(`${definition.name}Content`) },
      { $id: definition.name, additionalProperties: false },
    ),
  ]),
) as unknown as Record<FormKind, TSchema & { $id: string }>

export const FormListSchema = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          form: Type.Enum(Object.values(formDefinitions).map((definition) => definition.path)),
          step: Type.Enum([...caseSteps]),
          status: Type.Enum([...formStatuses]),
          version: Type.Integer(),
          updatedAt: Timestamp(),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'CaseFormList', additionalProperties: false },
)

export const FormHistorySchema = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          version: Type.Integer(),
          action: Type.Enum(['create', 'update', 'submit', 'approve']),
          changes: Type.Array(
            Type.Object(
              { field: Type.String(), from: Type.Unknown(), to: Type.Unknown() },
              { additionalProperties: false },
            ),
            { description: 'members changed, old → new; sensitive ones left out without incidents:sensitive' },
          ),
          changedAt: Timestamp(),
          actorName: Nullable(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'CaseFormHistory', additionalProperties: false },
)

export const caseFormSchemas: TSchema[] = [
  ...Object.values(formDefinitions).map((definition) => definition.content),
  ...Object.values(formSchemas),
  FormListSchema,
  FormHistorySchema,
]
