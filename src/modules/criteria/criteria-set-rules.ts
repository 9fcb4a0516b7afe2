/**
 * Child-friendly ward scoring under Decision 06/QĐ-TTg (03/01/2019): the criteria set, which one governs a
 * year, and what makes one inconsistent. Pure: the criteria set, its points and its thresholds are data
 * (src/reference/criteria-decision-06.json), because several figures are not confirmed and an
 * administrator must be able to correct them without a release.
 */
export const wardCategories = ['urban_ward_central_city', 'other', 'disadvantaged'] as const
export type WardCategory = (typeof wardCategories)[number]

/**
 * The Decision 06 threshold class of a unit category (urban ward, township, commune…), as the unit
 * categories reference maps it; a class name stands for itself (older data). Null for an unknown one.
 */
export function thresholdClassOf(
  category: string | null,
  kinds: readonly { code: string; decision06Class: WardCategory }[],
): WardCategory | null {
  if (category === null) return null
  const kind = kinds.find((k) => k.code === category)
  if (kind) return kind.decision06Class
  return (wardCategories as readonly string[]).includes(category) ? (category as WardCategory) : null
}

export interface Threshold {
  /** Machine key of the figure the threshold is read against (implemented as a query elsewhere). */
  measure: string
  comparator: '>=' | '<=' | '='
  value: number
  unit: 'percent' | 'count'
}

export interface SubItem {
  code: string
  nameVi: string
  nameEn: string
  maxPoints: number
  threshold?: Threshold
  confirmed: boolean
}

interface Criterion {
  code: string
  nameVi: string
  nameEn: string
  maxPoints: number
  /**
   * Points at or above which the criterion counts as met. Decision 06's own per-criterion minimum is
   * not confirmed; the seed holds half the maximum (rounded up to a whole point) as a placeholder.
   */
  minPointsToMeet: number
  /** Whether maxPoints and the sub-item split are confirmed against the Decision. */
  confirmed: boolean
  subItems: SubItem[]
}

/** How "criterion met" is decided; only a per-criterion minimum is modelled so far. */
interface CriterionMetRule {
  kind: 'min_points'
  confirmed: boolean
}

interface RecognitionRules {
  thresholds: Record<WardCategory, number>
  everyCriterionMet: boolean
  noCriterionZero: boolean
  /** Absent in older data: the per-criterion minimum (unconfirmed) then applies. */
  criterionMetRule?: CriterionMetRule
}

/**
 * When wards are assessed: in `month` of the listed years of each plan cycle of `cycleYears` years
 * counted from `cycleStartYear` (Decision 06: November of the 2nd and 4th year of each 5-year plan).
 */
interface AssessmentSchedule {
  cycleStartYear: number
  cycleYears: number
  yearsOfCycle: number[]
  month: number
}

export interface CriteriaSet {
  id: string
  version: number
  legalBasis: string
  validFromYear: number
  validToYear: number | null
  /** Absent in older data: assessments are then taken in any year. */
  assessmentSchedule?: AssessmentSchedule
  criteria: Criterion[]
  recognition: RecognitionRules
}

export interface Problem {
  code: string
  /** JSON pointer into the checked value: the set itself, or `{ criterionCode, points, subItems }` for a score. */
  pointer: string
  message: string
}

/**
 * The set that governs assessments held in `year`: the valid one with the latest validFromYear (then
 * the highest version), because a replacing decision overlaps the old one until its own start.
 */
export function criteriaSetForYear(sets: readonly CriteriaSet[], year: number): CriteriaSet | null {
  let best: CriteriaSet | null = null
  for (const set of sets) {
    if (year < set.validFromYear || (set.validToYear !== null && year > set.validToYear)) continue
    if (
      best === null ||
      set.validFromYear > best.validFromYear ||
      (set.validFromYear === best.validFromYear && set.version > best.version)
    ) {
      best = set
    }
  }
  return best
}

/** Whether the set's schedule holds assessments in `year` (any year when the set has no schedule). */
export function isAssessmentYear(set: Pick<CriteriaSet, 'assessmentSchedule'>, year: number): boolean {
  const schedule = set.assessmentSchedule
  if (!schedule) return true
  const offset = year - schedule.cycleStartYear
  const yearOfCycle = (((offset % schedule.cycleYears) + schedule.cycleYears) % schedule.cycleYears) + 1
  return schedule.yearsOfCycle.includes(yearOfCycle)
}

/**
 * The first day of the month in which the set holds its round in `year`, or null when the set has no
 * schedule or `year` is not one of its assessment years.
 */
