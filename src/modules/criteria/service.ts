import { hasPermission, type Principal } from '../../platform/auth.js'
import { isUnitInScope, type Scope, type UnitNode } from '../../platform/scope.js'
import type { Executor } from '../../db/client.js'
import { loadWorkingCalendar } from '../calendar/repository.js'
import { addDays, startOfLocalDay } from '../calendar/rules.js'
import { stepDeadline } from '../incidents/rules.js'
import {
  abuseFigures,
  collaboratorCoverage,
  injuryFigures,
  priorityCases,
  registryFigures,
  type AssessmentRow,
  type FigureWindow,
  type ScoreRow,
} from './repository.js'
import {
  nextStates,
  priorityCaseStanding,
  suggestionsFromFigures,
  verdict,
  type AssessmentActor,
  type AssessmentState,
  type CriteriaSet,
  type Threshold,
  type Verdict,
  type WardFigures,
} from './rules.js'
import type { Assessment, AssessmentCriterion, ScoreSuggestion } from './schemas.js'

/** The period figures are taken over: incidents from 1 January of the assessment year to the end of the assessment date. */
export function figureWindow(row: Pick<AssessmentRow, 'wardCode' | 'year' | 'assessedOn'>): FigureWindow {
  return {
    ward: row.wardCode,
    from: startOfLocalDay(`${row.year}-01-01`),
    asOf: row.assessedOn,
    asOfEnd: new Date(startOfLocalDay(addDays(row.assessedOn, 1)).getTime() - 1),
  }
}

/** The ward's figures as of the assessment date, read inside the caller's jurisdiction. */
export async function wardFigures(tx: Executor, scope: Scope, window: FigureWindow): Promise<WardFigures> {
  const coverage = await collaboratorCoverage(tx, window)
  const registry = await registryFigures(tx, scope, window)
  const abuse = await abuseFigures(tx, scope, window)
  const injury = await injuryFigures(tx, scope, window)
  const cases = await priorityCases(tx, scope, window)
  const calendar = cases.length > 0 ? await loadWorkingCalendar(tx) : null
  let counted = 0
  let timely = 0
  for (const incident of cases) {
    const dueAt = stepDeadline('plan_approval', incident.receivedAt, calendar!)
    if (dueAt === null) throw new Error('the case process has no deadline for plan approval')
    const standing = priorityCaseStanding(incident, dueAt, window.asOfEnd)
    if (standing === 'timely' || standing === 'late') counted++
    if (standing === 'timely') timely++
  }
  return {
    ...coverage,
    ...registry,
    abusedChildren: abuse.abusedChildren,
    childrenOrVictims: registry.children + abuse.victimsLivingElsewhere,
    ...injury,
    priorityCases: counted,
    priorityCasesWithTimelyApprovedPlan: timely,
  }
}

/** What each figure counts, so an officer can check the numbers behind a suggestion. */
const figureLabels: Record<string, { numerator: string; denominator: string }> = {
  '1.2': {
    numerator: 'residential groups with an active collaborator account',
    denominator: 'residential groups of the ward valid on the assessment date',
  },
  '2.1': {
    numerator: 'children with their birth registered',
    denominator: 'children living in the ward on the assessment date',
  },
  '3.1': {
    numerator: 'children involved in abuse incidents since 1 January',
    denominator: 'children of the ward on the assessment date, with victims no longer counted there',
  },
  '5.1': {
    numerator: 'injury and drowning cases since 1 January in which a child died',
    denominator: 'injury and drowning cases since 1 January',
  },
  '6.1': {
    numerator: 'special-circumstance children with support in effect on the assessment date',
    denominator: 'children in a special-circumstance group on the assessment date',
  },
  '6.2': {
    numerator: 'sexual-abuse, abandonment and trafficking cases with a support plan approved in time',
    denominator: 'such cases received since 1 January whose approval was due by the assessment date, or done',
  },
}

function thresholdOf(set: CriteriaSet, subItemCode: string): Threshold {
  const threshold = set.criteria.flatMap((c) => c.subItems).find((s) => s.code === subItemCode)?.threshold
  // suggestionsFromFigures only suggests sub-items that carry a threshold.
  if (threshold === undefined) throw new Error(`sub-item ${subItemCode} has no threshold`)
  return threshold
}

/** The suggestions for an assessment, by criterion code, with their figures and what the figures count. */
export function suggestionViews(
  set: CriteriaSet,
  figures: WardFigures,
  window: FigureWindow,
): Map<string, ScoreSuggestion> {
  const views = new Map<string, ScoreSuggestion>()
  for (const suggestion of suggestionsFromFigures(set, figures)) {
    views.set(suggestion.criterionCode, {
      criterionCode: suggestion.criterionCode,
      points: suggestion.points,
      partial: suggestion.partial,
      asOf: window.asOf,
      periodFrom: window.asOf.slice(0, 4) + '-01-01',
      subItems: suggestion.subItems.map((item) => {
        const { comparator, value, unit } = thresholdOf(set, item.code)
        const labels = figureLabels[item.code]
        // Every sub-item suggestionsFromFigures can suggest has its labels above.
        if (labels === undefined) throw new Error(`no figure labels for sub-item ${item.code}`)
        return {
          ...item,
          numeratorLabel: labels.numerator,
          denominatorLabel: labels.denominator,
          threshold: { comparator, value, unit },
        }
      }),
    })
  }
  return views
}

