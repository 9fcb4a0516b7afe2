/**
 * Child-friendly ward scoring under Decision 06/2019/QĐ-TTg. Pure: the criteria set, its points and
 * its thresholds are data (src/reference/criteria-decision-06.json), because several figures are not
 * confirmed and an administrator must be able to correct them without a release.
 */
import type { IncidentKind } from '../incidents/rules.js'

export const wardCategories = ['urban_ward_central_city', 'other', 'disadvantaged'] as const
export type WardCategory = (typeof wardCategories)[number]

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

export interface Criterion {
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
export interface CriterionMetRule {
  kind: 'min_points'
  confirmed: boolean
}

export interface RecognitionRules {
  thresholds: Record<WardCategory, number>
  everyCriterionMet: boolean
  noCriterionZero: boolean
  /** Absent in older data: the per-criterion minimum (unconfirmed) then applies. */
  criterionMetRule?: CriterionMetRule
}

export interface CriteriaSet {
  id: string
  version: number
  legalBasis: string
  validFromYear: number
  validToYear: number | null
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

export type CriterionStatus = 'met' | 'not_met' | 'zero' | 'missing'

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

/* ------------------------------------------------------------------------------------------------
 * Data-driven suggestions. They propose sub-item points from the service's own figures; the officer
 * still scores. Each returns the numerator and denominator so the UI can show the figures behind it.
 * ---------------------------------------------------------------------------------------------- */

export interface SuggestedSubItem {
  code: string
  /** null: the rule is unconfirmed and not met, so no points are proposed and the officer scores by hand. */
  points: number | null
  numerator: number
  denominator: number
  met: boolean
  /** Whether the sub-item's points and threshold are confirmed against the Decision. */
  confirmed: boolean
}

export interface Suggestion {
  criterionCode: string
  subItems: SuggestedSubItem[]
  /** Sum of the suggested sub-items, or null when any of them has no proposal. */
  points: number | null
  /** True when the suggested sub-items cover only part of the criterion's points. */
  partial: boolean
}

interface SuggestionRule {
  criterionMax: number
  subItem: SubItem & { threshold: Threshold }
}

// Mirrors the seed criteria set, so a suggestion works before reference data is loaded; a test keeps
// the two equal. A loaded set, when given, wins: an administrator's correction must reach suggestions.
const builtInRules: Record<string, SuggestionRule> = {
  '1.2': {
    criterionMax: 100,
    subItem: {
      code: '1.2',
      nameVi: 'Có cộng tác viên bảo vệ trẻ em ở tất cả các tổ dân phố',
      nameEn: 'A child-protection collaborator in every residential group',
      maxPoints: 15,
      threshold: {
        measure: 'units.residential_groups_with_collaborator_share',
        comparator: '=',
        value: 100,
        unit: 'percent',
      },
      confirmed: true,
    },
  },
  '2.1': {
    criterionMax: 75,
    subItem: {
      code: '2.1',
      nameVi: 'Trẻ em được đăng ký khai sinh đúng quy định',
      nameEn: 'Births registered as prescribed',
      maxPoints: 75,
      threshold: { measure: 'registry.births_registered_share', comparator: '>=', value: 98, unit: 'percent' },
      confirmed: false,
    },
  },
  '3.1': {
    criterionMax: 75,
    subItem: {
      code: '3.1',
      nameVi: 'Không có trẻ em bị xâm hại',
      nameEn: 'No child abused',
      maxPoints: 75,
      threshold: { measure: 'incidents.abused_children_count', comparator: '=', value: 0, unit: 'count' },
      confirmed: false,
    },
  },
  '5.1': {
    criterionMax: 75,
    subItem: {
      code: '5.1',
      nameVi: 'Không có trẻ em tử vong do tai nạn, thương tích',
      nameEn: 'No child died of an accident or injury',
      maxPoints: 75,
      threshold: { measure: 'incidents.injury_deaths_count', comparator: '=', value: 0, unit: 'count' },
      confirmed: false,
    },
  },
  '6.1': {
    criterionMax: 125,
    subItem: {
      code: '6.1',
      nameVi: 'Tỷ lệ trẻ em có hoàn cảnh đặc biệt được trợ giúp từ 95% trở lên',
      nameEn: 'At least 95% of special-circumstance children supported',
      maxPoints: 50,
      threshold: {
        measure: 'registry.special_circumstance_supported_share',
        comparator: '>=',
        value: 95,
        unit: 'percent',
      },
      confirmed: true,
    },
  },
  '6.2': {
    criterionMax: 125,
    subItem: {
      code: '6.2',
      nameVi:
        '100% vụ việc trẻ em bị xâm hại tình dục, bị bỏ rơi, bị mua bán được Chủ tịch UBND cấp xã phê duyệt kế hoạch hỗ trợ, can thiệp kịp thời',
      nameEn:
        'Every sexual-abuse, abandonment and trafficking case has a support plan approved in time by the ward chair',
      maxPoints: 75,
      threshold: {
        measure: 'incidents.priority_cases_timely_plan_share',
        comparator: '=',
        value: 100,
        unit: 'percent',
      },
      confirmed: true,
    },
  },
}

function ruleFor(subItemCode: string, set: CriteriaSet | undefined): SuggestionRule {
  if (set === undefined) {
    const rule = builtInRules[subItemCode]
    if (rule === undefined) throw new RangeError(`no built-in rule for sub-item ${subItemCode}`)
    return rule
  }
  for (const criterion of set.criteria) {
    const subItem = criterion.subItems.find((s) => s.code === subItemCode)
    if (subItem === undefined) continue
    const threshold = subItem.threshold
    if (threshold === undefined) throw new RangeError(`sub-item ${subItemCode} of set ${set.id} has no threshold`)
    return { criterionMax: criterion.maxPoints, subItem: { ...subItem, threshold } }
  }
  throw new RangeError(`criteria set ${set.id} has no sub-item ${subItemCode}`)
}

function compare(left: number, comparator: Threshold['comparator'], right: number): boolean {
  switch (comparator) {
    case '>=':
      return left >= right
    case '<=':
      return left <= right
    case '=':
      return left === right
  }
}

/**
 * Whether figures reach a threshold. Percentages are compared by cross-multiplication, not on a
 * rounded percentage, so 1,899 of 1,999 (94.997%, shown as 95.00%) never passes a 95% bar by
 * rounding. With nothing to count (denominator 0) a percentage threshold is reached unless
 * `whenEmpty` says otherwise.
 */
export function meetsThreshold(
  threshold: Threshold,
  numerator: number,
  denominator: number,
  whenEmpty: 'met' | 'not_met' = 'met',
): boolean {
  if (threshold.unit === 'count') return compare(numerator, threshold.comparator, threshold.value)
  if (denominator === 0) return whenEmpty === 'met'
  return compare(numerator * 100, threshold.comparator, threshold.value * denominator)
}

function checkFigures(figures: Record<string, number>): void {
  for (const [name, value] of Object.entries(figures)) {
    if (!Number.isInteger(value) || value < 0)
      throw new RangeError(`${name} must be a non-negative whole number (got ${value})`)
  }
}

function checkPart(part: string, partValue: number, whole: string, wholeValue: number): void {
  if (partValue > wholeValue) throw new RangeError(`${part} (${partValue}) cannot exceed ${whole} (${wholeValue})`)
}

function suggestSubItem(
  rule: SuggestionRule,
  numerator: number,
  denominator: number,
  whenEmpty: 'met' | 'not_met' = 'met',
): SuggestedSubItem {
  const { subItem } = rule
  const met = meetsThreshold(subItem.threshold, numerator, denominator, whenEmpty)
  // An unconfirmed rule must not push a criterion towards 0, which alone bars recognition.
  const points = met ? subItem.maxPoints : subItem.confirmed ? 0 : null
  return { code: subItem.code, points, numerator, denominator, met, confirmed: subItem.confirmed }
}

function build(criterionCode: string, parts: { rule: SuggestionRule; item: SuggestedSubItem }[]): Suggestion {
  const criterionMax = parts[0]?.rule.criterionMax ?? 0
  const covered = parts.reduce((sum, part) => sum + part.rule.subItem.maxPoints, 0)
  let points: number | null = 0
  for (const { item } of parts) points = points === null || item.points === null ? null : points + item.points
  return { criterionCode, subItems: parts.map((p) => p.item), points, partial: covered < criterionMax }
}

/**
 * Criterion 1.2: a collaborator in every residential group. A ward with no residential group on record
 * is not met: that is missing unit data, not full coverage.
 */
export function suggestCollaboratorCoverage(
  figures: { residentialGroups: number; groupsWithCollaborator: number },
  set?: CriteriaSet,
): Suggestion {
  checkFigures(figures)
  checkPart('groupsWithCollaborator', figures.groupsWithCollaborator, 'residentialGroups', figures.residentialGroups)
  const rule = ruleFor('1.2', set)
  return build('1', [
    { rule, item: suggestSubItem(rule, figures.groupsWithCollaborator, figures.residentialGroups, 'not_met') },
  ])
}

/** Criterion 2 (unconfirmed): share of births registered as prescribed; full points only at ≥ 98%. */
export function suggestBirthRegistration(
  figures: { births: number; registeredBirths: number },
  set?: CriteriaSet,
): Suggestion {
  checkFigures(figures)
  checkPart('registeredBirths', figures.registeredBirths, 'births', figures.births)
  const rule = ruleFor('2.1', set)
  return build('2', [{ rule, item: suggestSubItem(rule, figures.registeredBirths, figures.births) }])
}

/** Criterion 3 (unconfirmed): abused children out of all children; points only proposed when none. */
export function suggestAbusedChildren(
  figures: { children: number; abusedChildren: number },
  set?: CriteriaSet,
): Suggestion {
  checkFigures(figures)
  checkPart('abusedChildren', figures.abusedChildren, 'children', figures.children)
  const rule = ruleFor('3.1', set)
  return build('3', [{ rule, item: suggestSubItem(rule, figures.abusedChildren, figures.children) }])
}

/** Criterion 5 (unconfirmed points): injury deaths out of injury cases; met when no child died. */
export function suggestInjuryDeaths(
  figures: { injuryCases: number; injuryDeaths: number },
  set?: CriteriaSet,
): Suggestion {
  checkFigures(figures)
  checkPart('injuryDeaths', figures.injuryDeaths, 'injuryCases', figures.injuryCases)
  const rule = ruleFor('5.1', set)
  return build('5', [{ rule, item: suggestSubItem(rule, figures.injuryDeaths, figures.injuryCases) }])
}

/**
 * Criterion 6: 6.1 (50) when at least 95% of special-circumstance children were supported; 6.2 (75)
 * when every sexual-abuse, abandonment and trafficking case had its plan approved in time. With no
 * such children or cases the sub-item is met: there was nobody left unsupported.
 */
export function suggestCriterion6(
  figures: {
    specialCircumstanceChildren: number
    supported: number
    priorityCases: number
    priorityCasesWithTimelyApprovedPlan: number
  },
  set?: CriteriaSet,
): Suggestion {
  checkFigures(figures)
  checkPart('supported', figures.supported, 'specialCircumstanceChildren', figures.specialCircumstanceChildren)
  checkPart(
    'priorityCasesWithTimelyApprovedPlan',
    figures.priorityCasesWithTimelyApprovedPlan,
    'priorityCases',
    figures.priorityCases,
  )
  const supported = ruleFor('6.1', set)
  const timely = ruleFor('6.2', set)
  return build('6', [
    { rule: supported, item: suggestSubItem(supported, figures.supported, figures.specialCircumstanceChildren) },
    { rule: timely, item: suggestSubItem(timely, figures.priorityCasesWithTimelyApprovedPlan, figures.priorityCases) },
  ])
}

/* ------------------------------------------------------------------------------------------------
 * Assessment workflow: ward self-assessment → dossier to the district → appraisal → decision.
 * ---------------------------------------------------------------------------------------------- */

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

/* ------------------------------------------------------------------------------------------------
 * Figures from the registry and incidents, and who may change an assessment when.
 * ---------------------------------------------------------------------------------------------- */

/**
 * Incident kinds that are child abuse (xâm hại trẻ em, Child Law 2016 Art. 4(8): violence,
 * exploitation, sexual abuse, trafficking, abandonment and neglect); criterion 3 counts their children.
 * Child labour against the law is exploitation.
 */
export const abuseIncidentKinds: readonly IncidentKind[] = [
  'sexual_abuse',
  'violence',
  'exploitation',
  'child_labour',
  'trafficking',
  'abandonment',
  'neglect',
]

/** Criterion 6.2: the cases whose support plan the ward chair must approve in time. */
export const priorityIncidentKinds: readonly IncidentKind[] = ['sexual_abuse', 'abandonment', 'trafficking']

export type PriorityCaseStanding = 'timely' | 'late' | 'pending' | 'not_applicable'

/**
 * Where one priority case stands for criterion 6.2 at `asOf` (the end of the assessment date); steps
 * recorded later are ignored. A case closed without a plan before approval fell due was not one that
 * needed a plan (not a child-protection case, or transferred); a case still within its time counts
 * neither way, so a ward is not marked down for a case it may yet handle in time.
 */
export function priorityCaseStanding(
  steps: { approvedAt: Date | null; closedAt: Date | null },
  approvalDueAt: Date,
  asOf: Date,
): PriorityCaseStanding {
  const recorded = (at: Date | null) => (at !== null && at.getTime() <= asOf.getTime() ? at : null)
  const approvedAt = recorded(steps.approvedAt)
  if (approvedAt !== null) return approvedAt.getTime() <= approvalDueAt.getTime() ? 'timely' : 'late'
  const closedAt = recorded(steps.closedAt)
  if (closedAt !== null && closedAt.getTime() <= approvalDueAt.getTime()) return 'not_applicable'
  return asOf.getTime() > approvalDueAt.getTime() ? 'late' : 'pending'
}

/** A ward's figures as of an assessment date, each a whole count (see the repository for their queries). */
export interface WardFigures {
  residentialGroups: number
  groupsWithCollaborator: number
  /** Children living in the ward on the date. */
  children: number
  registeredBirths: number
  /** Children of the ward on the date together with abused children no longer counted there (moved, aged out, unregistered). */
  childrenOrVictims: number
  abusedChildren: number
  injuryCases: number
  injuryDeaths: number
  specialCircumstanceChildren: number
  supported: number
  priorityCases: number
  priorityCasesWithTimelyApprovedPlan: number
}

function modelsSubItems(set: CriteriaSet, codes: string[]): boolean {
  return codes.every((code) =>
    set.criteria.some((criterion) => criterion.subItems.some((s) => s.code === code && s.threshold !== undefined)),
  )
}

/**
 * Every suggestion `set` can make from a ward's figures. A set that does not model a sub-item (with its
 * threshold) gets no suggestion for that criterion, so a corrected set can drop one without breaking scoring.
 */
export function suggestionsFromFigures(set: CriteriaSet, figures: WardFigures): Suggestion[] {
  const suggestions: Suggestion[] = []
  if (modelsSubItems(set, ['1.2'])) {
    suggestions.push(
      suggestCollaboratorCoverage(
        { residentialGroups: figures.residentialGroups, groupsWithCollaborator: figures.groupsWithCollaborator },
        set,
      ),
    )
  }
  if (modelsSubItems(set, ['2.1'])) {
    suggestions.push(
      suggestBirthRegistration({ births: figures.children, registeredBirths: figures.registeredBirths }, set),
    )
  }
  if (modelsSubItems(set, ['3.1'])) {
    suggestions.push(
      suggestAbusedChildren({ children: figures.childrenOrVictims, abusedChildren: figures.abusedChildren }, set),
    )
  }
  if (modelsSubItems(set, ['5.1'])) {
    suggestions.push(suggestInjuryDeaths({ injuryCases: figures.injuryCases, injuryDeaths: figures.injuryDeaths }, set))
  }
  if (modelsSubItems(set, ['6.1', '6.2'])) {
    suggestions.push(
      suggestCriterion6(
        {
          specialCircumstanceChildren: figures.specialCircumstanceChildren,
          supported: figures.supported,
          priorityCases: figures.priorityCases,
          priorityCasesWithTimelyApprovedPlan: figures.priorityCasesWithTimelyApprovedPlan,
        },
        set,
      ),
    )
  }
  return suggestions
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
    if (side === 'ward' && suggestion !== null && suggestion.points !== null && !input.overrideReason?.trim()) {
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

/** Problems with the date an assessment is held on: within its year and not ahead of today. */
export function assessedOnProblems(year: number, assessedOn: string, today: string): Problem[] {
  const problems: Problem[] = []
  if (Number(assessedOn.slice(0, 4)) !== year) {
    problems.push({ code: 'outside_year', pointer: '/assessedOn', message: `must fall in ${year}, the year assessed` })
  }
  if (assessedOn > today) problems.push({ code: 'date_in_future', pointer: '/assessedOn', message: 'is in the future' })
  return problems
}

/** Problems with a recognition decision: its date, and recognising a ward the verdict does not support. */
export function decisionProblems(
  decision: { recognised: boolean; decisionDate: string },
  assessment: { assessedOn: string; verdict: Verdict },
  today: string,
): Problem[] {
  const problems: Problem[] = []
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
