import { and, asc, desc, eq, gte, inArray, isNull, lt, lte, sql, type SQL } from 'drizzle-orm'
import { quoteLiteral, queryRows, type Executor, type OpenedRows } from '../../db/client.js'
import { insertRowsAsJson, rowFromJson } from '../../db/json-rows.js'
import { writeTogether } from '../../db/together.js'
import { arrayLiteral, scopeCondition, scopeConditionText, textArray, type Scope } from '../../platform/scope.js'
import { loadWorkingCalendar } from '../calendar/repository.js'
import type { BirthDatePrecision } from '../children/rules.js'
import { startOfLocalDay, addDays } from '../calendar/rules.js'
import { events } from '../webhooks/tables.js'
import { canonicalJson } from '../../platform/canonical-json.js'
import type { CaseStepRulesData } from '../../reference/index.js'
import {
  dueSoonWindowMs,
  writtenReportKindProblems,
  writtenReportRequired,
  type Compliance,
  type IncidentKind,
  type DeadlineRules,
  type StepRuleVersion,
} from './rules.js'
import { caseStepRuleVersions, incidentChildren, incidentRevisions, incidents, incidentSteps } from './tables.js'

export type IncidentRow = typeof incidents.$inferSelect
export type IncidentStepRow = typeof incidentSteps.$inferSelect
export type IncidentChildRow = typeof incidentChildren.$inferSelect
export type AlertEventRow = typeof events.$inferSelect

function incidentInScope(scope: Scope): SQL {
  return scopeCondition(scope, { ward: incidents.wardCode, group: incidents.residentialGroupCode })
}

/** The written-report state of each row, derived from the clock (same rule as writtenReportState). */
function complianceExpression(now: Date): SQL<Compliance> {
  return sql<Compliance>`case
    when not ${incidents.writtenReportRequired} then 'not_required'
    when ${incidents.writtenReportSubmittedAt} is not null then
      case when ${incidents.writtenReportSubmittedAt} <= ${incidents.writtenReportDueAt} then 'on_time' else 'late' end
    when ${now}::timestamptz > ${incidents.writtenReportDueAt} then 'overdue'
    when ${incidents.writtenReportDueAt} <= ${new Date(now.getTime() + dueSoonWindowMs)}::timestamptz then 'due_soon'
    else 'pending' end`
}

export interface IncidentFilter {
  unitScope?: Scope
  kind?: string
  status?: 'open' | 'closed'
  compliance?: Compliance
  overdueSteps?: boolean
  from?: string
  to?: string
}

function incidentConditions(scope: Scope, filter: IncidentFilter, now: Date): SQL[] {
  const conditions: SQL[] = [incidentInScope(scope)]
  if (filter.unitScope)
    conditions.push(
      scopeCondition(filter.unitScope, { ward: incidents.wardCode, group: incidents.residentialGroupCode }),
    )
  if (filter.kind) conditions.push(eq(incidents.kind, filter.kind as IncidentRow['kind']))
  if (filter.status) conditions.push(eq(incidents.status, filter.status))
  if (filter.compliance) conditions.push(sql`${complianceExpression(now)} = ${filter.compliance}`)
  if (filter.overdueSteps !== undefined) {
    const overdue = sql`(${incidents.status} = 'open' and ${incidents.nextStepDueAt} < ${now}::timestamptz)`
    conditions.push(filter.overdueSteps ? overdue : sql`not coalesce(${overdue}, false)`)
  }
  if (filter.from) conditions.push(gte(incidents.occurredAt, startOfLocalDay(filter.from)))
  if (filter.to) conditions.push(lt(incidents.occurredAt, startOfLocalDay(addDays(filter.to, 1))))
  return conditions
}

