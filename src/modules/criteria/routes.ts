import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { optionalVersion, requiredVersion, sendWithEtag } from '../../platform/concurrency.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { scoped } from '../../platform/work.js'
import { assessmentOverview, openAssessment, readAssessment } from './assessments.js'
import { criteriaSetList, publishCriteriaSet, readCriteriaSet } from './criteria-sets.js'
import {
  AppraiseBody,
  AssessmentOverviewSchema,
  AssessmentParams,
  AssessmentSchema,
  CreateAssessmentBody,
  CreateExtraordinaryAssessmentBody,
  CriteriaSetListSchema,
  CriteriaSetParams,
  CriteriaSetQuery,
  CriteriaSetSchema,
  DecideBody,
  ListAssessmentsQuery,
  ListCriteriaSetsQuery,
  PublishCriteriaSetBody,
  ReturnBody,
  ScoreBody,
  ScoreParams,
  SubmitBody,
} from './schemas.js'
import { scoreCriterion } from './scoring.js'
import { scoringPermissions } from './actors.js'
import { appraiseAssessment, decideAssessment, returnAssessment, submitAssessment } from './workflow.js'

const tags = ['assessments']

const stepResponses = {
  200: ref(AssessmentSchema, 'The assessment in its new state'),
  ...problemResponses(400, 401, 403, 404, 409, 412, 422),
}
const ifMatchNote =
  'If-Match (the assessment’s ETag) is optional: when sent, the step applies only to that version (412 otherwise).'