export async function loadSuggestions(
  tx: Executor,
  scope: Scope,
  row: AssessmentRow,
  set: CriteriaSet,
): Promise<Map<string, ScoreSuggestion>> {
  const window = figureWindow(row)
  return suggestionViews(set, await wardFigures(tx, scope, window), window)
}

/**
 * Who the caller is to this assessment. Acting for the ward means being assigned to the ward itself
 * (or one of its residential groups), not reaching it through the district: such an account never
 * appraises or decides the ward's own self-assessment, whatever permissions it holds.
 */
export function actorFor(principal: Principal, tree: readonly UnitNode[], wardCode: string): AssessmentActor {
  const parentOf = new Map(tree.map((unit) => [unit.code, unit.parentCode]))
  return {
    isWardOfAssessment: principal.units.some((code) => code === wardCode || parentOf.get(code) === wardCode),
    isDistrict: hasPermission(principal, 'assessments:appraise') && isUnitInScope(principal.scope, wardCode, null),
  }
}

/** The permission each transition's operation requires. */
export function transitionPermission(to: AssessmentState) {
  return to === 'submitted' ? ('assessments:write' as const) : ('assessments:appraise' as const)
}

/** Transitions the caller may make now: allowed by the workflow for who they are, and by their permissions. */
export function allowedNextStates(
  principal: Principal,
  actor: AssessmentActor,
  state: AssessmentState,
): AssessmentState[] {
  return nextStates(state, actor).filter((to) => hasPermission(principal, transitionPermission(to)))
}

export function assessmentVerdict(row: AssessmentRow, set: CriteriaSet, scores: readonly ScoreRow[]): Verdict {
  const points: Record<string, number> = {}
  for (const score of scores) points[score.criterionCode] = score.points
  return verdict(set, row.category, points)
}

/** A stored suggestion snapshot: the suggestion as shown when the score was set, and whether it was accepted. */
type SuggestionSnapshot = ScoreSuggestion & { accepted: boolean }

export function suggestionSnapshot(
  suggestion: ScoreSuggestion | undefined,
  accepted: boolean,
): SuggestionSnapshot | null {
  return suggestion === undefined ? null : { ...suggestion, accepted }
}

function fromSnapshot(stored: Record<string, unknown> | null): {
  suggestion: ScoreSuggestion | null
  accepted: boolean
} {
  if (stored === null) return { suggestion: null, accepted: false }
  const { accepted, ...suggestion } = stored as SuggestionSnapshot
  return { suggestion, accepted }
}

export function toAssessment(
  row: AssessmentRow,
  set: CriteriaSet,
  scores: readonly ScoreRow[],
  suggestions: ReadonlyMap<string, ScoreSuggestion>,
  nextStatesForCaller: AssessmentState[],
): Assessment {
  const result = assessmentVerdict(row, set, scores)
  const byCode = new Map(scores.map((score) => [score.criterionCode, score]))
  const criteria: AssessmentCriterion[] = set.criteria.map((criterion, i) => {
    const score = byCode.get(criterion.code)
    const stored = fromSnapshot(score?.suggestion ?? null)
    return {
      code: criterion.code,
      nameVi: criterion.nameVi,
      nameEn: criterion.nameEn,
      maxPoints: criterion.maxPoints,
      minPointsToMeet: criterion.minPointsToMeet,
      confirmed: criterion.confirmed,
      points: score?.points ?? null,
      status: result.criteria[i]!.status,
      subItems: score?.subItems ?? [],
      evidenceNote: score?.evidenceNote ?? null,
      attachments: score?.attachments ?? [],
      acceptedSuggestion: stored.accepted,
      overrideReason: score?.overrideReason ?? null,
      adjustedByDistrict: score?.adjustedByDistrict ?? false,
      adjustmentReason: score?.adjustmentReason ?? null,
      wardPoints: score?.wardPoints ?? null,
      scoredAt: score ? score.updatedAt.toISOString() : null,
      scoredBy: score?.updatedBy ?? null,
      suggestion: suggestions.get(criterion.code) ?? null,
      suggestionAtScoring: stored.suggestion,
    }
  })
  return {
    id: row.id,
    provinceCode: row.provinceCode,
    wardCode: row.wardCode,
    year: row.year,
    assessedOn: row.assessedOn,
    category: row.category,
    criteriaSet: { id: set.id, version: set.version, legalBasis: set.legalBasis },
    state: row.state,
    total: result.total,
    requiredTotal: result.requiredTotal,
    verdict: { recognised: result.recognised, reasons: result.reasons },
    criteria,
    submission:
      row.submittedAt && row.minutesReference
        ? {
            minutesReference: row.minutesReference,
            submittedAt: row.submittedAt.toISOString(),
            submittedBy: row.submittedBy,
          }
        : null,
    appraisal:
      row.appraisalNote !== null || row.appraisedAt !== null
        ? { note: row.appraisalNote, appraisedAt: row.appraisedAt?.toISOString() ?? null, appraisedBy: row.appraisedBy }
        : null,
    decision:
      row.state === 'decided' && row.decidedAt && row.recognised !== null
        ? {
            recognised: row.recognised,
            decisionNumber: row.decisionNumber ?? '',
            decisionDate: row.decisionDate ?? '',
            authority: row.decisionAuthority ?? '',
            decidedAt: row.decidedAt.toISOString(),
            decidedBy: row.decidedBy,
          }
        : null,
    allowedNextStates: nextStatesForCaller,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}
