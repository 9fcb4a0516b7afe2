import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Tx } from '../../db/client.js'
import { audit } from '../../platform/audit.js'
import { hasPermission } from '../../platform/auth.js'
import { optionalVersion, requiredVersion, sendWithEtag, staleVersion } from '../../platform/concurrency.js'
import { bodyErrors, conflict, type FieldError, HttpProblem, notFound, unprocessable } from '../../platform/problem.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { inScope, isUnitInScope } from '../../platform/scope.js'
import { localDateOf } from '../calendar/rules.js'
import { unitFilterScope } from '../units/tree.js'
import { percentage, targetMet } from '../indicators/rules.js'
import { recordEvent } from '../webhooks/repository.js'
import {
  assessmentIdFor,
  getAssessmentRow,
  getCriteriaSet,
  getCriteriaSetRow,
  getScoreRow,
  getWard,
  insertAssessment,
  insertCriteriaSet,
  latestVersionOf,
  listAssessmentRows,
  listCriteriaSetRows,
  planTarget,
  saveScore,
  scoreRows,
  updateAssessment,
  wardsValidOn,
  type AssessmentRow,
  type CriteriaSetRow,
  type ScoreRow,
} from './repository.js'
import {
  assessedOnProblems,
  canTransition,
  criteriaSetForYear,
  criteriaSetProblems,
  decisionProblems,
  isTransition,
  nextStates,
  resolveScore,
  scoreRecordNotes,
  scoringSide,
  type AssessmentState,
  type CriteriaSet,
} from './rules.js'
import {
  AppraiseBody,
  AssessmentOverviewSchema,
  AssessmentParams,
  AssessmentSchema,
  CreateAssessmentBody,
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
  type Assessment,
  type AssessmentOverview,
  type ScoreSuggestion,
} from './schemas.js'
import {
  actorFor,
  allowedNextStates,
  assessmentVerdict,
  loadSuggestions,
  suggestionSnapshot,
  toAssessment,
} from './service.js'

const tags = ['assessments']
const targetIndicator = 'WARDS_CHILD_FRIENDLY'

function toCriteriaSet(row: CriteriaSetRow, latestVersion: number) {
  const { id, legalBasis, validFromYear, validToYear, criteria, recognition } = row.definition
  return {
    id,
    legalBasis,
    validFromYear,
    validToYear,
    criteria,
    recognition,
    version: row.version,
    latestVersion,
    publishedAt: row.publishedAt.toISOString(),
    publishedBy: row.publishedBy,
    note: row.note,
  }
}

/** Who scores a state, in words, for the problem a caller on the wrong side gets. */
const lockedDetail: Record<'ward' | 'district', string> = {
  ward: 'The ward is still drafting this assessment; the district adjusts scores once it is submitted.',
  district:
    'This assessment has been submitted to the district; the ward can change it only if the district returns it.',
}

