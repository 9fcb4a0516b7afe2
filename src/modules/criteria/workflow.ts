/**
 * The steps of an assessment, as scoped work (platform/work.ts): the ward submits its self-assessment,
 * the district appraises it or returns it, then records the recognition decision.
 */
import type { Static } from 'typebox'
import type { Tx } from '../../db/client.js'
import { staleVersion } from '../../platform/concurrency.js'
import { bodyErrors, conflict, HttpProblem, notFound, unprocessable } from '../../platform/problem.js'
import { refuse, type Refusal, type Work } from '../../platform/work.js'
import { localDateOf } from '../calendar/rules.js'
import { recordEvent } from '../webhooks/repository.js'
import { actorFor } from './actors.js'
import { assessmentView } from './assessments.js'
import { assessmentMonthStart, type CriteriaSet } from './criteria-set-rules.js'
import {
  getAssessmentRow,
  getCriteriaSet,
  scoreRows,
  updateAssessment,
  type AssessmentRow,
  type ScoreRow,
} from './repository.js'
import type { AppraiseBody, Assessment, DecideBody, ReturnBody, SubmitBody } from './schemas.js'
import { assessmentVerdict } from './views.js'
import {
  canTransition,
  decisionProblems,
  isTransition,
  nextStates,
  type AssessmentActor,
  type AssessmentState,
} from './workflow-rules.js'

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

/** Why the caller cannot take `step` now: a step the workflow does not have from here (409), or not theirs (403, audited). */
async function stepRefusal(
  work: Work,
  { id, row, actor }: { id: string; row: AssessmentRow; actor: AssessmentActor },
  step: Step,
): Promise<Refusal> {
  if (!isTransition(row.state, step.to)) {
    const allowed = nextStates(row.state, actor)
    return refuse(
      conflict(
        'invalid_transition',
        `An assessment in state ${row.state} cannot move to ${step.to}${allowed.length > 0 ? `; it may move to ${allowed.join(', ')}` : ''}.`,
        { state: row.state, allowedNextStates: allowed },
      ),
    )
  }
  await work.audit({
    action: step.action,
    resourceType: 'assessment',
    resourceId: id,
    unitCode: row.wardCode,
    outcome: 'denied',
  })
  return refuse(
    new HttpProblem(
      403,
      'transition_not_permitted',
      actor.isWardOfAssessment
        ? 'An account assigned to the ward cannot appraise, return or decide the ward’s own assessment.'
        : 'Only an account assigned to the ward submits its self-assessment.',
    ),
  )
}

/**
 * Moves an assessment one step, when the workflow allows the caller to (and, with `expectedVersion`,
 * only from that version). A missing assessment, and a caller refused, are audited before the problem.
 */
async function takeStep(
  work: Work,
  id: string,
  expectedVersion: number | undefined,
  step: Step,
): Promise<Assessment | Refusal> {
  const row = await getAssessmentRow(work.tx, work.scope, id)
  if (!row) {
    await work.audit({ action: step.action, resourceType: 'assessment', resourceId: id, outcome: 'not_found' })
    return refuse(notFound('Assessment', id))
  }
  const actor = actorFor(work.principal, await work.unitTree(), row.wardCode)
  if (!canTransition(row.state, step.to, actor)) return stepRefusal(work, { id, row, actor }, step)
  if (expectedVersion !== undefined && expectedVersion !== row.version) return refuse(staleVersion(row.version))
  const set = await getCriteriaSet(work.tx, row.criteriaSetId, row.criteriaSetVersion)
  const scores = await scoreRows(work.tx, [row.id])
  const context: StepContext = { row, set, scores, now: work.now, today: localDateOf(work.now) }
  const updated = await updateAssessment(work.tx, work.scope, id, row.version, {
    ...step.prepare(context),
    state: step.to,
    updatedAt: work.now,
  })
  if (!updated) return refuse(staleVersion(row.version))
  await work.audit({
    action: step.action,
    resourceType: 'assessment',
    resourceId: id,
    unitCode: row.wardCode,
    outcome: 'success',
    details: { from: row.state, to: step.to },
  })
  await step.after?.(work.tx, updated, context)
  return assessmentView(work, updated, { set })
}

/** The ward submits its self-assessment, every criterion scored, with the minutes of its meeting. */
export function submitAssessment(
  work: Work,
  id: string,
  body: Static<typeof SubmitBody>,
  expectedVersion: number | undefined,
) {
  return takeStep(work, id, expectedVersion, {
    to: 'submitted',
    action: 'assessment.submit',
    prepare: ({ set, scores, now }) => {
      const scored = new Set(scores.map((s) => s.criterionCode))
      const missing = set.criteria.filter((c) => !scored.has(c.code)).map((c) => c.code)
      if (missing.length > 0) {
        throw unprocessable('assessment_incomplete', `Criteria ${missing.join(', ')} have no score yet.`, undefined, {
          missingCriteria: missing,
        })
      }
      return { minutesReference: body.minutesReference, submittedAt: now, submittedBy: work.principal.id }
    },
  })
}

/** The district appraises a submitted assessment. */
export function appraiseAssessment(
  work: Work,
  id: string,
  body: Static<typeof AppraiseBody>,
  expectedVersion: number | undefined,
) {
  return takeStep(work, id, expectedVersion, {
    to: 'appraised',
    action: 'assessment.appraise',
    prepare: ({ now }) => ({ appraisedAt: now, appraisedBy: work.principal.id, appraisalNote: body.note ?? null }),
  })
}

/** The district sends a submitted assessment back to the ward as a draft, with comments. */
export function returnAssessment(
  work: Work,
  id: string,
  body: Static<typeof ReturnBody>,
  expectedVersion: number | undefined,
) {
  return takeStep(work, id, expectedVersion, {
    to: 'draft',
    action: 'assessment.return',
    prepare: () => ({ appraisalNote: body.comments }),
  })
}

/** The `assessment.decided` event; its field names follow the event's allow-list (docs/webhooks.md), no personal data. */
async function recordDecided(
  tx: Tx,
  updated: AssessmentRow,
  body: Static<typeof DecideBody>,
  { set, scores, now }: StepContext,
) {
  await recordEvent(tx, {
    type: 'assessment.decided',
    occurredAt: now,
    unit: { provinceCode: updated.provinceCode, wardCode: updated.wardCode, residentialGroupCode: null },
    resourceType: 'assessment',
    resourceId: updated.id,
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
}

/** Records the recognition decision on an appraised assessment; recognising needs a verdict that supports it. */
export function decideAssessment(
  work: Work,
  id: string,
  body: Static<typeof DecideBody>,
  expectedVersion: number | undefined,
) {
  return takeStep(work, id, expectedVersion, {
    to: 'decided',
    action: 'assessment.decide',
    prepare: ({ row, set, scores, now, today }) => {
      const problems = decisionProblems(
        body,
        {
          assessedOn: row.assessedOn,
          verdict: assessmentVerdict(row, set, scores),
          monthOpens: row.extraordinaryReason === null ? assessmentMonthStart(set, row.year) : null,
        },
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
        decidedBy: work.principal.id,
      }
    },
    after: (tx, updated, context) => recordDecided(tx, updated, body, context),
  })
}
