/**
 * Scoring one criterion of an assessment, as scoped work (platform/work.ts): the ward while it drafts,
 * the district (with a reason) while it holds the dossier, nobody once decided.
 */
import type { Static } from 'typebox'
import { staleVersion } from '../../platform/concurrency.js'
import { bodyErrors, conflict, HttpProblem, notFound, unprocessable } from '../../platform/problem.js'
import { refuse, Refusal, type Work } from '../../platform/work.js'
import { actorFor, scoringAccess } from './actors.js'
import { assessmentView } from './assessments.js'
import type { CriteriaSet } from './criteria-set-rules.js'
import {
  getAssessmentRow,
  getCriteriaSet,
  getScoreRow,
  saveScore,
  updateAssessment,
  type AssessmentRow,
} from './repository.js'
import type { Assessment, ScoreBody } from './schemas.js'
import { resolveScore, scoreRecordNotes, scoringSide } from './score-rules.js'
import { loadSuggestions } from './suggestions.js'
import { suggestionSnapshot } from './views.js'

/** Who scores a state, in words, for the problem a caller on the wrong side gets. */
const lockedDetail: Record<'ward' | 'district', string> = {
  ward: 'The ward is still drafting this assessment; the district adjusts scores once it is submitted.',
  district:
    'This assessment has been submitted to the district; the ward can change it only if the district returns it.',
}

/** The side the caller scores the assessment for, or the refusal (a refused caller is audited as denied). */
async function sideOfCaller(
  work: Work,
  row: AssessmentRow,
  { id, criterion }: { id: string; criterion: string },
): Promise<'ward' | 'district' | Refusal> {
  const side = scoringSide(row.state)
  if (side === null)
    return refuse(conflict('assessment_decided', 'A decided assessment can no longer be scored.', { state: row.state }))
  const access = scoringAccess(work.principal, actorFor(work.principal, await work.unitTree(), row.wardCode), side)
  if (access === 'allowed') return side
  if (access === 'locked') return refuse(conflict('assessment_locked', lockedDetail[side], { state: row.state }))
  await work.audit({
    action: 'assessment.score',
    resourceType: 'assessment',
    resourceId: id,
    unitCode: row.wardCode,
    outcome: 'denied',
    details: { state: row.state, criterion },
  })
  return refuse(
    new HttpProblem(
      403,
      'score_not_permitted',
      side === 'ward'
        ? 'A draft is scored by its own ward: an account assigned to the ward with assessments:write.'
        : 'A submitted assessment is adjusted by the district (assessments:appraise), never by an account assigned to the ward.',
    ),
  )
}

function unknownCriterion(set: CriteriaSet, criterion: string) {
  return unprocessable(
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

/**
 * Sets the score of one criterion on the version `expectedVersion` of an assessment. A missing
 * assessment, and a caller refused, are audited before the problem is answered.
 */
export async function scoreCriterion(
  work: Work,
  { id, criterion }: { id: string; criterion: string },
  body: Static<typeof ScoreBody>,
  expectedVersion: number,
): Promise<Assessment | Refusal> {
  const row = await getAssessmentRow(work.tx, work.scope, id)
  if (!row) {
    await work.audit({ action: 'assessment.score', resourceType: 'assessment', resourceId: id, outcome: 'not_found' })
    return refuse(notFound('Assessment', id))
  }
  const side = await sideOfCaller(work, row, { id, criterion })
  if (side instanceof Refusal) return side
  if (row.version !== expectedVersion) return refuse(staleVersion(row.version))
  const set = await getCriteriaSet(work.tx, row.criteriaSetId, row.criteriaSetVersion)
  if (!set.criteria.some((c) => c.code === criterion)) throw unknownCriterion(set, criterion)
  const suggestions = await loadSuggestions(work.tx, work.scope, row, set)
  const suggestion = suggestions.get(criterion)
  const { score, problems } = resolveScore(set, criterion, body, suggestion ?? null, side)
  if (problems.length > 0 || score === null)
    throw unprocessable('invalid_score', `Criterion ${criterion} cannot be scored so.`, bodyErrors(problems))
  const existing = await getScoreRow(work.tx, id, criterion)
  const updated = await updateAssessment(work.tx, work.scope, id, expectedVersion, { updatedAt: work.now })
  if (!updated) return refuse(staleVersion(row.version))
  await saveScore(work.tx, {
    assessmentId: id,
    provinceCode: row.provinceCode,
    wardCode: row.wardCode,
    residentialGroupCode: null,
    criterionCode: criterion,
    points: score.points,
    subItems: score.subItems ?? [],
    suggestion: suggestionSnapshot(suggestion, body.acceptSuggestion === true),
    ...scoreRecordNotes(side, body, existing),
    updatedAt: work.now,
    updatedBy: work.principal.id,
  })
  await work.audit({
    action: side === 'district' ? 'assessment.adjust' : 'assessment.score',
    resourceType: 'assessment',
    resourceId: id,
    unitCode: row.wardCode,
    outcome: 'success',
    details: { criterion, points: score.points, acceptedSuggestion: body.acceptSuggestion === true },
  })
  return assessmentView(work, updated, { set, suggestions })
}
