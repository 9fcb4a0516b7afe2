import Type, { type Static, type TSchema } from 'typebox'
import { IsoDate, Page, Timestamp } from '../../platform/schemas.js'
import { UnitCode } from '../units/schemas.js'
import { wardCategories } from './criteria-set-rules.js'
import { assessmentStates } from './workflow-rules.js'

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])
const Name = Type.String({ minLength: 1, maxLength: 500 })
/** Points are whole numbers: scores are stored as integers. */
const Points = Type.Integer({ minimum: -100000, maximum: 100000 })

const CriteriaSetId = Type.String({
  pattern: '^[A-Za-z0-9._-]{1,64}$',
  description: 'criteria set id, e.g. QD06-2019',
})
const CriterionCode = Type.String({ pattern: '^[0-9A-Za-z]{1,10}$', description: 'criterion code, e.g. 6' })
const SubItemCode = Type.String({
  pattern: '^[0-9A-Za-z]{1,10}(\\.[0-9A-Za-z]{1,10}){1,3}$',
  description: 'sub-item code, the criterion code and a dot first, e.g. 6.1',
})

const ThresholdSchema = Type.Object(
  {
    measure: Type.String({
      pattern: '^[a-z0-9_.]{1,100}$',
      description: 'machine key of the figure the threshold is read against',
    }),
    comparator: Type.Enum(['>=', '<=', '=']),
    value: Type.Number(),
    unit: Type.Enum(['percent', 'count']),
  },
  { additionalProperties: false },
)

const SubItemSchema = Type.Object(
  {
    code: SubItemCode,
    nameVi: Name,
    nameEn: Name,
    maxPoints: Points,
    threshold: Type.Optional(ThresholdSchema),
    confirmed: Type.Boolean({ description: 'whether points and threshold are confirmed against the legal text' }),
  },
  { additionalProperties: false },
)

const CriterionSchema = Type.Object(
  {
    code: CriterionCode,
    nameVi: Name,
    nameEn: Name,
    maxPoints: Points,
    minPointsToMeet: Type.Integer({
      minimum: -100000,
      maximum: 100000,
      description: 'points at or above which the criterion counts as met',
    }),
    confirmed: Type.Boolean(),
    subItems: Type.Array(SubItemSchema, {
      maxItems: 50,
      description: 'when present, their maxima add up to the criterion’s',
    }),
  },
  { additionalProperties: false },
)

const definitionMembers = {
  id: CriteriaSetId,
  legalBasis: Type.String({ minLength: 1, maxLength: 500 }),
  validFromYear: Type.Integer({ minimum: 2000, maximum: 2100 }),
  validToYear: Nullable(Type.Integer({ minimum: 2000, maximum: 2100 })),
  assessmentSchedule: Type.Optional(
    Type.Object(
      {
        cycleStartYear: Type.Integer({ minimum: 2000, maximum: 2100, description: 'first year of a plan cycle' }),
        cycleYears: Type.Integer({ minimum: 1, maximum: 10, description: 'years in a plan cycle' }),
        yearsOfCycle: Type.Array(Type.Integer({ minimum: 1, maximum: 10 }), {
          minItems: 1,
          maxItems: 10,
          description: 'the years of each cycle in which wards are assessed, counting from 1',
        }),
        month: Type.Integer({ minimum: 1, maximum: 12, description: 'the month assessments are held' }),
      },
      {
        additionalProperties: false,
        description:
          'when wards are assessed (Decision 06: November of the 2nd and 4th year of each 5-year plan); an assessment in another year is extraordinary. Absent: any year',
      },
    ),
  ),
  criteria: Type.Array(CriterionSchema, { minItems: 1, maxItems: 100 }),
  recognition: Type.Object(
    {
      thresholds: Type.Object(
        {
          urban_ward_central_city: Points,
          other: Points,
          disadvantaged: Points,
        },
        { additionalProperties: false, description: 'total required per ward category (units.category)' },
      ),
      everyCriterionMet: Type.Boolean(),
      noCriterionZero: Type.Boolean(),
      criterionMetRule: Type.Optional(
        Type.Object({ kind: Type.Literal('min_points'), confirmed: Type.Boolean() }, { additionalProperties: false }),
      ),
    },
    { additionalProperties: false },
  ),
}