export async function listIncidents(
  db: Executor,
  scope: Scope,
  filter: IncidentFilter,
  now: Date,
  page: { after?: [string, string]; limit: number },
) {
  const conditions = incidentConditions(scope, filter, now)
  if (page.after)
    conditions.push(
      sql`(${incidents.occurredAt}, ${incidents.id}) < (${page.after[0]}::timestamptz, ${page.after[1]}::uuid)`,
    )
  return db
    .select({
      incident: incidents,
      childCount: sql<number>`(select count(*)::int from incident_children ic where ic.incident_id = "incidents"."id")`,
    })
    .from(incidents)
    .where(and(...conditions))
    .orderBy(desc(incidents.occurredAt), desc(incidents.id))
    .limit(page.limit)
}

export async function getIncident(db: Executor, scope: Scope, id: string): Promise<IncidentRow | undefined> {
  const [row] = await db
    .select()
    .from(incidents)
    .where(and(eq(incidents.id, id), incidentInScope(scope)))
  return row
}

export async function incidentDetails(db: Executor, id: string) {
  // In turn, not side by side: inside a transaction one connection runs one statement at a time.
  const children = await db
    .select()
    .from(incidentChildren)
    .where(eq(incidentChildren.incidentId, id))
    .orderBy(asc(incidentChildren.createdAt), asc(incidentChildren.id))
  const steps = await db
    .select()
    .from(incidentSteps)
    .where(eq(incidentSteps.incidentId, id))
    .orderBy(asc(incidentSteps.at), asc(incidentSteps.createdAt))
  return { children, steps }
}

/**
 * A new incident, its children and its receipt step, written in one statement with the calls and
 * statements that must commit with them (its audit event, its outbox event): the write path an officer
 * waits on, in one round trip.
 */
export async function insertIncidentTogether(
  tx: Executor,
  values: {
    incident: typeof incidents.$inferInsert & { id: string }
    children: (typeof incidentChildren.$inferInsert)[]
    steps: (typeof incidentSteps.$inferInsert)[]
    alongside: { writes: Record<string, SQL>; calls: SQL[] }
  },
): Promise<{ row: IncidentRow; children: IncidentChildRow[]; steps: IncidentStepRow[] }> {
  const returned = await writeTogether(tx, {
    writes: {
      incident: insertRowsAsJson(incidents, [values.incident]),
      ...(values.children.length > 0 ? { children: insertRowsAsJson(incidentChildren, values.children) } : {}),
      steps: insertRowsAsJson(incidentSteps, values.steps),
      ...values.alongside.writes,
    },
    returning: values.children.length > 0 ? ['incident', 'children', 'steps'] : ['incident', 'steps'],
    calls: values.alongside.calls,
  })
  const byCreationThenId = (a: IncidentChildRow, b: IncidentChildRow) =>
    a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  return {
    row: rowFromJson(incidents, returned.incident[0]!),
    children: (returned.children ?? []).map((json) => rowFromJson(incidentChildren, json)).sort(byCreationThenId),
    steps: returned.steps.map((json) => rowFromJson(incidentSteps, json)),
  }
}

export async function updateIncident(
  tx: Executor,
  scope: Scope,
  id: string,
  expectedVersion: number | null,
  changes: Partial<typeof incidents.$inferInsert>,
): Promise<IncidentRow | undefined> {
  const [row] = await tx
    .update(incidents)
    .set({ ...changes, version: sql`${incidents.version} + 1` })
    .where(
      and(
        eq(incidents.id, id),
        incidentInScope(scope),
        expectedVersion === null ? undefined : eq(incidents.version, expectedVersion),
      ),
    )
    .returning()
  return row
}

export async function insertStep(tx: Executor, values: typeof incidentSteps.$inferInsert): Promise<IncidentStepRow> {
  const [row] = await tx.insert(incidentSteps).values(values).returning()
  return row!
}

export async function insertIncidentRevision(
  tx: Executor,
  values: typeof incidentRevisions.$inferInsert,
): Promise<void> {
  await tx.insert(incidentRevisions).values(values)
}