export function assessmentMonthStart(set: Pick<CriteriaSet, 'assessmentSchedule'>, year: number): string | null {
  const schedule = set.assessmentSchedule
  if (!schedule || !isAssessmentYear(set, year)) return null
  return `${year}-${String(schedule.month).padStart(2, '0')}-01`
}

/** The assessment years of the set between `from` and `to`, for a message that names them. */
export function assessmentYearsBetween(
  set: Pick<CriteriaSet, 'assessmentSchedule'>,
  from: number,
  to: number,
): number[] {
  const years: number[] = []
  for (let year = from; year <= to; year++) if (isAssessmentYear(set, year)) years.push(year)
  return years
}

/** Inconsistencies in a criteria set that would make scores or verdicts meaningless; empty when sound. */
export function criteriaSetProblems(set: CriteriaSet): Problem[] {
  const problems: Problem[] = []
  const criterionCodes = new Set<string>()
  let totalMax = 0
  set.criteria.forEach((criterion, i) => {
    const at = `/criteria/${i}`
    if (criterionCodes.has(criterion.code)) {
      problems.push({
        code: 'duplicate_criterion',
        pointer: `${at}/code`,
        message: `criterion ${criterion.code} appears twice`,
      })
    }
    criterionCodes.add(criterion.code)
    if (!(Number.isFinite(criterion.maxPoints) && criterion.maxPoints > 0)) {
      problems.push({
        code: 'invalid_max',
        pointer: `${at}/maxPoints`,
        message: `criterion ${criterion.code} needs a positive maximum`,
      })
    } else {
      totalMax += criterion.maxPoints
    }
    if (!(criterion.minPointsToMeet >= 0 && criterion.minPointsToMeet <= criterion.maxPoints)) {
      problems.push({
        code: 'invalid_minimum',
        pointer: `${at}/minPointsToMeet`,
        message: `criterion ${criterion.code} needs a minimum between 0 and ${criterion.maxPoints}`,
      })
    }
    const subCodes = new Set<string>()
    let subTotal = 0
    criterion.subItems.forEach((subItem, j) => {
      const subAt = `${at}/subItems/${j}`
      if (!subItem.code.startsWith(`${criterion.code}.`) || subCodes.has(subItem.code)) {
        problems.push({
          code: 'invalid_sub_item_code',
          pointer: `${subAt}/code`,
          message: `sub-item ${subItem.code} must be unique and start with "${criterion.code}."`,
        })
      }
      subCodes.add(subItem.code)
      // A negative sub-item could balance an inflated one and still "cover" the criterion.
      if (!(Number.isFinite(subItem.maxPoints) && subItem.maxPoints > 0)) {
        problems.push({
          code: 'invalid_max',
          pointer: `${subAt}/maxPoints`,
          message: `sub-item ${subItem.code} needs a positive maximum`,
        })
      }
      subTotal += subItem.maxPoints
      const threshold = subItem.threshold
      if (threshold?.unit === 'percent' && !(threshold.value >= 0 && threshold.value <= 100)) {
        problems.push({
          code: 'invalid_threshold',
          pointer: `${subAt}/threshold/value`,
          message: `sub-item ${subItem.code} needs a percentage between 0 and 100`,
        })
      }
    })
    // Sub-item scores must add up to the criterion's score, which only works when they cover it whole.
    if (criterion.subItems.length > 0 && subTotal !== criterion.maxPoints) {
      problems.push({
        code: 'sub_items_do_not_cover_criterion',
        pointer: `${at}/subItems`,
        message: `sub-items of criterion ${criterion.code} total ${subTotal}, not its maximum of ${criterion.maxPoints}`,
      })
    }
  })
  if (set.validToYear !== null && set.validToYear < set.validFromYear) {
    problems.push({
      code: 'invalid_years',
      pointer: '/validToYear',
      message: `the set cannot end (${set.validToYear}) before it starts (${set.validFromYear})`,
    })
  }
  const schedule = set.assessmentSchedule
  if (schedule) {
    schedule.yearsOfCycle.forEach((year, i) => {
      if (!(Number.isInteger(year) && year >= 1 && year <= schedule.cycleYears)) {
        problems.push({
          code: 'invalid_schedule',
          pointer: `/assessmentSchedule/yearsOfCycle/${i}`,
          message: `must be a year of the ${schedule.cycleYears}-year cycle (1 to ${schedule.cycleYears})`,
        })
      }
    })
  }
  for (const category of wardCategories) {
    const required = set.recognition.thresholds[category]
    if (!(required > 0 && required <= totalMax)) {
      problems.push({
        code: 'unreachable_threshold',
        pointer: `/recognition/thresholds/${category}`,
        message: `the ${category} threshold must be positive and at most the ${totalMax} points available`,
      })
    }
  }
  return problems
}