/** A criteria set as published: the reference file holds these, and the database stores them whole. */
export const CriteriaSetDefinition = Type.Object(
  { ...definitionMembers, version: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
)

export const PublishCriteriaSetBody = Type.Object(
  {
    ...definitionMembers,
    note: Type.Optional(
      Type.String({ minLength: 1, maxLength: 2000, description: 'what this version corrects, and on what authority' }),
    ),
  },
  { additionalProperties: false },
)

export const CriteriaSetSchema = Type.Object(
  {
    ...definitionMembers,
    version: Type.Integer({ minimum: 1 }),
    latestVersion: Type.Integer({ minimum: 1, description: 'the newest published version of this set' }),
    publishedAt: Timestamp(),
    publishedBy: Nullable(Type.String({ description: 'account id; null for reference data' })),
    note: Nullable(Type.String()),
  },
  { $id: 'CriteriaSet', additionalProperties: false },
)

export const CriteriaSetListSchema = Page(Type.Ref('CriteriaSet'), 'CriteriaSetList')

export const ListCriteriaSetsQuery = Type.Object(
  {
    year: Type.Optional(
      Type.Integer({ minimum: 2000, maximum: 2100, description: 'only the set that governs assessments of this year' }),
    ),
  },
  { additionalProperties: false },
)

export const CriteriaSetParams = Type.Object({ id: CriteriaSetId }, { additionalProperties: false })
export const CriteriaSetQuery = Type.Object(
  {
    version: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000000, description: 'an older version; the latest when omitted' }),
    ),
  },
  { additionalProperties: false },
)

const ThresholdView = Type.Object(
  { comparator: Type.Enum(['>=', '<=', '=']), value: Type.Number(), unit: Type.Enum(['percent', 'count']) },
  { additionalProperties: false },
)

const ScoreSuggestionSchema = Type.Object(
  {
    criterionCode: Type.String(),
    points: Nullable(Type.Integer({ description: 'sum of the suggested sub-items; null when one has no proposal' })),
    partial: Type.Boolean({ description: 'the suggested sub-items cover only part of the criterion' }),
    asOf: IsoDate({ description: 'the assessment date the figures are taken on' }),
    periodFrom: IsoDate({ description: 'incidents are counted from this date to asOf' }),
    subItems: Type.Array(
      Type.Object(
        {
          code: Type.String(),
          points: Nullable(
            Type.Integer({ description: 'null: the rule is unconfirmed and not met, so the officer scores by hand' }),
          ),
          met: Type.Boolean(),
          confirmed: Type.Boolean(),
          numerator: Type.Integer({ minimum: 0 }),
          denominator: Type.Integer({ minimum: 0 }),
          numeratorLabel: Type.String(),
          denominatorLabel: Type.String(),
          threshold: ThresholdView,
        },
        { additionalProperties: false },
      ),
    ),
  },
  {
    $id: 'ScoreSuggestion',
    additionalProperties: false,
    description: 'A score proposed from the registry and incidents, with the figures behind it.',
  },
)

const SubItemPoints = Type.Object(
  { code: SubItemCode, points: Type.Integer({ minimum: 0, maximum: 100000 }) },
  { additionalProperties: false },
)
const Attachment = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    reference: Type.String({
      minLength: 1,
      maxLength: 500,
      description: 'where the document is kept: a document-system id or URL',
    }),
  },
  { additionalProperties: false },
)

