/**
 * Ward assessments as scoped work (platform/work.ts): opening one, the district view of a year, and
 * reading one with its scores, verdict, suggestions and the caller's next steps.
 */
import type { Static } from 'typebox'
import type { Executor } from '../../db/client.js'
import { bodyErrors, conflict, notFound, unprocessable, type FieldError } from '../../platform/problem.js'
import { isUnitInScope, type Scope } from '../../platform/scope.js'
import { refuse, type Refusal, type Work } from '../../platform/work.js'
import { localDateOf } from '../calendar/rules.js'
import { unitFilterScope } from '../units/tree.js'
import { actorFor, allowedNextStates } from './actors.js'
import { unitCategoryKinds } from '../../reference/unit-categories.js'
import {
  assessmentYearsBetween,
  criteriaSetForYear,
  isAssessmentYear,
  thresholdClassOf,
  type CriteriaSet,
  type WardCategory,
} from './criteria-set-rules.js'
import {
  assessmentIdFor,
  getAssessmentRow,
  getCriteriaSet,
  getWard,
  insertAssessment,
  listAssessmentRows,
  listCriteriaSetRows,
  planTarget,
  scoreRows,
  wardsValidOn,
  type AssessmentRow,
  type WardRow,
} from './repository.js'
import type {
  Assessment,
  AssessmentOverview,
  CreateAssessmentBody,
  ListAssessmentsQuery,
  ScoreSuggestion,
} from './schemas.js'
import { loadSuggestions } from './suggestions.js'
import { toAssessment, toAssessmentOverview } from './views.js'
import { assessedOnProblems } from './workflow-rules.js'

const targetIndicator = 'WARDS_CHILD_FRIENDLY'

/** The full assessment as the caller sees it: scores, verdict, suggestions from the data, and next steps. */
export async function assessmentView(
  work: Work,
  row: AssessmentRow,
  known: { set?: CriteriaSet; suggestions?: Map<string, ScoreSuggestion> } = {},
): Promise<Assessment> {
  const set = known.set ?? (await getCriteriaSet(work.tx, row.criteriaSetId, row.criteriaSetVersion))
  const scores = await scoreRows(work.tx, [row.id])
  const suggestions = known.suggestions ?? (await loadSuggestions(work.tx, work.scope, row, set))
  const actor = actorFor(work.principal, await work.unitTree(), row.wardCode)
  return toAssessment(row, set, scores, suggestions, allowedNextStates(work.principal, actor, row.state))
}

/** The Decision 06 threshold class of the ward's category (the category in force on the date it was read on). */
function thresholdClass(ward: Pick<WardRow, 'category'>): WardCategory | null {
  return thresholdClassOf(ward.category, unitCategoryKinds())
}

/**
 * Problems with the ward an assessment is opened for: a ward in the caller's units, valid then, with a
 * category in force then that a threshold applies to.
 */
function wardProblems(scope: Scope, ward: WardRow | undefined, assessedOn: string): FieldError[] {
  const problem = (message: string, code: string): FieldError => ({
    location: 'body',
    pointer: '/wardCode',
    message,
    code,
  })
  if (!ward || ward.level !== 'ward') return [problem('is not a ward', 'invalid_ward')]
  if (!isUnitInScope(scope, ward.code, null)) return [problem('is outside your units', 'unit_out_of_scope')]
  const problems: FieldError[] = []
  if (ward.validFrom > assessedOn || (ward.validTo !== null && ward.validTo < assessedOn))
    problems.push(problem(`is not a ward on ${assessedOn}`, 'ward_not_valid'))
  if (thresholdClass(ward) === null)
    problems.push(
      problem(`has no category on ${assessedOn}, which decides the total required`, 'ward_without_category'),
    )
  return problems
}

/**
 * Whether the year is one the set assesses in, as the kind of assessment asks: a regular assessment only
 * in the set's assessment years, an extraordinary one (with its reason) only outside them.
 */
function scheduleProblems(set: CriteriaSet, year: number, extraordinaryReason: string | undefined): FieldError[] {
  const regular = isAssessmentYear(set, year)
  if (extraordinaryReason === undefined && !regular) {
    const years = assessmentYearsBetween(set, year - 5, year + 5).join(', ')
    return [
      {
        location: 'body',
        pointer: '/year',
        message: `${set.legalBasis} assesses wards in ${years}; another year is an extraordinary assessment an administrator opens`,
        code: 'not_an_assessment_year',
      },
    ]
  }
  if (extraordinaryReason !== undefined && regular)
    return [
      {
        location: 'body',
        pointer: '/year',
        message: `${year} is an assessment year: open a regular assessment`,
        code: 'not_extraordinary',
      },
    ]
  if (extraordinaryReason !== undefined && extraordinaryReason.trim() === '')
    return [{ location: 'body', pointer: '/reason', message: 'must not be blank', code: 'required' }]
  return []
}

