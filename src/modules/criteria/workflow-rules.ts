/**
 * Assessment workflow (pure): ward self-assessment → dossier to the district → appraisal → decision;
 * who takes each step, and the dates of the assessment and of its decision.
 */
import type { Problem } from './criteria-set-rules.js'
import type { Verdict } from './verdict-rules.js'

export const assessmentStates = ['draft', 'submitted', 'appraised', 'decided'] as const
export type AssessmentState = (typeof assessmentStates)[number]

export interface AssessmentActor {
  /** The actor acts for the ward being assessed. */
  isWardOfAssessment: boolean
  /** The actor acts for the district office that appraises and decides. */
  isDistrict: boolean
}

const transitions: { from: AssessmentState; to: AssessmentState; by: 'ward' | 'district' }[] = [
  { from: 'draft', to: 'submitted', by: 'ward' },
  { from: 'submitted', to: 'draft', by: 'district' },
  { from: 'submitted', to: 'appraised', by: 'district' },
  { from: 'appraised', to: 'decided', by: 'district' },
]

/**
 * Whether `actor` may move an assessment from `from` to `to`. District steps also require that the
 * actor is not the assessed ward, so nobody appraises or decides their own self-assessment.
 */
export function canTransition(from: AssessmentState, to: AssessmentState, actor: AssessmentActor): boolean {
  const step = transitions.find((t) => t.from === from && t.to === to)
  if (step === undefined) return false
  if (step.by === 'ward') return actor.isWardOfAssessment
  return actor.isDistrict && !actor.isWardOfAssessment
}

/** Whether the workflow has a step from `from` to `to` at all, whoever takes it. */
export function isTransition(from: AssessmentState, to: AssessmentState): boolean {
  return transitions.some((t) => t.from === from && t.to === to)
}

/** The states `actor` may move an assessment to from `from`, in workflow order. */
export function nextStates(from: AssessmentState, actor: AssessmentActor): AssessmentState[] {
  return assessmentStates.filter((to) => canTransition(from, to, actor))
}

/** Problems with the date an assessment is held on: within its year and not ahead of today. */
export function assessedOnProblems(year: number, assessedOn: string, today: string): Problem[] {
  const problems: Problem[] = []
  if (Number(assessedOn.slice(0, 4)) !== year) {
    problems.push({ code: 'outside_year', pointer: '/assessedOn', message: `must fall in ${year}, the year assessed` })
  }
  if (assessedOn > today) problems.push({ code: 'date_in_future', pointer: '/assessedOn', message: 'is in the future' })
  return problems
}

/**
 * Problems with a recognition decision: its date, and recognising a ward the verdict does not support.
 * A regular assessment is decided in its year's assessment month or after (`monthOpens`, the month's first
 * day; null for an extraordinary assessment or a set without a schedule): Decision 06 holds the round then.
 */
export function decisionProblems(
  decision: { recognised: boolean; decisionDate: string },
  assessment: { assessedOn: string; verdict: Verdict; monthOpens: string | null },
  today: string,
): Problem[] {
  const problems: Problem[] = []
  if (assessment.monthOpens !== null && decision.decisionDate < assessment.monthOpens) {
    problems.push({
      code: 'before_assessment_month',
      pointer: '/decisionDate',
      message: `the round is decided from ${assessment.monthOpens}, the assessment month of the criteria set`,
    })
  }
  if (decision.decisionDate < assessment.assessedOn) {
    problems.push({
      code: 'before_assessment',
      pointer: '/decisionDate',
      message: `cannot precede the assessment of ${assessment.assessedOn}`,
    })
  }
  if (decision.decisionDate > today)
    problems.push({ code: 'date_in_future', pointer: '/decisionDate', message: 'is in the future' })
  if (decision.recognised && !assessment.verdict.recognised) {
    problems.push({
      code: 'verdict_not_met',
      pointer: '/recognised',
      message: `the scores do not support recognition: ${assessment.verdict.reasons.join('; ')}`,
    })
  }
  return problems
}