/** Per-ward counts by compliance for incidents that occurred in the window. */
export async function complianceByWard(db: Executor, scope: Scope, filter: IncidentFilter, now: Date) {
  const compliance = complianceExpression(now)
  return (
    db
      .select({ wardCode: incidents.wardCode, compliance, count: sql<number>`count(*)::int` })
      .from(incidents)
      .where(and(...incidentConditions(scope, filter, now), eq(incidents.writtenReportRequired, true)))
      // By position: the compliance expression carries parameters, which PostgreSQL cannot match by text.
      .groupBy(sql`1`, sql`2`)
      .orderBy(asc(incidents.wardCode))
  )
}

/** Unsubmitted reports in (or past) their due-soon window: candidates for the sweep's events. */
export async function reportsNeedingAlerts(db: Executor, now: Date, limit: number) {
  return db
    .select()
    .from(incidents)
    .where(
      and(
        isNull(incidents.writtenReportSubmittedAt),
        eq(incidents.writtenReportRequired, true),
        lte(incidents.writtenReportDueAt, new Date(now.getTime() + dueSoonWindowMs)),
        sql`not exists (select 1 from events e where e.dedupe_key = 'incident.written_report.overdue:' || "incidents"."id")`,
      ),
    )
    .orderBy(asc(incidents.writtenReportDueAt))
    .limit(limit)
}

/** Open cases whose next step is past its deadline and not yet alerted. */
export async function stepsNeedingAlerts(db: Executor, now: Date, limit: number) {
  return db
    .select()
    .from(incidents)
    .where(
      and(
        eq(incidents.status, 'open'),
        lt(incidents.nextStepDueAt, now),
        sql`not exists (select 1 from events e where e.dedupe_key = 'incident.step.overdue:' || "incidents"."id" || ':' || "incidents"."next_step")`,
      ),
    )
    .orderBy(asc(incidents.nextStepDueAt))
    .limit(limit)
}

/** The events the deadline sweep records, which the alerts list shows. */
const alertTypes = ['incident.written_report.due_soon', 'incident.written_report.overdue', 'incident.step.overdue']

/** Deadline alerts in scope (and in `unitScope` when given), newest first, before the event id `before`. */
export async function listAlertEvents(
  db: Executor,
  scope: Scope,
  filter: { unitScope?: Scope },
  page: { before?: number; limit: number },
): Promise<AlertEventRow[]> {
  const unit = { ward: events.wardCode, group: events.residentialGroupCode }
  return db
    .select()
    .from(events)
    .where(
      and(
        inArray(events.type, alertTypes),
        // Written-report alerts recorded, before the duty's scope was one definition, for an incident it does not cover.
        sql`not (${events.type} like 'incident.written_report.%' and exists (select 1 from ${incidents} i where i.id::text = ${events.resourceId} and not i.written_report_required))`,
        scopeCondition(scope, unit),
        filter.unitScope ? scopeCondition(filter.unitScope, unit) : undefined,
        page.before === undefined ? undefined : lt(events.id, page.before),
      ),
    )
    .orderBy(desc(events.id))
    .limit(page.limit)
}

/**
 * The deadline rules read under each stamp (migration 0027), newest last: every request that counts a
 * deadline needs them, and they change a few times a year. Kept per stamp rather than per database, since
 * a stamp names one state of the rules wherever it is found; a few are kept for processes that serve more
 * than one database (the tests).
 */
const rulesByStamp = new Map<string, DeadlineRules>()
const stampsKept = 8

async function rulesUnder(db: Executor, stamp: string, locked: boolean): Promise<DeadlineRules> {
  const kept = rulesByStamp.get(stamp)
  if (kept) return kept
  const rules = { calendar: await loadWorkingCalendar(db), stepRules: await listStepRuleVersions(db) }
  // Under the lock no change can commit meanwhile; without it, one may have committed after the stamp was
  // read, and the rules read are then newer than the stamp: still right to answer with, not to keep.
  if (locked || (await currentStamp(db)) === stamp) {
    rulesByStamp.set(stamp, rules)
    if (rulesByStamp.size > stampsKept) rulesByStamp.delete(rulesByStamp.keys().next().value!)
  }
  return rules
}

