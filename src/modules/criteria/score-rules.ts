/**
 * Scoring one criterion (pure): the problems with a score, who scores in which state, what a score entry
 * keeps besides its points, and the score a change sets (by hand, or by accepting a suggestion).
 */
import type { CriteriaSet, Problem } from './criteria-set-rules.js'
import type { Suggestion } from './suggestion-rules.js'
import type { AssessmentState } from './workflow-rules.js'

export interface CriterionScore {
  points: number
  subItems?: { code: string; points: number }[]
}

const epsilon = 1e-9

function pointsProblems(points: number, max: number, pointer: string, what: string): Problem[] {
  if (!Number.isFinite(points)) return [{ code: 'not_a_number', pointer, message: `${what} needs a number of points` }]
  if (points < 0) return [{ code: 'negative', pointer, message: `${what} cannot score below 0 (got ${points})` }]
  if (points > max)
    return [{ code: 'above_max', pointer, message: `${what} scored ${points}, above its maximum of ${max}` }]
  return []
}

/**
 * Every reason a score for one criterion is refused; empty when acceptable. Sub-item scores are
 * optional, but when any are given they must add up to the criterion's points, so the dossier and the
 * total never disagree.
 */
export function scoreProblems(set: CriteriaSet, criterionCode: string, score: CriterionScore): Problem[] {
  const criterion = set.criteria.find((c) => c.code === criterionCode)
  if (criterion === undefined) {
    return [
      {
        code: 'unknown_criterion',
        pointer: '/criterionCode',
        message: `criterion ${criterionCode} is not part of criteria set ${set.id}`,
      },
    ]
  }
  const problems = pointsProblems(score.points, criterion.maxPoints, '/points', `criterion ${criterion.code}`)
  const given = score.subItems ?? []
  if (given.length === 0) return problems

  const seen = new Set<string>()
  let sum = 0
  let summable = true
  given.forEach((item, i) => {
    const subItem = criterion.subItems.find((s) => s.code === item.code)
    if (subItem === undefined) {
      problems.push({
        code: 'unknown_sub_item',
        pointer: `/subItems/${i}/code`,
        message: `sub-item ${item.code} is not part of criterion ${criterion.code}`,
      })
      summable = false
      return
    }
    if (seen.has(item.code)) {
      problems.push({
        code: 'duplicate_sub_item',
        pointer: `/subItems/${i}/code`,
        message: `sub-item ${item.code} is scored twice`,
      })
      summable = false
      return
    }
    seen.add(item.code)
    const itemProblems = pointsProblems(
      item.points,
      subItem.maxPoints,
      `/subItems/${i}/points`,
      `sub-item ${item.code}`,
    )
    problems.push(...itemProblems)
    if (itemProblems.length > 0) summable = false
    else sum += item.points
  })
  // A sum over refused sub-items would only repeat the problems already reported.
  if (summable && Number.isFinite(score.points) && Math.abs(sum - score.points) > epsilon) {
    problems.push({
      code: 'sub_items_sum_mismatch',
      pointer: '/subItems',
      message: `sub-items of criterion ${criterion.code} add up to ${sum}, not the ${score.points} points given`,
    })
  }
  return problems
}

/** Who scores an assessment in each state: the ward drafts, the district adjusts while it holds the dossier, nobody after the decision. */
export function scoringSide(state: AssessmentState): 'ward' | 'district' | null {
  if (state === 'draft') return 'ward'
  if (state === 'submitted' || state === 'appraised') return 'district'
  return null
}

export interface ScoreAttachment {
  name: string
  reference: string
}

/** What a stored score keeps besides its points. */
export interface ScoreRecordNotes {
  evidenceNote: string | null
  attachments: ScoreAttachment[]
  overrideReason: string | null
  adjustedByDistrict: boolean
  adjustmentReason: string | null
  /** The ward's own points, kept when the district adjusts them. */
  wardPoints: number | null
}

/**
 * The notes a new score entry stores. The ward's entry says only what it says. A district adjustment
 * keeps the ward's evidence, attachments and override reason unless it gives its own, and remembers the
 * ward's points: from the ward's entry, or, when adjusting an adjustment, the ones already remembered.
 */
export function scoreRecordNotes(
  side: 'ward' | 'district',
  given: { evidenceNote?: string; attachments?: ScoreAttachment[]; overrideReason?: string; adjustmentReason?: string },
  existing: (ScoreRecordNotes & { points: number | null }) | undefined,
): ScoreRecordNotes {
  if (side === 'ward') {
    return {
      evidenceNote: given.evidenceNote ?? null,
      attachments: given.attachments ?? [],
      overrideReason: given.overrideReason ?? null,
      adjustedByDistrict: false,
      adjustmentReason: null,
      wardPoints: null,
    }
  }
  return {
    evidenceNote: given.evidenceNote ?? existing?.evidenceNote ?? null,
    attachments: given.attachments ?? existing?.attachments ?? [],
    overrideReason: given.overrideReason ?? existing?.overrideReason ?? null,
    adjustedByDistrict: true,
    adjustmentReason: given.adjustmentReason ?? null,
    wardPoints: existing?.adjustedByDistrict ? existing.wardPoints : (existing?.points ?? null),
  }
}