const AssessmentCriterionSchema = Type.Object(
  {
    code: Type.String(),
    nameVi: Type.String(),
    nameEn: Type.String(),
    maxPoints: Type.Integer(),
    minPointsToMeet: Type.Integer(),
    confirmed: Type.Boolean(),
    points: Nullable(Type.Integer()),
    status: Type.Enum(['met', 'not_met', 'zero', 'missing']),
    subItems: Type.Array(Type.Object({ code: Type.String(), points: Type.Integer() }, { additionalProperties: false })),
    evidenceNote: Nullable(Type.String()),
    attachments: Type.Array(Attachment),
    acceptedSuggestion: Type.Boolean({ description: 'the score is the data-driven suggestion, accepted' }),
    overrideReason: Nullable(Type.String({ description: 'why the ward departed from the suggestion' })),
    adjustedByDistrict: Type.Boolean(),
    adjustmentReason: Nullable(Type.String()),
    wardPoints: Nullable(Type.Integer({ description: 'the ward’s own score, kept when the district adjusted it' })),
    scoredAt: Nullable(Timestamp()),
    scoredBy: Nullable(Type.String()),
    suggestion: Nullable(
      Type.Ref('ScoreSuggestion', { description: 'the suggestion from today’s data, as of the assessment date' }),
    ),
    suggestionAtScoring: Nullable(
      Type.Ref('ScoreSuggestion', { description: 'the suggestion when the score was last set' }),
    ),
  },
  { $id: 'AssessmentCriterion', additionalProperties: false },
)

