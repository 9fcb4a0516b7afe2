/** Whether a ward is recognised child-friendly from its scores (pure). */
import type { CriteriaSet, WardCategory } from './criteria-set-rules.js'

type CriterionStatus = 'met' | 'not_met' | 'zero' | 'missing'

export interface Verdict {
  total: number
  requiredTotal: number
  criteria: { code: string; points: number | null; maxPoints: number; status: CriterionStatus }[]
  recognised: boolean
  /** One plain-English line per failure, criteria in order first, then the total. */
  reasons: string[]
}

/**
 * Whether a ward is recognised child-friendly from its criterion scores. Scores are expected to have
 * passed scoreProblems; scores for codes outside the set are ignored. A missing score always blocks
 * recognition: a dossier cannot be decided on criteria nobody assessed.
 */
export function verdict(set: CriteriaSet, category: WardCategory, scores: Record<string, number | undefined>): Verdict {
  const rules = set.recognition
  const requiredTotal = rules.thresholds[category]
  const reasons: string[] = []
  let total = 0
  const criteria = set.criteria.map((criterion) => {
    const points = scores[criterion.code]
    const base = { code: criterion.code, maxPoints: criterion.maxPoints }
    if (points === undefined) {
      reasons.push(`criterion ${criterion.code} has no score`)
      return { ...base, points: null, status: 'missing' as const }
    }
    total += points
    const met = points >= criterion.minPointsToMeet
    const status: CriterionStatus = points === 0 ? 'zero' : met ? 'met' : 'not_met'
    if (status === 'zero' && rules.noCriterionZero) {
      reasons.push(`criterion ${criterion.code} scored 0`)
    } else if (!met && rules.everyCriterionMet) {
      reasons.push(
        `criterion ${criterion.code} is not met (${points} of ${criterion.maxPoints}, needs ${criterion.minPointsToMeet})`,
      )
    }
    return { ...base, points, status }
  })
  if (total < requiredTotal) reasons.push(`total ${total} is below ${requiredTotal} required for this ward`)
  return { total, requiredTotal, criteria, recognised: reasons.length === 0, reasons }
}