export default async function criteriaRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()

  /* ------------------------------------------------------------------------------ criteria sets */

  route.get(
    '/v1/criteria-sets',
    {
      config: { permission: 'reference:read' },
      schema: {
        operationId: 'listCriteriaSets',
        tags,
        summary: 'Child-friendly ward criteria sets (Decision 06/QĐ-TTg and corrections), latest version of each',
        description:
          '`year` returns only the set that governs assessments of that year (the same choice a new assessment makes).',
        querystring: ListCriteriaSetsQuery,
        response: {
          200: ref(CriteriaSetListSchema, 'The latest version of every set'),
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (request) => criteriaSetList(app.database.db, request.query.year),
  )

  route.get(
    '/v1/criteria-sets/:id',
    {
      config: { permission: 'reference:read' },
      schema: {
        operationId: 'getCriteriaSet',
        tags,
        summary: 'A criteria set: its latest version, or an older one with `version`',
        params: CriteriaSetParams,
        querystring: CriteriaSetQuery,
        response: { 200: ref(CriteriaSetSchema, 'The criteria set'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const view = await readCriteriaSet(app.database.db, request.params.id, request.query.version)
      return sendWithEtag(reply, view.version, view)
    },
  )

  route.post(
    '/v1/criteria-sets',
    {
      config: { permission: 'catalogues:manage', location: true, idempotent: true },
      schema: {
        operationId: 'publishCriteriaSet',
        tags,
        summary: 'Publish a new version of a criteria set (or the first version of a new one)',
        description:
          'Published versions are never changed: assessments already created keep the version they were scored with, and new ' +
          'assessments take the set that governs their year. The set must be consistent (sub-items covering their criterion, ' +
          'reachable thresholds, minimums within the maximum); every inconsistency is listed. Accepts Idempotency-Key.',
        body: PublishCriteriaSetBody,
        response: {
          201: ref(CriteriaSetSchema, 'The published version'),
          ...problemResponses(400, 401, 403, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const view = await scoped(request, (work) => publishCriteriaSet(work, request.body))
      reply.code(201).header('location', `/v1/criteria-sets/${encodeURIComponent(view.id)}?version=${view.version}`)
      return sendWithEtag(reply, view.version, view)
    },
  )

  /* ------------------------------------------------------------------------------ assessments */

  route.post(
    '/v1/assessments',
    {
      config: { permission: 'assessments:write', location: true, idempotent: true },
      schema: {
        operationId: 'createAssessment',
        tags,
        summary: 'Open a ward’s child-friendly self-assessment for a year',
        description:
          'One assessment per ward and year (409 with `existingId` otherwise). The ward must be in your units. The criteria set is the ' +
          'one governing the year, and the recognition threshold follows the ward’s category in the units catalogue; both stay with ' +
          'the assessment. `assessedOn` (today by default) is the date the data-driven suggestions are taken on. A year outside the ' +
          'set’s assessment years is 422 `not_an_assessment_year` (see /v1/assessments/extraordinary). Accepts Idempotency-Key.',
        body: CreateAssessmentBody,
        response: {
          201: ref(AssessmentSchema, 'The new draft assessment'),
          ...problemResponses(400, 401, 403, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const view = await scoped(request, (work) => openAssessment(work, request.body))
      reply.code(201).header('location', `/v1/assessments/${view.id}`)
      return sendWithEtag(reply, view.version, view)
    },
  )

  route.post(
    '/v1/assessments/extraordinary',
    {
      config: { permission: 'assessments:extraordinary', location: true, idempotent: true },
      schema: {
        operationId: 'createExtraordinaryAssessment',
        tags,
        summary: 'Open a ward’s assessment outside the assessment years (administrators, with a reason)',
        description:
          'Wards are assessed in the years the criteria set’s schedule names (Decision 06: November of the 2nd and 4th year of each ' +
          '5-year plan); `POST /v1/assessments` in another year answers 422 `not_an_assessment_year`. An administrator opens an ' +
          'extraordinary assessment with its reason, kept on the assessment and audited; the ward then scores it as any other. ' +
          'In an assessment year this answers 422 `not_extraordinary`. Accepts Idempotency-Key.',
        body: CreateExtraordinaryAssessmentBody,
        response: {
          201: ref(AssessmentSchema, 'The new draft assessment'),
          ...problemResponses(400, 401, 403, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const { reason, ...body } = request.body
      const view = await scoped(request, (work) => openAssessment(work, body, reason))
      reply.code(201).header('location', `/v1/assessments/${view.id}`)
      return sendWithEtag(reply, view.version, view)
    },
  )

  route.get(
    '/v1/assessments',
    {
      config: { permission: 'assessments:read' },
      schema: {
        operationId: 'listAssessments',
        tags,
        summary: 'District view: every ward’s assessment for a year, and the wards recognised against the plan target',
        description:
          'One item per ward in your units (below `unit` when given) valid at the end of the year, or assessed that year; `assessment` ' +
          'is null for a ward not yet assessed. The target is the plan target WARDS_CHILD_FRIENDLY for the year, null when none is set. ' +
          'Bounded by the number of wards, so not paginated.',
        querystring: ListAssessmentsQuery,
        response: {
          200: ref(AssessmentOverviewSchema, 'The year’s assessments by ward'),
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (request) => scoped(request, (work) => assessmentOverview(work, request.query)),
  )

  route.get(
    '/v1/assessments/:id',
    {
      config: { permission: 'assessments:read' },
      schema: {
        operationId: 'getAssessment',
        tags,
        summary:
          'An assessment: total, every criterion’s status, the verdict with every reason it fails, and suggestions from the data',
        description:
          'Where a criterion can be measured from the registry and incidents (1.2 collaborators, 2 birth registration, 3 abuse, 5 injury ' +
          'deaths, 6 support and timely plans), `suggestion` gives the proposed points with the numerator and denominator behind them, ' +
          'as of the assessment date. Every read is audited.',
        params: AssessmentParams,
        response: { 200: ref(AssessmentSchema, 'The assessment'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const view = await scoped(request, (work) => readAssessment(work, request.params.id))
      return sendWithEtag(reply, view.version, view)
    },
  )

  route.put(
    '/v1/assessments/:id/scores/:criterion',
    {
      config: { permission: 'assessments:read', permissionByCase: scoringPermissions },
      schema: {
        operationId: 'scoreAssessmentCriterion',
        tags,
        summary: 'Score one criterion (If-Match: the assessment’s ETag)',
        description:
          'While the assessment is a draft, its ward scores it (an account assigned to the ward). While it is submitted or ' +
          'appraised, only the district adjusts it, with `adjustmentReason`; the ward’s own points are kept ' +
          'in `wardPoints`, and evidence the district leaves out stays as the ward gave it. Send `acceptSuggestion: true` to take the ' +
          'data-driven suggestion (for a partial one, give the other sub-items too), or `points` (and optionally `subItems`, which must ' +
          'add up to them); departing from a suggestion that proposes points needs `overrideReason`. A score above the maximum, or a ' +
          'criterion not in the assessment’s criteria set, answers 422.',
        params: ScoreParams,
        body: ScoreBody,
        response: {
          200: ref(AssessmentSchema, 'The assessment with the new score'),
          ...problemResponses(400, 401, 403, 404, 409, 412, 422, 428),
        },
      },
    },
    async (request, reply) => {
      const expectedVersion = requiredVersion(request)
      const view = await scoped(request, (work) => scoreCriterion(work, request.params, request.body, expectedVersion))
      return sendWithEtag(reply, view.version, view)
    },
  )

  /* ------------------------------------------------------------------------------ workflow */

  route.post(
    '/v1/assessments/:id/submit',
    {
      config: { permission: 'assessments:write' },
      schema: {
        operationId: 'submitAssessment',
        tags,
        summary: 'The ward submits its self-assessment to the district, with the meeting minutes',
        description: `Every criterion must be scored. Only an account assigned to the ward submits. Out-of-order steps answer 409 with \`allowedNextStates\`. ${ifMatchNote}`,
        params: AssessmentParams,
        body: SubmitBody,
        response: stepResponses,
      },
    },
    async (request, reply) => {
      const expectedVersion = optionalVersion(request)
      const view = await scoped(request, (work) =>
        submitAssessment(work, request.params.id, request.body, expectedVersion),
      )
      return sendWithEtag(reply, view.version, view)
    },
  )

  route.post(
    '/v1/assessments/:id/appraise',
    {
      config: { permission: 'assessments:appraise' },
      schema: {
        operationId: 'appraiseAssessment',
        tags,
        summary: 'The district appraises a submitted assessment',
        description: `Adjust scores first (PUT …/scores/{criterion} with a reason). An account assigned to the ward can never appraise it (403). ${ifMatchNote}`,
        params: AssessmentParams,
        body: AppraiseBody,
        response: stepResponses,
      },
    },
    async (request, reply) => {
      const expectedVersion = optionalVersion(request)
      const view = await scoped(request, (work) =>
        appraiseAssessment(work, request.params.id, request.body, expectedVersion),
      )
      return sendWithEtag(reply, view.version, view)
    },
  )

  route.post(
    '/v1/assessments/:id/return',
    {
      config: { permission: 'assessments:appraise' },
      schema: {
        operationId: 'returnAssessment',
        tags,
        summary: 'The district sends a submitted assessment back to the ward as a draft, with comments',
        description: ifMatchNote,
        params: AssessmentParams,
        body: ReturnBody,
        response: stepResponses,
      },
    },
    async (request, reply) => {
      const expectedVersion = optionalVersion(request)
      const view = await scoped(request, (work) =>
        returnAssessment(work, request.params.id, request.body, expectedVersion),
      )
      return sendWithEtag(reply, view.version, view)
    },
  )

  route.post(
    '/v1/assessments/:id/decide',
    {
      config: { permission: 'assessments:appraise' },
      schema: {
        operationId: 'decideAssessment',
        tags,
        summary: 'Record the recognition decision on an appraised assessment',
        description:
          'Recognising a ward needs a verdict that supports it (422 with the reasons otherwise); not recognising is always possible. ' +
          'A regular round is decided in its criteria set’s assessment month or later (422 `before_assessment_month`). ' +
          `Records the \`assessment.decided\` event. ${ifMatchNote}`,
        params: AssessmentParams,
        body: DecideBody,
        response: stepResponses,
      },
    },
    async (request, reply) => {
      const expectedVersion = optionalVersion(request)
      const view = await scoped(request, (work) =>
        decideAssessment(work, request.params.id, request.body, expectedVersion),
      )
      return sendWithEtag(reply, view.version, view)
    },
  )
}