/**
 * Opens a ward's self-assessment for a year, under the criteria set that governs the year and the
 * threshold of the ward's category in force on the assessment's date, recognised by the unit configured
 * for that date. One per ward and year: a second answers 409 with `existingId`. A regular assessment is
 * held in the set's assessment years; `extraordinaryReason` opens one outside them.
 */
export async function openAssessment(
  work: Work,
  body: Static<typeof CreateAssessmentBody>,
  extraordinaryReason?: string,
): Promise<Assessment> {
  const { wardCode, year } = body
  const today = localDateOf(work.now)
  const assessedOn = body.assessedOn ?? today
  const ward = await getWard(work.tx, wardCode, assessedOn)
  const set = criteriaSetForYear(
    (await listCriteriaSetRows(work.tx)).map((r) => r.definition),
    year,
  )
  const problems: FieldError[] = [
    ...bodyErrors(assessedOnProblems(year, assessedOn, today)),
    ...wardProblems(work.scope, ward, assessedOn),
  ]
  if (set === null)
    problems.push({
      location: 'body',
      pointer: '/year',
      message: 'no criteria set governs this year',
      code: 'no_criteria_set',
    })
  else problems.push(...scheduleProblems(set, year, extraordinaryReason))
  const category = ward ? thresholdClass(ward) : null
  if (problems.length > 0 || !ward || category === null || set === null)
    throw unprocessable('invalid_assessment', 'The assessment cannot be opened.', problems)
  const existingId = await assessmentIdFor(work.tx, ward.code, year)
  if (existingId)
    throw conflict('assessment_exists', `Ward ${wardCode} already has an assessment for ${year}.`, { existingId })
  const row = await insertAssessment(work.tx, {
    provinceCode: ward.provinceCode,
    wardCode: ward.code,
    residentialGroupCode: null,
    year,
    criteriaSetId: set.id,
    criteriaSetVersion: set.version,
    category,
    recognisingUnitCode: ward.recognisingUnitCode,
    extraordinaryReason: extraordinaryReason?.trim() ?? null,
    assessedOn,
    createdAt: work.now,
    updatedAt: work.now,
    createdBy: work.principal.id,
  })
  await work.audit({
    action: 'assessment.create',
    resourceType: 'assessment',
    resourceId: row.id,
    unitCode: row.wardCode,
    outcome: 'success',
    details: { year, criteriaSet: `${set.id}@${set.version}`, extraordinary: extraordinaryReason !== undefined },
  })
  return assessmentView(work, row, { set })
}

/** The criteria sets the rows were scored with, each read once. */
async function criteriaSetsOf(tx: Executor, rows: readonly AssessmentRow[]) {
  const key = (row: AssessmentRow) => `${row.criteriaSetId}@${row.criteriaSetVersion}`
  const sets = new Map<string, CriteriaSet>()
  for (const row of rows) {
    if (!sets.has(key(row))) sets.set(key(row), await getCriteriaSet(tx, row.criteriaSetId, row.criteriaSetVersion))
  }
  return (row: AssessmentRow) => sets.get(key(row))!
}

/**
 * The district view of a year: one item per ward in the caller's units (below `unit` when given) valid
 * at the end of the year or assessed that year, and the wards recognised against the plan target.
 */
export async function assessmentOverview(
  work: Work,
  query: Static<typeof ListAssessmentsQuery>,
): Promise<AssessmentOverview> {
  const { year, unit } = query
  const unitScope = unitFilterScope(await work.unitTree(), unit)
  const rows = await listAssessmentRows(work.tx, work.scope, { year, unitScope })
  const scores = await scoreRows(
    work.tx,
    rows.map((r) => r.id),
  )
  const setOf = await criteriaSetsOf(work.tx, rows)
  const assessedWards = [...new Set(rows.map((row) => row.wardCode))]
  const wards = (await wardsValidOn(work.tx, `${year}-12-31`, assessedWards))
    .filter(
      (ward) => isUnitInScope(work.scope, ward.code, null) && (!unitScope || isUnitInScope(unitScope, ward.code, null)),
    )
    .map((ward) => ({ ...ward, category: thresholdClass(ward) }))
  const target = await planTarget(work.tx, year, targetIndicator)
  await work.audit({
    action: 'assessment.list',
    resourceType: 'assessment',
    outcome: 'success',
    details: { year, unit: unit ?? null, count: rows.length },
  })
  return toAssessmentOverview({ year, unit, wards, rows, scores, setOf, target })
}

/** One assessment; every read is audited, a missing one too (then 404). */
export async function readAssessment(work: Work, id: string): Promise<Assessment | Refusal> {
  const row = await getAssessmentRow(work.tx, work.scope, id)
  await work.audit({
    action: 'assessment.read',
    resourceType: 'assessment',
    resourceId: id,
    unitCode: row?.wardCode ?? null,
    outcome: row ? 'success' : 'not_found',
  })
  if (!row) return refuse(notFound('Assessment', id))
  return assessmentView(work, row)
}
