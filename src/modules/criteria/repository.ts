import { and, asc, desc, eq, inArray, or, sql, type Column, type SQL } from 'drizzle-orm'
import { queryRows, type Executor } from '../../db/client.js'
import { canonicalJson } from '../../platform/canonical-json.js'
import { scopeCondition, type Scope } from '../../platform/scope.js'
import type { CriteriaSetsData } from '../../reference/index.js'
import { careRecords, children, childCircumstances } from '../children/tables.js'
import { injuryKinds } from '../incidents/rules.js'
import { incidentChildren, incidents, incidentSteps } from '../incidents/tables.js'
import { planTargets } from '../indicators/tables.js'
import { categoryOn, recognisingUnitOn } from '../units/repository.js'
import { units } from '../units/tables.js'
import { users } from '../users/tables.js'
import type { CriteriaSet } from './criteria-set-rules.js'
import { abuseKinds } from '../incidents/rules.js'
import { priorityIncidentKinds } from './figure-rules.js'
import { assessments, assessmentScores, criteriaSets } from './tables.js'

export type CriteriaSetRow = typeof criteriaSets.$inferSelect
export type AssessmentRow = typeof assessments.$inferSelect
export type ScoreRow = typeof assessmentScores.$inferSelect
export type PlanTargetRow = typeof planTargets.$inferSelect

/* ---------------------------------------------------------------- criteria sets (reference data) */

export async function listCriteriaSetRows(db: Executor): Promise<CriteriaSetRow[]> {
  return db.select().from(criteriaSets).orderBy(asc(criteriaSets.id), asc(criteriaSets.version))
}

/** One version of a set, or its latest when `version` is omitted, with the latest version number. */
export async function getCriteriaSetRow(
  db: Executor,
  id: string,
  version?: number,
): Promise<{ row: CriteriaSetRow; latestVersion: number } | undefined> {
  const rows = await db.select().from(criteriaSets).where(eq(criteriaSets.id, id)).orderBy(desc(criteriaSets.version))
  const latest = rows[0]
  if (latest === undefined) return undefined
  const row = version === undefined ? latest : rows.find((r) => r.version === version)
  return row === undefined ? undefined : { row, latestVersion: latest.version }
}

export async function getCriteriaSet(db: Executor, id: string, version: number): Promise<CriteriaSet> {
  const [row] = await db
    .select({ definition: criteriaSets.definition })
    .from(criteriaSets)
    .where(and(eq(criteriaSets.id, id), eq(criteriaSets.version, version)))
  // Assessments refer to published versions, which are never deleted.
  if (row === undefined) throw new Error(`criteria set ${id} version ${version} is missing`)
  return row.definition
}

export async function latestVersionOf(db: Executor, id: string): Promise<number> {
  const [row] = await db
    .select({ version: sql<number>`coalesce(max(${criteriaSets.version}), 0)::int` })
    .from(criteriaSets)
    .where(eq(criteriaSets.id, id))
  return row?.version ?? 0
}

export async function insertCriteriaSet(
  tx: Executor,
  values: typeof criteriaSets.$inferInsert,
): Promise<CriteriaSetRow> {
  const [row] = await tx.insert(criteriaSets).values(values).returning()
  return row!
}

/**
 * Publishes the reference sets whose content is not in the database yet. A published version is never
 * overwritten: a set whose version number is taken (an administrator published it first, or the file was
 * edited in place) is published as the next version, so its correction still arrives and old assessments
 * keep theirs.
 */
export async function applyCriteriaSetsReference(tx: Executor, data: CriteriaSetsData): Promise<void> {
  const contentOf = ({ version: _version, ...content }: { version: number }) => canonicalJson(content)
  for (const set of data.sets) {
    const stored = await tx
      .select({ version: criteriaSets.version, definition: criteriaSets.definition })
      .from(criteriaSets)
      .where(eq(criteriaSets.id, set.id))
    if (stored.some((row) => contentOf(row.definition) === contentOf(set))) continue
    const version = stored.some((row) => row.version === set.version)
      ? Math.max(...stored.map((row) => row.version)) + 1
      : set.version
    await tx.insert(criteriaSets).values({
      id: set.id,
      version,
      definition: { ...set, version },
      publishedAt: sql`now()`,
      publishedBy: null,
      note: `reference data ${data.version}`,
    })
  }
}

