/**
 * What the API shows of criteria sets and assessments: the one builder of each response shape
 * (CriteriaSet, Assessment, AssessmentOverview). Pure: the rows, sets and scores come in as arguments.
 */
import { percentage, targetMet } from '../indicators/rules.js'
import type { CriteriaSet, WardCategory } from './criteria-set-rules.js'
import type { AssessmentRow, CriteriaSetRow, PlanTargetRow, ScoreRow, WardRow } from './repository.js'
import type { Assessment, AssessmentCriterion, AssessmentOverview, ScoreSuggestion } from './schemas.js'
import { verdict, type Verdict } from './verdict-rules.js'
import type { AssessmentState } from './workflow-rules.js'

/** A criteria set version as the API shows it (CriteriaSetSchema). */
export function toCriteriaSet(row: CriteriaSetRow, latestVersion: number) {
  const { id, legalBasis, validFromYear, validToYear, assessmentSchedule, criteria, recognition } = row.definition
  return {
    id,
    legalBasis,
    validFromYear,
    validToYear,
    ...(assessmentSchedule ? { assessmentSchedule } : {}),
    criteria,
    recognition,
    version: row.version,
    latestVersion,
    publishedAt: row.publishedAt.toISOString(),
    publishedBy: row.publishedBy,
    note: row.note,
  }
}

/** The verdict on an assessment's stored scores, under its criteria set and its ward's category. */
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

/** An assessment as the API shows it (AssessmentSchema), with the steps the caller may take next. */
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
    recognisingUnitCode: row.recognisingUnitCode,
    extraordinaryReason: row.extraordinaryReason,
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

/** What the district view of a year is built from. */
export interface OverviewInput {
  year: number
  unit: string | undefined
  /** The wards shown, in order: those in the caller's units (and below `unit`). */
  wards: readonly (WardRow & { category: WardCategory | null })[]
  /** The year's assessments in the caller's units. */
  rows: readonly AssessmentRow[]
  scores: readonly ScoreRow[]
  setOf: (row: AssessmentRow) => CriteriaSet
  target: PlanTargetRow | undefined
}

function toOverviewItem(ward: OverviewInput['wards'][number], row: AssessmentRow | undefined, input: OverviewInput) {
  if (!row) return { wardCode: ward.code, wardName: ward.nameVi, category: ward.category, assessment: null }
  const set = input.setOf(row)
  const result = assessmentVerdict(
    row,
    set,
    input.scores.filter((s) => s.assessmentId === row.id),
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
}

/** The district view of a year (AssessmentOverviewSchema): every ward's assessment, and the wards recognised against the target. */
export function toAssessmentOverview(input: OverviewInput): AssessmentOverview {
  const { year, unit, target } = input
  const byWard = new Map(input.rows.map((row) => [row.wardCode, row]))
  const items = input.wards.map((ward) => toOverviewItem(ward, byWard.get(ward.code), input))
  const decided = items.filter((i) => i.assessment?.decision)
  const recognised = decided.filter((i) => i.assessment?.decision?.recognised).length
  const figure = target?.unit === 'percent' ? percentage(recognised, items.length) : recognised
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
}