export const AssessmentSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    provinceCode: Type.String(),
    wardCode: Type.String(),
    year: Type.Integer(),
    assessedOn: IsoDate(),
    category: Type.Enum([...wardCategories], {
      description:
        'the Decision 06 threshold class of the ward’s category in force on assessedOn ' +
        '(GET /v1/units/{code}/categories); decides the total required',
    }),
    recognisingUnitCode: Nullable(
      Type.String({
        description:
          'the unit that recognises the ward child-friendly, as configured for assessedOn ' +
          '(the district before the 2025 reform, the city after)',
      }),
    ),
    extraordinaryReason: Nullable(
      Type.String({
        description:
          'why the assessment was opened outside the criteria set’s assessment years; null for a regular one',
      }),
    ),
    criteriaSet: Type.Object(
      { id: Type.String(), version: Type.Integer(), legalBasis: Type.String() },
      {
        additionalProperties: false,
        description: 'the version this assessment is scored with, whatever is published later',
      },
    ),
    state: Type.Enum([...assessmentStates]),
    total: Type.Integer(),
    requiredTotal: Type.Integer(),
    verdict: Type.Object(
      {
        recognised: Type.Boolean({ description: 'whether the scores meet the recognition rules' }),
        reasons: Type.Array(Type.String(), {
          description: 'every reason recognition fails, criteria in order, then the total',
        }),
      },
      { additionalProperties: false },
    ),
    criteria: Type.Array(Type.Ref('AssessmentCriterion')),
    submission: Nullable(
      Type.Object(
        { minutesReference: Type.String(), submittedAt: Timestamp(), submittedBy: Nullable(Type.String()) },
        { additionalProperties: false },
      ),
    ),
    appraisal: Nullable(
      Type.Object(
        {
          note: Nullable(
            Type.String({ description: 'the appraisal note, or the comments the dossier was returned with' }),
          ),
          appraisedAt: Nullable(Timestamp()),
          appraisedBy: Nullable(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
    decision: Nullable(
      Type.Object(
        {
          recognised: Type.Boolean(),
          decisionNumber: Type.String(),
          decisionDate: IsoDate(),
          authority: Type.String(),
          decidedAt: Timestamp(),
          decidedBy: Nullable(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
    allowedNextStates: Type.Array(Type.Enum([...assessmentStates]), {
      description: 'the transitions the caller may make now',
    }),
    version: Type.Integer(),
    createdAt: Timestamp(),
    updatedAt: Timestamp(),
  },
  { $id: 'Assessment', additionalProperties: false },
)

export const AssessmentOverviewSchema = Type.Object(
  {
    year: Type.Integer(),
    unit: Nullable(Type.String()),
    wards: Type.Integer({ description: 'wards in your units valid at the end of the year, or assessed that year' }),
    assessed: Type.Integer(),
    decided: Type.Integer(),
    recognised: Type.Integer({ description: 'wards decided as recognised child-friendly' }),
    target: Nullable(
      Type.Object(
        {
          indicatorCode: Type.String(),
          comparator: Type.Enum(['>=', '<=', '=', '<', '>']),
          value: Type.Number(),
          unit: Type.Enum(['percent', 'count', 'wards']),
        },
        {
          additionalProperties: false,
          description: 'the plan target (WARDS_CHILD_FRIENDLY) for the year; null when none is set',
        },
      ),
    ),
    targetReached: Nullable(Type.Boolean()),
    items: Type.Array(
      Type.Object(
        {
          wardCode: Type.String(),
          wardName: Type.String(),
          category: Nullable(Type.Enum([...wardCategories])),
          assessment: Nullable(
            Type.Object(
              {
                id: Type.String({ format: 'uuid' }),
                state: Type.Enum([...assessmentStates]),
                criteriaSet: Type.Object(
                  { id: Type.String(), version: Type.Integer() },
                  { additionalProperties: false },
                ),
                total: Type.Integer(),
                requiredTotal: Type.Integer(),
                verdictRecognised: Type.Boolean(),
                reasons: Type.Array(Type.String()),
                decision: Nullable(
                  Type.Object(
                    { recognised: Type.Boolean(), decisionNumber: Type.String(), decisionDate: IsoDate() },
                    { additionalProperties: false },
                  ),
                ),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'AssessmentOverview', additionalProperties: false },
)

export type Assessment = Static<typeof AssessmentSchema>
export type AssessmentCriterion = Static<typeof AssessmentCriterionSchema>
export type ScoreSuggestion = Static<typeof ScoreSuggestionSchema>
export type AssessmentOverview = Static<typeof AssessmentOverviewSchema>

export const CreateAssessmentBody = Type.Object(
  {
    wardCode: UnitCode,
    year: Type.Integer({ minimum: 2000, maximum: 2100 }),
    assessedOn: Type.Optional(
      IsoDate({ description: 'the date figures are taken on; today when omitted; within the year' }),
    ),
  },
  { additionalProperties: false },
)

export const CreateExtraordinaryAssessmentBody = Type.Object(
  {
    ...CreateAssessmentBody.properties,
    reason: Type.String({
      minLength: 1,
      maxLength: 1000,
      description: 'why the ward is assessed outside the assessment years (e.g. the decision that asked for it)',
    }),
  },
  { additionalProperties: false },
)

export const ListAssessmentsQuery = Type.Object(
  {
    year: Type.Integer({ minimum: 2000, maximum: 2100 }),
    unit: Type.Optional(UnitCode),
  },
  { additionalProperties: false },
)

export const AssessmentParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false })
export const ScoreParams = Type.Object(
  { id: Type.String({ format: 'uuid' }), criterion: CriterionCode },
  { additionalProperties: false },
)

export const ScoreBody = Type.Object(
  {
    points: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000 })),
    subItems: Type.Optional(Type.Array(SubItemPoints, { maxItems: 50 })),
    acceptSuggestion: Type.Optional(
      Type.Boolean({ description: 'take the data-driven suggestion (sub-items it covers)' }),
    ),
    overrideReason: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    adjustmentReason: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    evidenceNote: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })),
    attachments: Type.Optional(Type.Array(Attachment, { maxItems: 50 })),
  },
  { additionalProperties: false },
)

export const SubmitBody = Type.Object(
  {
    minutesReference: Type.String({
      minLength: 1,
      maxLength: 300,
      description: 'reference of the minutes of the ward’s self-assessment meeting',
    }),
  },
  { additionalProperties: false },
)
export const AppraiseBody = Type.Object(
  { note: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })) },
  { additionalProperties: false },
)
export const ReturnBody = Type.Object(
  { comments: Type.String({ minLength: 1, maxLength: 4000 }) },
  { additionalProperties: false },
)
export const DecideBody = Type.Object(
  {
    recognised: Type.Boolean(),
    decisionNumber: Type.String({ minLength: 1, maxLength: 100 }),
    decisionDate: IsoDate(),
    authority: Type.String({
      minLength: 1,
      maxLength: 300,
      description: 'who decided, e.g. the district People’s Committee chair',
    }),
  },
  { additionalProperties: false },
)

export const criteriaSchemas = [
  CriteriaSetSchema,
  CriteriaSetListSchema,
  ScoreSuggestionSchema,
  AssessmentCriterionSchema,
  AssessmentSchema,
  AssessmentOverviewSchema,
]