/* ---------------------------------------------------------------- assessments */

/** Assessments are aggregates without row-level security: this predicate is their only wall. */
function assessmentInScope(scope: Scope): SQL {
  return scopeCondition(scope, { ward: assessments.wardCode, group: assessments.residentialGroupCode })
}

export async function getAssessmentRow(db: Executor, scope: Scope, id: string): Promise<AssessmentRow | undefined> {
  const [row] = await db
    .select()
    .from(assessments)
    .where(and(eq(assessments.id, id), assessmentInScope(scope)))
  return row
}

export async function assessmentIdFor(db: Executor, wardCode: string, year: number): Promise<string | undefined> {
  const [row] = await db
    .select({ id: assessments.id })
    .from(assessments)
    .where(and(eq(assessments.wardCode, wardCode), eq(assessments.year, year)))
  return row?.id
}

export async function insertAssessment(tx: Executor, values: typeof assessments.$inferInsert): Promise<AssessmentRow> {
  const [row] = await tx.insert(assessments).values(values).returning()
  return row!
}

/** Applies a change when the stored version is `expectedVersion`; undefined when it is not (or out of scope). */
export async function updateAssessment(
  tx: Executor,
  scope: Scope,
  id: string,
  expectedVersion: number,
  changes: Partial<typeof assessments.$inferInsert>,
): Promise<AssessmentRow | undefined> {
  const [row] = await tx
    .update(assessments)
    .set({ ...changes, version: sql`${assessments.version} + 1` })
    .where(and(eq(assessments.id, id), eq(assessments.version, expectedVersion), assessmentInScope(scope)))
    .returning()
  return row
}

export async function listAssessmentRows(
  db: Executor,
  scope: Scope,
  filter: { year: number; unitScope?: Scope },
): Promise<AssessmentRow[]> {
  const conditions = [eq(assessments.year, filter.year), assessmentInScope(scope)]
  if (filter.unitScope)
    conditions.push(
      scopeCondition(filter.unitScope, { ward: assessments.wardCode, group: assessments.residentialGroupCode }),
    )
  return db
    .select()
    .from(assessments)
    .where(and(...conditions))
    .orderBy(asc(assessments.wardCode))
}

export async function scoreRows(db: Executor, assessmentIds: string[]): Promise<ScoreRow[]> {
  if (assessmentIds.length === 0) return []
  return db
    .select()
    .from(assessmentScores)
    .where(inArray(assessmentScores.assessmentId, assessmentIds))
    .orderBy(asc(assessmentScores.assessmentId), asc(assessmentScores.criterionCode))
}

export async function getScoreRow(
  db: Executor,
  assessmentId: string,
  criterionCode: string,
): Promise<ScoreRow | undefined> {
  const [row] = await db
    .select()
    .from(assessmentScores)
    .where(and(eq(assessmentScores.assessmentId, assessmentId), eq(assessmentScores.criterionCode, criterionCode)))
  return row
}

export async function saveScore(tx: Executor, values: typeof assessmentScores.$inferInsert): Promise<void> {
  const { assessmentId: _assessmentId, criterionCode: _criterionCode, ...changes } = values
  await tx
    .insert(assessmentScores)
    .values(values)
    .onConflictDoUpdate({
      target: [assessmentScores.assessmentId, assessmentScores.criterionCode],
      set: { ...changes, version: sql`${assessmentScores.version} + 1` },
    })
}

/* ---------------------------------------------------------------- units and targets */

/** A ward with its category and recognising unit in force on a date (unit_categories). */
export type WardRow = Pick<
  typeof units.$inferSelect,
  'code' | 'nameVi' | 'level' | 'provinceCode' | 'category' | 'validFrom' | 'validTo'
> & { recognisingUnitCode: string | null }

const wardColumns = (on: string) => ({
  code: units.code,
  nameVi: units.nameVi,
  level: units.level,
  provinceCode: units.provinceCode,
  category: categoryOn(on),
  recognisingUnitCode: recognisingUnitOn(on),
  validFrom: units.validFrom,
  validTo: units.validTo,
})

/** A unit, with the category and recognising unit in force on `on`. */
export async function getWard(db: Executor, code: string, on: string): Promise<WardRow | undefined> {
  const [row] = await db.select(wardColumns(on)).from(units).where(eq(units.code, code))
  return row
}