async function currentStamp(db: Executor): Promise<string> {
  const [row] = await queryRows<{ stamp: string }>(db, sql`select stamp from deadline_rules_stamp`)
  return row!.stamp
}

/** The calendar and the case rules, read together for whatever counts a case's deadlines. */
export async function loadDeadlineRules(db: Executor): Promise<DeadlineRules> {
  return rulesUnder(db, await currentStamp(db), false)
}

/**
 * The same, for a transaction that writes an incident, under a lock shared with every other such writer
 * until it ends. A change to the calendar or the case rules (a calendar year, a version of the rules, a
 * reference reload) takes the lock alone before it recomputes what open incidents keep
 * (lockDeadlineRulesForChange): an incident written meanwhile is either counted with the change or reached
 * by its recomputation, never left with the old deadline. Called before the writer reads the incident it
 * changes, so that it never writes back what the change recomputed, nor waits for the lock holding a row
 * the change needs. The lock and the stamp come in one round trip (cps_lock_deadline_rules_shared).
 */
export async function loadDeadlineRulesForWrite(tx: Executor): Promise<DeadlineRules> {
  const [row] = await queryRows<{ stamp: string }>(tx, sql`select cps_lock_deadline_rules_shared() as stamp`)
  return rulesUnder(tx, row!.stamp, true)
}

/** What a new incident keeps of a registry child it names: the sex and the birth date its age is counted from. */
export interface NamedChild {
  id: string
  sex: string
  dateOfBirth: string | null
  birthYear: number | null
  birthDatePrecision: BirthDatePrecision
}

/**
 * The statement a new incident's transaction opens with (`ScopedOptions.openWith`): the writers' lock on
 * the deadline rules (as `loadDeadlineRulesForWrite`) and the registry children the incident names, those
 * the caller may see. With it the transaction is three round trips: BEGIN with the scope and this, the
 * write, COMMIT.
 */
export function rulesLockAndNamedChildren(scope: Scope, childIds: readonly string[]): string {
  const inScope = scopeConditionText(scope, { ward: 'c.ward_code', group: 'c.residential_group_code' })
  return `select cps_lock_deadline_rules_shared() as stamp,
                 (select coalesce(json_agg(json_build_object('id', c.id, 'sex', c.sex, 'dateOfBirth', c.date_of_birth,
                           'birthYear', c.birth_year, 'birthDatePrecision', c.birth_date_precision)), '[]'::json)
                    from children c
                   where c.id = any(${quoteLiteral(arrayLiteral(childIds))}::uuid[]) and ${inScope}
                     and c.deleted_at is null) as named`
}

/**
 * What `rulesLockAndNamedChildren` answered (its one row): the rules its stamp names, and the children by id
 * (in lower case, as PostgreSQL writes a uuid).
 */
export async function rulesAndNamedChildren(
  tx: Executor,
  opened: OpenedRows,
): Promise<{ rules: DeadlineRules; named: Map<string, NamedChild> }> {
  const row = opened[0] as { stamp: string; named: NamedChild[] }
  return {
    rules: await rulesUnder(tx, row.stamp, true),
    named: new Map(row.named.map((child) => [child.id, child])),
  }
}

