/**
 * The suggestions shown on an assessment: the ward's figures as of the assessment date, read inside the
 * caller's jurisdiction, and the suggestions the criteria set makes from them, with what each figure counts.
 */
import type { Scope } from '../../platform/scope.js'
import type { Executor } from '../../db/client.js'
import { addDays, startOfLocalDay } from '../calendar/rules.js'
import { loadDeadlineRules } from '../incidents/repository.js'
import { rulesInForce, stepDeadline } from '../incidents/rules.js'
import type { CriteriaSet, Threshold } from './criteria-set-rules.js'
import { priorityCaseStanding, type WardFigures } from './figure-rules.js'
import {
  abuseFigures,
  collaboratorCoverage,
  injuryFigures,
  priorityCases,
  registryFigures,
  type AssessmentRow,
  type FigureWindow,
} from './repository.js'
import type { ScoreSuggestion } from './schemas.js'
import { suggestionsFromFigures } from './suggestion-rules.js'

/** The period figures are taken over: incidents from 1 January of the assessment year to the end of the assessment date. */
function figureWindow(row: Pick<AssessmentRow, 'wardCode' | 'year' | 'assessedOn'>): FigureWindow {
  return {
    ward: row.wardCode,
    from: startOfLocalDay(`${row.year}-01-01`),
    asOf: row.assessedOn,
    asOfEnd: new Date(startOfLocalDay(addDays(row.assessedOn, 1)).getTime() - 1),
  }
}

/** The ward's figures as of the assessment date, read inside the caller's jurisdiction. */
async function wardFigures(tx: Executor, scope: Scope, window: FigureWindow): Promise<WardFigures> {
  const coverage = await collaboratorCoverage(tx, window)
  const registry = await registryFigures(tx, scope, window)
  const abuse = await abuseFigures(tx, scope, window)
  const injury = await injuryFigures(tx, scope, window)
  const cases = await priorityCases(tx, scope, window)
  const deadlines = cases.length > 0 ? await loadDeadlineRules(tx) : null
  let counted = 0
  let timely = 0
  for (const incident of cases) {
    const rules = rulesInForce(deadlines!.stepRules, incident.receivedAt)
    const dueAt = stepDeadline('plan_approval', incident.receivedAt, deadlines!.calendar, rules)
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
function suggestionViews(set: CriteriaSet, figures: WardFigures, window: FigureWindow): Map<string, ScoreSuggestion> {
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