export interface ScoreInput {
  points?: number
  subItems?: { code: string; points: number }[]
  acceptSuggestion?: boolean
  overrideReason?: string
  adjustmentReason?: string
}

/**
 * Whether points typed by hand are the suggestion itself: a whole suggestion's points, and no sub-item
 * given with other points than it suggests. Typing what the data suggest is not departing from them.
 */
function sameAsSuggestion(score: CriterionScore, suggestion: Suggestion): boolean {
  if (suggestion.partial || score.points !== suggestion.points) return false
  const suggested = new Map(suggestion.subItems.map((item) => [item.code, item.points ?? 0]))
  return (score.subItems ?? []).every((item) => suggested.get(item.code) === item.points)
}

/**
 * The score a change sets, with every reason to refuse it (empty when acceptable). Accepting a
 * suggestion takes its sub-item points; a partial one (criterion 1 suggests only 1.2) needs the other
 * sub-items from the officer. Otherwise `points` is required. The ward departs from a suggestion that
 * proposes points only with a reason; the district adjusts a submitted assessment only with a reason.
 * Pointers are into the request body.
 */
export function resolveScore(
  set: CriteriaSet,
  criterionCode: string,
  input: ScoreInput,
  suggestion: Suggestion | null,
  side: 'ward' | 'district',
): { score: CriterionScore | null; problems: Problem[] } {
  const criterion = set.criteria.find((c) => c.code === criterionCode)
  if (criterion === undefined) return { score: null, problems: scoreProblems(set, criterionCode, { points: 0 }) }
  const problems: Problem[] = []
  const given = input.subItems ?? []
  let score: CriterionScore | null = null

  if (input.acceptSuggestion === true) {
    if (input.overrideReason !== undefined) {
      problems.push({
        code: 'override_reason_not_applicable',
        pointer: '/overrideReason',
        message: 'an accepted suggestion needs no override reason',
      })
    }
    if (suggestion === null) {
      problems.push({
        code: 'no_suggestion',
        pointer: '/acceptSuggestion',
        message: `criterion ${criterion.code} has no suggestion from the data`,
      })
    } else if (suggestion.points === null) {
      problems.push({
        code: 'suggestion_without_points',
        pointer: '/acceptSuggestion',
        message: `the data propose no points for criterion ${criterion.code} (its rule is unconfirmed and not met): score it yourself`,
      })
    } else {
      const suggested = new Set(suggestion.subItems.map((s) => s.code))
      given.forEach((item, i) => {
        if (suggested.has(item.code)) {
          problems.push({
            code: 'suggested_sub_item_given',
            pointer: `/subItems/${i}/code`,
            message: `sub-item ${item.code} comes from the suggestion`,
          })
        }
      })
      // Given sub-items first, so that problems found in them point at the body's own indices; a
      // suggested one given again is refused above and not added twice.
      const givenCodes = new Set(given.map((item) => item.code))
      const merged = [
        ...given,
        ...suggestion.subItems
          .filter((s) => !givenCodes.has(s.code))
          .map((s) => ({ code: s.code, points: s.points ?? 0 })),
      ]
      const covered = new Set(merged.map((s) => s.code))
      const missing = criterion.subItems.filter((s) => !covered.has(s.code)).map((s) => s.code)
      if (suggestion.partial && missing.length > 0) {
        problems.push({
          code: 'incomplete_sub_items',
          pointer: '/subItems',
          message: `the suggestion covers only ${[...suggested].join(', ')}: score ${missing.join(', ')} too`,
        })
      }
      score = { points: input.points ?? merged.reduce((sum, s) => sum + s.points, 0), subItems: merged }
    }
  } else if (input.points === undefined) {
    problems.push({
      code: 'points_required',
      pointer: '/points',
      message: `give the points for criterion ${criterion.code}, or accept the suggestion`,
    })
  } else {
    score = { points: input.points, subItems: given }
    if (
      side === 'ward' &&
      suggestion !== null &&
      suggestion.points !== null &&
      !sameAsSuggestion(score, suggestion) &&
      !input.overrideReason?.trim()
    ) {
      problems.push({
        code: 'override_reason_required',
        pointer: '/overrideReason',
        message: `the data suggest ${suggestion.points} points for criterion ${criterion.code}: accept the suggestion or give the reason for your score`,
      })
    }
  }

  if (side === 'district' && !input.adjustmentReason?.trim()) {
    problems.push({
      code: 'adjustment_reason_required',
      pointer: '/adjustmentReason',
      message: 'the district adjusts a submitted assessment only with a reason',
    })
  } else if (side === 'ward' && input.adjustmentReason !== undefined) {
    problems.push({
      code: 'adjustment_reason_not_applicable',
      pointer: '/adjustmentReason',
      message: 'a draft is scored by its ward; only the district adjusts',
    })
  }
  if (score !== null) problems.push(...scoreProblems(set, criterion.code, score))
  if (score?.subItems) {
    const order = criterion.subItems.map((s) => s.code)
    score = { ...score, subItems: [...score.subItems].sort((a, b) => order.indexOf(a.code) - order.indexOf(b.code)) }
  }
  return { score, problems }
}