/** Serialises a change to the calendar or the case rules against each other and against deadline counting. */
export async function lockDeadlineRulesForChange(tx: Executor): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext('deadline_rules'))`)
}

/** Every version of the step deadlines, oldest first: a case is held to the one in force when it was received. */
async function listStepRuleVersions(db: Executor): Promise<StepRuleVersion[]> {
  const rows = await listStepRuleVersionRows(db)
  return rows.map((row) => ({
    version: row.version,
    effectiveFrom: row.effectiveFrom,
    rules: row.rules,
    writtenReportKinds: row.writtenReportKinds,
  }))
}

export type StepRuleVersionRow = typeof caseStepRuleVersions.$inferSelect

export function listStepRuleVersionRows(db: Executor): Promise<StepRuleVersionRow[]> {
  return db.select().from(caseStepRuleVersions).orderBy(asc(caseStepRuleVersions.version))
}

export async function latestStepRuleVersion(db: Executor): Promise<StepRuleVersionRow | undefined> {
  const [row] = await db.select().from(caseStepRuleVersions).orderBy(desc(caseStepRuleVersions.version)).limit(1)
  return row
}

export async function insertStepRuleVersion(db: Executor, values: StepRuleVersionRow): Promise<void> {
  await db.insert(caseStepRuleVersions).values(values)
}

/**
 * Adds src/reference/case-step-rules.json as a new version when the file's rules differ from the latest
 * version published from it, unless an administrator has published since (their version stands).
 * Answers whether it added one.
 */
export async function addReferenceStepRules(tx: Executor, data: CaseStepRulesData): Promise<boolean> {
  const [problem] = writtenReportKindProblems(data.writtenReportKinds)
  if (problem)
    throw new Error(`reference file case-step-rules.json is invalid at ${problem.pointer}: ${problem.message}`)
  await lockDeadlineRulesForChange(tx)
  const latest = await latestStepRuleVersion(tx)
  if (latest?.source === 'admin') return false
  const same =
    latest &&
    latest.effectiveFrom === data.effectiveFrom &&
    latest.legalBasis === data.legalBasis &&
    canonicalJson(latest.rules) === canonicalJson(data.rules) &&
    canonicalJson([...latest.writtenReportKinds].sort()) === canonicalJson([...data.writtenReportKinds].sort())
  if (same) return false
  if (latest && data.effectiveFrom < latest.effectiveFrom)
    throw new Error(
      `reference file case-step-rules.json takes effect on ${data.effectiveFrom}, before the version in force (${latest.effectiveFrom})`,
    )
  await insertStepRuleVersion(tx, {
    version: (latest?.version ?? 0) + 1,
    effectiveFrom: data.effectiveFrom,
    legalBasis: data.legalBasis,
    rules: data.rules,
    writtenReportKinds: data.writtenReportKinds as IncidentKind[],
    source: 'reference',
    note: `reference data ${data.version}`,
    publishedAt: new Date(),
    publishedBy: null,
  })
  return true
}

/**
 * Re-judges which incidents the written-report duty covers after a version of the case rules was added
 * from reference data (whose effective date may lie in the past): each incident against the version in
 * force on the day it was received. Runs under the system scope; answers how many changed.
 */
export async function followWrittenReportScope(tx: Executor, versions: readonly StepRuleVersion[]): Promise<number> {
  const rows = await tx
    .select({
      id: incidents.id,
      kind: incidents.kind,
      receivedAt: incidents.receivedAt,
      required: incidents.writtenReportRequired,
    })
    .from(incidents)
  const changed = rows.filter((row) => writtenReportRequired(versions, row.kind, row.receivedAt) !== row.required)
  for (const required of [true, false]) {
    const ids = changed.filter((row) => row.required !== required).map((row) => row.id)
    // The answer itself, not a flip, so that a repeated run changes nothing; a new version, as any change.
    if (ids.length > 0)
      await tx.execute(
        sql`update ${incidents} set written_report_required = ${required}, version = version + 1, updated_at = now()
            where id::text = any(${textArray(ids)})`,
      )
  }
  return changed.length
}

/** Incidents recorded in [from, to) per ward and kind (every ward, as the system's count). */
export async function recordedCountsByWardAndKind(
  tx: Executor,
  from: Date,
  to: Date,
): Promise<{ wardCode: string; kind: string; count: number }[]> {
  return queryRows(
    tx,
    sql`select ward_code as "wardCode", kind, count(*)::int as count from incidents
        where created_at >= ${from.toISOString()}::timestamptz and created_at < ${to.toISOString()}::timestamptz
        group by ward_code, kind`,
  )
}