/** Wards valid on `date`, or named in `alsoCodes` (wards assessed in a year they did not finish). */
export async function wardsValidOn(db: Executor, date: string, alsoCodes: string[]): Promise<WardRow[]> {
  const validOn = sql`${units.validFrom} <= ${date} and (${units.validTo} is null or ${units.validTo} >= ${date})`
  return db
    .select(wardColumns(date))
    .from(units)
    .where(and(eq(units.level, 'ward'), alsoCodes.length > 0 ? or(validOn, inArray(units.code, alsoCodes)) : validOn))
    .orderBy(asc(units.code))
}

export async function planTarget(
  db: Executor,
  year: number,
  indicatorCode: string,
): Promise<PlanTargetRow | undefined> {
  const [row] = await db
    .select()
    .from(planTargets)
    .where(and(eq(planTargets.planYear, year), eq(planTargets.indicatorCode, indicatorCode)))
  return row
}

/* ---------------------------------------------------------------- figures behind the suggestions */

export interface FigureWindow {
  ward: string
  /** First day counted for incidents (1 January of the assessment year). */
  from: Date
  /** The assessment date. */
  asOf: string
  /** The end of the assessment date (23:59:59 local). */
  asOfEnd: Date
}

function childrenOfWardOn(scope: Scope, window: FigureWindow): SQL {
  return sql`${scopeCondition(scope, { ward: children.wardCode, group: children.residentialGroupCode })}
    and ${children.wardCode} = ${window.ward}
    and ${children.deletedAt} is null
    and ${children.effectiveBirthDate} <= ${window.asOf}::date
    and ${children.effectiveBirthDate} > (${window.asOf}::date - make_interval(years => 16))::date
    and (${children.status} = 'active' or ${children.statusDate} > ${window.asOf}::date)`
}

/**
 * Residential groups of the ward valid on the date, and those with an active collaborator account
 * assigned to them. Accounts carry no history, so the current assignment is what counts. Unconfirmed
 * groups (the synthetic reference list that stands in until the published one is loaded) are not
 * counted: a ward's assessment does not rest on them.
 */
export async function collaboratorCoverage(db: Executor, window: FigureWindow) {
  const [row] = await queryRows<{ residentialGroups: number; groupsWithCollaborator: number }>(
    db,
    sql`select count(*)::int as "residentialGroups",
          (count(*) filter (where exists (
            select 1 from ${users}
            where ${users.role} = 'collaborator' and ${users.active} and ${units.code} = any(${users.units})
          )))::int as "groupsWithCollaborator"
        from ${units}
        where ${units.level} = 'residential_group' and ${units.parentCode} = ${window.ward} and ${units.confirmed}
          and ${units.validFrom} <= ${window.asOf}::date and (${units.validTo} is null or ${units.validTo} >= ${window.asOf}::date)`,
  )
  return row!
}

/**
 * Children living in the ward on the date (under 16, present then), those with their birth registered,
 * those in a special-circumstance group on the date, and of these the ones with support in effect then.
 * One pass over the ward's children, joined to the (far fewer) memberships and support records in
 * effect: a correlated lookup per child doubled the time on a 90,000-child ward.
 */
export async function registryFigures(db: Executor, scope: Scope, window: FigureWindow) {
  const inEffect = (startDate: Column, endDate: Column) =>
    sql`${startDate} <= ${window.asOf}::date and (${endDate} is null or ${endDate} >= ${window.asOf}::date)`
  const [row] = await queryRows<{
    children: number
    registeredBirths: number
    specialCircumstanceChildren: number
    supported: number
  }>(
    db,
    sql`with residents as (
          select ${children.id} as id, ${children.birthRegistered} as registered from ${children} where ${childrenOfWardOn(scope, window)}
        ),
        in_group as (
          select distinct ${childCircumstances.childId} as id from ${childCircumstances}
          where ${childCircumstances.kind} = 'group' and ${inEffect(childCircumstances.startDate, childCircumstances.endDate)}
            and ${scopeCondition(scope, { ward: childCircumstances.wardCode, group: childCircumstances.residentialGroupCode })}
        ),
        supported as (
          select distinct ${careRecords.childId} as id from ${careRecords}
          where ${inEffect(careRecords.startDate, careRecords.endDate)}
            and ${scopeCondition(scope, { ward: careRecords.wardCode, group: careRecords.residentialGroupCode })}
        )
        select count(*)::int as "children",
          (count(*) filter (where residents.registered is true))::int as "registeredBirths",
          count(in_group.id)::int as "specialCircumstanceChildren",
          (count(supported.id) filter (where in_group.id is not null))::int as "supported"
        from residents
          left join in_group on in_group.id = residents.id
          left join supported on supported.id = residents.id`,
  )
  return row!
}