export default async function criteriaRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()
  const db = () => app.database.db

  /** The full assessment as the caller sees it: scores, verdict, suggestions from the data, and next steps. */
  async function assessmentView(
    tx: Tx,
    request: FastifyRequest,
    row: AssessmentRow,
    known: { set?: CriteriaSet; suggestions?: Map<string, ScoreSuggestion> } = {},
  ): Promise<Assessment> {
    const principal = request.principal!
    const set = known.set ?? (await getCriteriaSet(tx, row.criteriaSetId, row.criteriaSetVersion))
    const scores = await scoreRows(tx, [row.id])
    const suggestions = known.suggestions ?? (await loadSuggestions(tx, principal.scope, row, set))
    const actor = actorFor(principal, await app.accounts.principals.unitTree(), row.wardCode)
    return toAssessment(row, set, scores, suggestions, allowedNextStates(principal, actor, row.state))
  }

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
    async (request) => {
      const rows = await listCriteriaSetRows(db())
      const latest = new Map<string, CriteriaSetRow>()
      for (const row of rows) if ((latest.get(row.id)?.version ?? 0) < row.version) latest.set(row.id, row)
      const latestVersion = (id: string) => latest.get(id)!.version
      if (request.query.year !== undefined) {
        const governing = criteriaSetForYear(
          rows.map((r) => r.definition),
          request.query.year,
        )
        const row = governing && rows.find((r) => r.id === governing.id && r.version === governing.version)
        return { items: row ? [toCriteriaSet(row, latestVersion(row.id))] : [], nextCursor: null }
      }
      return { items: [...latest.values()].map((row) => toCriteriaSet(row, row.version)), nextCursor: null }
    },
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
      const { id } = request.params
      const found = await getCriteriaSetRow(db(), id, request.query.version)
      if (!found)
        throw notFound(
          'Criteria set',
          request.query.version === undefined ? id : `${id} version ${request.query.version}`,
        )
      return sendWithEtag(reply, found.row.version, toCriteriaSet(found.row, found.latestVersion))
    },
  )

  route.post(
    '/v1/criteria-sets',
    {
      config: { permission: 'catalogues:manage', idempotent: true },
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
      const { note, ...definition } = request.body
      const problems = criteriaSetProblems({ ...definition, version: 0 })
      if (problems.length > 0)
        throw unprocessable('invalid_criteria_set', 'The criteria set is not consistent.', bodyErrors(problems))
      const now = app.clock.now()
      const row = await db().transaction(async (tx) => {
        const version = (await latestVersionOf(tx, definition.id)) + 1
        const created = await insertCriteriaSet(tx, {
          id: definition.id,
          version,
          definition: { ...definition, version },
          publishedAt: now,
          publishedBy: request.principal!.id,
          note: note ?? null,
        })
        await audit(tx, request, {
          action: 'criteria_set.publish',
          resourceType: 'criteria_set',
          resourceId: `${created.id}@${created.version}`,
          outcome: 'success',
          details: { id: created.id, version: created.version },
        })
        return created
      })
      reply.code(201).header('location', `/v1/criteria-sets/${encodeURIComponent(row.id)}?version=${row.version}`)
      return sendWithEtag(reply, row.version, toCriteriaSet(row, row.version))
    },
  )

  /* ------------------------------------------------------------------------------ assessments */

  route.post(
    '/v1/assessments',
    {
      config: { permission: 'assessments:write', idempotent: true },
      schema: {
        operationId: 'createAssessment',
        tags,
        summary: 'Open a ward’s child-friendly self-assessment for a year',
        description:
          'One assessment per ward and year (409 with `existingId` otherwise). The ward must be in your units. The criteria set is the ' +
          'one governing the year, and the recognition threshold follows the ward’s category in the units catalogue; both stay with ' +
          'the assessment. `assessedOn` (today by default) is the date the data-driven suggestions are taken on. Accepts Idempotency-Key.',
        body: CreateAssessmentBody,
        response: {
          201: ref(AssessmentSchema, 'The new draft assessment'),
          ...problemResponses(400, 401, 403, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const principal = request.principal!
      const { wardCode, year } = request.body
      const now = app.clock.now()
      const today = localDateOf(now)
      const assessedOn = request.body.assessedOn ?? today
      const problems: FieldError[] = bodyErrors(assessedOnProblems(year, assessedOn, today))
      const ward = await getWard(db(), wardCode)
      if (!ward || ward.level !== 'ward') {
        problems.push({ location: 'body', pointer: '/wardCode', message: 'is not a ward', code: 'invalid_ward' })
      } else if (!isUnitInScope(principal.scope, ward.code, null)) {
        problems.push({
          location: 'body',
          pointer: '/wardCode',
          message: 'is outside your units',
          code: 'unit_out_of_scope',
        })
      } else {
        if (ward.validFrom > assessedOn || (ward.validTo !== null && ward.validTo < assessedOn)) {
          problems.push({
            location: 'body',
            pointer: '/wardCode',
            message: `is not a ward on ${assessedOn}`,
            code: 'ward_not_valid',
          })
        }
        if (ward.category === null) {
          problems.push({
            location: 'body',
            pointer: '/wardCode',
            message: 'has no category, which decides the total required',
            code: 'ward_without_category',
          })
        }
      }
      const set = criteriaSetForYear(
        (await listCriteriaSetRows(db())).map((r) => r.definition),
        year,
      )
      if (set === null)
        problems.push({
          location: 'body',
          pointer: '/year',
          message: 'no criteria set governs this year',
          code: 'no_criteria_set',
        })
      if (problems.length > 0 || !ward?.category || set === null)
        throw unprocessable('invalid_assessment', 'The assessment cannot be opened.', problems)
      const category = ward.category
      const result = await inScope(db(), principal.scope, async (tx) => {
        const existingId = await assessmentIdFor(tx, ward.code, year)
        if (existingId) return { existingId }
        const row = await insertAssessment(tx, {
          provinceCode: ward.provinceCode,
          wardCode: ward.code,
          residentialGroupCode: null,
          year,
          criteriaSetId: set.id,
          criteriaSetVersion: set.version,
          category,
          assessedOn,
          createdAt: now,
          updatedAt: now,
          createdBy: principal.id,
        })
        await audit(tx, request, {
          action: 'assessment.create',
          resourceType: 'assessment',
          resourceId: row.id,
          unitCode: row.wardCode,
          outcome: 'success',
          details: { year, criteriaSet: `${set.id}@${set.version}` },
        })
        return { kind: 'done' as const, view: await assessmentView(tx, request, row, { set }) }
      })
      if ('existingId' in result) {
        throw conflict('assessment_exists', `Ward ${wardCode} already has an assessment for ${year}.`, {
          existingId: result.existingId,
        })
      }
      reply.code(201).header('location', `/v1/assessments/${result.view.id}`)
      return sendWithEtag(reply, result.view.version, result.view)
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
    async (request): Promise<AssessmentOverview> => {
      const principal = request.principal!
      const { year, unit } = request.query
      const unitScope = unitFilterScope(await app.accounts.principals.unitTree(), unit)
      return inScope(db(), principal.scope, async (tx) => {
        const rows = await listAssessmentRows(tx, principal.scope, { year, unitScope })
        const scores = await scoreRows(
          tx,
          rows.map((r) => r.id),
        )
        const sets = new Map<string, CriteriaSet>()
        for (const row of rows) {
          const key = `${row.criteriaSetId}@${row.criteriaSetVersion}`
          if (!sets.has(key)) sets.set(key, await getCriteriaSet(tx, row.criteriaSetId, row.criteriaSetVersion))
        }
        const byWard = new Map(rows.map((row) => [row.wardCode, row]))
        const wards = (await wardsValidOn(tx, `${year}-12-31`, [...byWard.keys()])).filter(
          (ward) =>
            isUnitInScope(principal.scope, ward.code, null) &&
            (!unitScope || isUnitInScope(unitScope, ward.code, null)),
        )
        const items = wards.map((ward) => {
          const row = byWard.get(ward.code)
          if (!row) return { wardCode: ward.code, wardName: ward.nameVi, category: ward.category, assessment: null }
          const set = sets.get(`${row.criteriaSetId}@${row.criteriaSetVersion}`)!
          const result = assessmentVerdict(
            row,
            set,
            scores.filter((s) => s.assessmentId === row.id),
          )
          return {
            wardCode: ward.code,
            wardName: ward.nameVi,
            category: ward.category,
            assessment: {
              id: row.id,
              state: row.state,
              criteriaSet: { id: set.id, version: set.version },
              total: result.total,
              requiredTotal: result.requiredTotal,
              verdictRecognised: result.recognised,
              reasons: result.reasons,
              decision:
                row.state === 'decided' && row.recognised !== null
                  ? {
                      recognised: row.recognised,
                      decisionNumber: row.decisionNumber ?? '',
                      decisionDate: row.decisionDate ?? '',
                    }
                  : null,
            },
          }
        })
        const decided = items.filter((i) => i.assessment?.decision)
        const recognised = decided.filter((i) => i.assessment?.decision?.recognised).length
        const target = await planTarget(tx, year, targetIndicator)
        const figure = target?.unit === 'percent' ? percentage(recognised, items.length) : recognised
        await audit(tx, request, {
          action: 'assessment.list',
          resourceType: 'assessment',
          outcome: 'success',
          details: { year, unit: unit ?? null, count: rows.length },
        })
        return {
          year,
          unit: unit ?? null,
          wards: items.length,
          assessed: items.filter((i) => i.assessment !== null).length,
          decided: decided.length,
          recognised,
          target: target
            ? {
                indicatorCode: target.indicatorCode,
                comparator: target.comparator,
                value: target.value,
                unit: target.unit,
              }
            : null,
          targetReached: target ? targetMet(figure, target) : null,
          items,
        }
      })
    },
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
      const principal = request.principal!
      const { id } = request.params
      const view = await inScope(db(), principal.scope, async (tx) => {
        const row = await getAssessmentRow(tx, principal.scope, id)
        await audit(tx, request, {
          action: 'assessment.read',
          resourceType: 'assessment',
          resourceId: id,
          unitCode: row?.wardCode ?? null,
          outcome: row ? 'success' : 'not_found',
        })
        return row ? assessmentView(tx, request, row) : undefined
      })
      if (!view) throw notFound('Assessment', id)
      return sendWithEtag(reply, view.version, view)
    },
  )

  route.put(
    '/v1/assessments/:id/scores/:criterion',
    {
      config: { permission: 'assessments:read' },
      schema: {
        operationId: 'scoreAssessmentCriterion',
        tags,
        summary: 'Score one criterion (If-Match: the assessment’s ETag)',
        description:
          'While the assessment is a draft, its ward scores it (assessments:write, assigned to the ward). While it is submitted or ' +
          'appraised, only the district adjusts it (assessments:appraise), with `adjustmentReason`; the ward’s own points are kept ' +
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
      const principal = request.principal!
      const { id, criterion } = request.params
      const body = request.body
      const tree = await app.accounts.principals.unitTree()
      const now = app.clock.now()
      const outcome = await inScope(db(), principal.scope, async (tx) => {
        const row = await getAssessmentRow(tx, principal.scope, id)
        if (!row) {
          await audit(tx, request, {
            action: 'assessment.score',
            resourceType: 'assessment',
            resourceId: id,
            outcome: 'not_found',
          })
          return { kind: 'missing' as const }
        }
        const side = scoringSide(row.state)
        if (side === null)
          return {
            kind: 'problem' as const,
            problem: conflict('assessment_decided', 'A decided assessment can no longer be scored.', {
              state: row.state,
            }),
          }
        const actor = actorFor(principal, tree, row.wardCode)
        const asWard = actor.isWardOfAssessment && hasPermission(principal, 'assessments:write')
        const asDistrict = actor.isDistrict && !actor.isWardOfAssessment
        if (!(side === 'ward' ? asWard : asDistrict)) {
          if (asWard || asDistrict)
            return {
              kind: 'problem' as const,
              problem: conflict('assessment_locked', lockedDetail[side], { state: row.state }),
            }
          await audit(tx, request, {
            action: 'assessment.score',
            resourceType: 'assessment',
            resourceId: id,
            unitCode: row.wardCode,
            outcome: 'denied',
            details: { state: row.state, criterion },
          })
          return {
            kind: 'problem' as const,
            problem: new HttpProblem(
              403,
              'score_not_permitted',
              side === 'ward'
                ? 'A draft is scored by its own ward: an account assigned to the ward with assessments:write.'
                : 'A submitted assessment is adjusted by the district (assessments:appraise), never by an account assigned to the ward.',
            ),
          }
        }
        if (row.version !== expectedVersion) return { kind: 'stale' as const, version: row.version }
        const set = await getCriteriaSet(tx, row.criteriaSetId, row.criteriaSetVersion)
        if (!set.criteria.some((c) => c.code === criterion)) {
          throw unprocessable(
            'unknown_criterion',
            `Criterion ${criterion} is not part of criteria set ${set.id} version ${set.version}.`,
            [
              {
                location: 'params',
                pointer: '/criterion',
                message: 'is not a criterion of this assessment’s criteria set',
                code: 'unknown_criterion',
              },
            ],
          )
        }
        const suggestions = await loadSuggestions(tx, principal.scope, row, set)
        const suggestion = suggestions.get(criterion)
        const { score, problems } = resolveScore(set, criterion, body, suggestion ?? null, side)
        if (problems.length > 0 || score === null)
          throw unprocessable('invalid_score', `Criterion ${criterion} cannot be scored so.`, bodyErrors(problems))
        const existing = await getScoreRow(tx, id, criterion)
        const updated = await updateAssessment(tx, principal.scope, id, expectedVersion, { updatedAt: now })
        if (!updated) return { kind: 'stale' as const, version: row.version }
        const byDistrict = side === 'district'
        await saveScore(tx, {
          assessmentId: id,
          provinceCode: row.provinceCode,
          wardCode: row.wardCode,
          residentialGroupCode: null,
          criterionCode: criterion,
          points: score.points,
          subItems: score.subItems ?? [],
          suggestion: suggestionSnapshot(suggestion, body.acceptSuggestion === true),
          ...scoreRecordNotes(side, body, existing),
          updatedAt: now,
          updatedBy: principal.id,
        })
        await audit(tx, request, {
          action: byDistrict ? 'assessment.adjust' : 'assessment.score',
          resourceType: 'assessment',
          resourceId: id,
          unitCode: row.wardCode,
          outcome: 'success',
          details: { criterion, points: score.points, acceptedSuggestion: body.acceptSuggestion === true },
        })
        return { kind: 'done' as const, view: await assessmentView(tx, request, updated, { set, suggestions }) }
      })
      if (outcome.kind === 'missing') throw notFound('Assessment', id)
      if (outcome.kind === 'problem') throw outcome.problem
      if (outcome.kind === 'stale') throw staleVersion(outcome.version)
      return sendWithEtag(reply, outcome.view.version, outcome.view)
    },
  )

  /* ------------------------------------------------------------------------------ workflow */

  interface StepContext {
    row: AssessmentRow
    set: CriteriaSet
    scores: ScoreRow[]
    now: Date
    today: string
  }

  interface Step {
    to: AssessmentState
    action: string
    /** The columns the step sets; throws a problem when the step is refused. */
    prepare: (context: StepContext) => Partial<AssessmentRow>
    after?: (tx: Tx, updated: AssessmentRow, context: StepContext) => Promise<void>
  }

  async function takeStep(request: FastifyRequest, id: string, step: Step): Promise<Assessment> {
    const expectedVersion = optionalVersion(request)
    const principal = request.principal!
    const tree = await app.accounts.principals.unitTree()
    const now = app.clock.now()
    const outcome = await inScope(db(), principal.scope, async (tx) => {
      const row = await getAssessmentRow(tx, principal.scope, id)
      if (!row) {
        await audit(tx, request, {
          action: step.action,
          resourceType: 'assessment',
          resourceId: id,
          outcome: 'not_found',
        })
        return { kind: 'missing' as const }
      }
      const actor = actorFor(principal, tree, row.wardCode)
      if (!canTransition(row.state, step.to, actor)) {
        if (!isTransition(row.state, step.to)) {
          const allowed = nextStates(row.state, actor)
          return {
            kind: 'problem' as const,
            problem: conflict(
              'invalid_transition',
              `An assessment in state ${row.state} cannot move to ${step.to}${allowed.length > 0 ? `; it may move to ${allowed.join(', ')}` : ''}.`,
              { state: row.state, allowedNextStates: allowed },
            ),
          }
        }
        await audit(tx, request, {
          action: step.action,
          resourceType: 'assessment',
          resourceId: id,
          unitCode: row.wardCode,
          outcome: 'denied',
        })
        return {
          kind: 'problem' as const,
          problem: new HttpProblem(
            403,
            'transition_not_permitted',
            actor.isWardOfAssessment
              ? 'An account assigned to the ward cannot appraise, return or decide the ward’s own assessment.'
              : 'Only an account assigned to the ward submits its self-assessment.',
          ),
        }
      }
      if (expectedVersion !== undefined && expectedVersion !== row.version)
        return { kind: 'stale' as const, version: row.version }
      const set = await getCriteriaSet(tx, row.criteriaSetId, row.criteriaSetVersion)
      const context: StepContext = { row, set, scores: await scoreRows(tx, [row.id]), now, today: localDateOf(now) }
      const updated = await updateAssessment(tx, principal.scope, id, row.version, {
        ...step.prepare(context),
        state: step.to,
        updatedAt: now,
      })
      if (!updated) return { kind: 'stale' as const, version: row.version }
      await audit(tx, request, {
        action: step.action,
        resourceType: 'assessment',
        resourceId: id,
        unitCode: row.wardCode,
        outcome: 'success',
        details: { from: row.state, to: step.to },
      })
      await step.after?.(tx, updated, context)
      return { kind: 'done' as const, view: await assessmentView(tx, request, updated, { set }) }
    })
    if (outcome.kind === 'missing') throw notFound('Assessment', id)
    if (outcome.kind === 'problem') throw outcome.problem
    if (outcome.kind === 'stale') throw staleVersion(outcome.version)
    return outcome.view
  }

  const stepResponses = {
    200: ref(AssessmentSchema, 'The assessment in its new state'),
    ...problemResponses(400, 401, 403, 404, 409, 412, 422),
  }
  const ifMatchNote =
    'If-Match (the assessment’s ETag) is optional: when sent, the step applies only to that version (412 otherwise).'

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
      const view = await takeStep(request, request.params.id, {
        to: 'submitted',
        action: 'assessment.submit',
        prepare: ({ set, scores, now }) => {
          const scored = new Set(scores.map((s) => s.criterionCode))
          const missing = set.criteria.filter((c) => !scored.has(c.code)).map((c) => c.code)
          if (missing.length > 0) {
            throw unprocessable(
              'assessment_incomplete',
              `Criteria ${missing.join(', ')} have no score yet.`,
              undefined,
              { missingCriteria: missing },
            )
          }
          return {
            minutesReference: request.body.minutesReference,
            submittedAt: now,
            submittedBy: request.principal!.id,
          }
        },
      })
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
      const view = await takeStep(request, request.params.id, {
        to: 'appraised',
        action: 'assessment.appraise',
        prepare: ({ now }) => ({
          appraisedAt: now,
          appraisedBy: request.principal!.id,
          appraisalNote: request.body.note ?? null,
        }),
      })
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
      const view = await takeStep(request, request.params.id, {
        to: 'draft',
        action: 'assessment.return',
        prepare: () => ({ appraisalNote: request.body.comments }),
      })
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
          `Records the \`assessment.decided\` event. ${ifMatchNote}`,
        params: AssessmentParams,
        body: DecideBody,
        response: stepResponses,
      },
    },
    async (request, reply) => {
      const body = request.body
      const view = await takeStep(request, request.params.id, {
        to: 'decided',
        action: 'assessment.decide',
        prepare: ({ row, set, scores, now, today }) => {
          const problems = decisionProblems(
            body,
            { assessedOn: row.assessedOn, verdict: assessmentVerdict(row, set, scores) },
            today,
          )
          if (problems.length > 0)
            throw unprocessable('invalid_decision', 'The decision cannot be recorded.', bodyErrors(problems))
          return {
            recognised: body.recognised,
            decisionNumber: body.decisionNumber,
            decisionDate: body.decisionDate,
            decisionAuthority: body.authority,
            decidedAt: now,
            decidedBy: request.principal!.id,
          }
        },
        after: async (tx, updated, { set, scores, now }) => {
          await recordEvent(tx, {
            type: 'assessment.decided',
            occurredAt: now,
            unit: { provinceCode: updated.provinceCode, wardCode: updated.wardCode, residentialGroupCode: null },
            resourceType: 'assessment',
            resourceId: updated.id,
            // Field names follow the event's allow-list (docs/webhooks.md); no personal data.
            data: {
              assessmentId: updated.id,
              wardCode: updated.wardCode,
              year: updated.year,
              category: updated.category,
              state: updated.state,
              recognised: body.recognised,
              totalScore: assessmentVerdict(updated, set, scores).total,
              criteriaSetId: updated.criteriaSetId,
              criteriaSetVersion: updated.criteriaSetVersion,
              decisionNumber: body.decisionNumber,
              decisionDate: body.decisionDate,
              decisionAuthority: body.authority,
            },
            dedupeKey: `assessment.decided:${updated.id}`,
          })
        },
      })
      return sendWithEtag(reply, view.version, view)
    },
  )
}
