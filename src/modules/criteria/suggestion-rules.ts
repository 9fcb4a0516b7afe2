/**
 * Data-driven suggestions (pure). They propose sub-item points from the service's own figures; the
 * officer still scores. Each returns the numerator and denominator so the UI can show the figures
 * behind it.
 */
import type { CriteriaSet, SubItem, Threshold } from './criteria-set-rules.js'
import type { WardFigures } from './figure-rules.js'

interface SuggestedSubItem {
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