function incidentsOfWard(scope: Scope, window: FigureWindow, kinds: readonly string[], at: Column): SQL {
  return sql`${scopeCondition(scope, { ward: incidents.wardCode, group: incidents.residentialGroupCode })}
    and ${incidents.wardCode} = ${window.ward}
    and ${incidents.kind} in ${[...kinds]}
    and ${at} >= ${window.from.toISOString()}::timestamptz and ${at} <= ${window.asOfEnd.toISOString()}::timestamptz`
}

/**
 * Children involved in abuse incidents that occurred from 1 January to the date (a registered child
 * once, however many incidents; each unregistered child apart), and how many of them are not among the
 * ward's children on the date (unregistered, moved away, aged out): added to those children, they make
 * the whole the count is a share of.
 */
export async function abuseFigures(db: Executor, scope: Scope, window: FigureWindow) {
  const [row] = await queryRows<{ abusedChildren: number; victimsLivingElsewhere: number }>(
    db,
    sql`with victims as (
          select distinct ${incidentChildren.childId} as child_id, case when ${incidentChildren.childId} is null then ${incidentChildren.id} end as unregistered_id
          from ${incidentChildren} join ${incidents} on ${incidents.id} = ${incidentChildren.incidentId}
          where ${incidentsOfWard(scope, window, abuseKinds, incidents.occurredAt)}
            and ${scopeCondition(scope, { ward: incidentChildren.wardCode, group: incidentChildren.residentialGroupCode })}
        )
        select count(*)::int as "abusedChildren",
          (count(*) filter (where not exists (
            select 1 from ${children} where ${children.id} = victims.child_id and ${childrenOfWardOn(scope, window)}
          )))::int as "victimsLivingElsewhere"
        from victims`,
  )
  return row!
}

/** Injury and drowning cases that occurred from 1 January to the date, and those in which a child died. */
export async function injuryFigures(db: Executor, scope: Scope, window: FigureWindow) {
  const [row] = await queryRows<{ injuryCases: number; injuryDeaths: number }>(
    db,
    sql`select count(*)::int as "injuryCases",
          (count(*) filter (where ${incidents.injuryOutcome} = 'death'))::int as "injuryDeaths"
        from ${incidents}
        where ${incidentsOfWard(scope, window, [...injuryKinds], incidents.occurredAt)}`,
  )
  return row!
}

export interface PriorityCaseRow {
  id: string
  receivedAt: Date
  approvedAt: Date | null
  closedAt: Date | null
}

/** Sexual-abuse, abandonment and trafficking cases received from 1 January to the date, with their first approval and closure. */
export async function priorityCases(db: Executor, scope: Scope, window: FigureWindow): Promise<PriorityCaseRow[]> {
  const cases = await db
    .select({ id: incidents.id, receivedAt: incidents.receivedAt })
    .from(incidents)
    .where(incidentsOfWard(scope, window, priorityIncidentKinds, incidents.receivedAt))
    .orderBy(asc(incidents.receivedAt), asc(incidents.id))
  if (cases.length === 0) return []
  const steps = await db
    .select({ incidentId: incidentSteps.incidentId, step: incidentSteps.step, at: incidentSteps.at })
    .from(incidentSteps)
    .where(
      and(
        inArray(
          incidentSteps.incidentId,
          cases.map((c) => c.id),
        ),
        inArray(incidentSteps.step, ['plan_approval', 'closure']),
        scopeCondition(scope, { ward: incidentSteps.wardCode, group: incidentSteps.residentialGroupCode }),
      ),
    )
  const first = (incidentId: string, step: 'plan_approval' | 'closure'): Date | null => {
    const times = steps.filter((s) => s.incidentId === incidentId && s.step === step).map((s) => s.at.getTime())
    return times.length === 0 ? null : new Date(Math.min(...times))
  }
  return cases.map((c) => ({ ...c, approvedAt: first(c.id, 'plan_approval'), closedAt: first(c.id, 'closure') }))
}
