import { and, asc, desc, eq, inArray, ne, sql, type Column, type SQL } from 'drizzle-orm'
import { queryRows, type Executor } from '../../db/client.js'
import { arrayLiteral, scopeCondition, type Scope } from '../../platform/scope.js'
import { childInScope } from '../children/repository.js'
import { children } from '../children/tables.js'
import { householdInScope } from '../households/repository.js'
import { households } from '../households/tables.js'
import type { UnitRow } from '../indicators/repository.js'
import type { SnapshotIndicator } from './rules.js'
import { reports, reportSubmissions } from './tables.js'

export type ReportRow = typeof reports.$inferSelect
export type SubmissionRow = typeof reportSubmissions.$inferSelect

export interface ReportSnapshot {
  unitCode: string
  unitName: string
  windowFrom: string
  windowTo: string
  asOf: string
  computedAt: string
  indicators: SnapshotIndicator[]
  consolidation?: {
    unitCode: string
    nameVi: string
    reportId: string | null
    state: ReportRow['state'] | null
    included: boolean
  }[]
}

export function snapshotOf(row: Pick<ReportRow, 'snapshot'>): ReportSnapshot {
  return row.snapshot as unknown as ReportSnapshot
}

/**
 * The units above a ward whose every ward lies in the scope: a principal sees a district's own report
 * only when it holds the whole district.
 */
export function wholeUnits(rows: readonly UnitRow[], scope: Scope): string[] {
  const below = new Map<string, UnitRow[]>()
  for (const row of rows) if (row.parentCode) below.set(row.parentCode, [...(below.get(row.parentCode) ?? []), row])
  const inScope = (ward: string) => scope.all || scope.wards.includes(ward)
  const covers = (row: UnitRow): boolean =>
    row.level === 'ward'
      ? inScope(row.code)
      : (below.get(row.code) ?? []).filter((child) => child.level !== 'residential_group').every(covers)
  return rows
    .filter((row) =>
      row.members ? row.members.every(inScope) : (row.level === 'district' || row.level === 'province') && covers(row),
    )
    .map((row) => row.code)
}

/**
 * Which reports the caller may see: ward reports in its jurisdiction, and the reports of districts it holds
 * whole. `withheldToday`: for a caller from whom small counts are withheld, the local day it is; null otherwise.
 */
export function reportVisibility(scope: Scope, whole: readonly string[], withheldToday: string | null): SQL {
  const wardReports = and(
    eq(reports.level, 'ward'),
    scopeCondition(scope, { ward: reports.wardCode, group: reports.residentialGroupCode }),
  )
  const districtReports =
    whole.length > 0 ? and(ne(reports.level, 'ward'), inArray(reports.unitCode, [...whole])) : sql`false`
  const visible = sql`(${wardReports} or ${districtReports})`
  // City systems (and any reader from whom small counts are withheld) read what units have sent, frozen
  // as of the period's last day once it has passed: never a draft, nor one sent back for correction, nor one
  // sent before its period closed, whose figures stand as of another day (two tables a day apart would
  // differ by that day's records, as indicator values read on any day would). Its window runs from
  // 1 January, as the published indicator tables' do: a window from another day is the difference of two
  // of them, which no protection of each on its own hides.
  const windowTo = sql`${reports.snapshot} ->> 'windowTo'`
  return withheldToday !== null
    ? and(
        visible,
        inArray(reports.state, ['submitted', 'approved']),
        sql`${reports.snapshot} ->> 'asOf' = ${windowTo}`,
        sql`${windowTo} < ${withheldToday}`,
        sql`${reports.snapshot} ->> 'windowFrom' = substr(${windowTo}, 1, 4) || '-01-01'`,
      )!
    : visible
}

export async function insertReport(tx: Executor, values: typeof reports.$inferInsert): Promise<ReportRow> {
  const [row] = await tx.insert(reports).values(values).returning()
  return row!
}

export async function getReport(db: Executor, visibility: SQL, id: string): Promise<ReportRow | undefined> {
  const [row] = await db
    .select()
    .from(reports)
    .where(and(eq(reports.id, id), visibility))
  return row
}

export async function findReportId(db: Executor, unitCode: string, periodCode: string): Promise<string | undefined> {
  const [row] = await db
    .select({ id: reports.id })
    .from(reports)
    .where(and(eq(reports.unitCode, unitCode), eq(reports.periodCode, periodCode)))
  return row?.id
}

export async function listReports(
  db: Executor,
  visibility: SQL,
  filter: {
    period?: string
    units?: readonly string[]
    state?: ReportRow['state']
    after?: (string | number)[]
    limit: number
  },
): Promise<ReportRow[]> {
  const conditions: (SQL | undefined)[] = [visibility]
  if (filter.period) conditions.push(eq(reports.periodCode, filter.period))
  if (filter.units) conditions.push(inArray(reports.unitCode, [...filter.units]))
  if (filter.state) conditions.push(eq(reports.state, filter.state))
  if (filter.after)
    conditions.push(
      sql`(${reports.periodCode}, ${reports.unitCode}) > (${String(filter.after[0])}, ${String(filter.after[1])})`,
    )
  return db
    .select()
    .from(reports)
    .where(and(...conditions))
    .orderBy(asc(reports.periodCode), asc(reports.unitCode))
    .limit(filter.limit)
}

/** Applies changes when the stored version is `expectedVersion` (any version when undefined). */
export async function updateReport(
  tx: Executor,
  id: string,
  expectedVersion: number | undefined,
  changes: Partial<typeof reports.$inferInsert>,
): Promise<ReportRow | undefined> {
  const [row] = await tx
    .update(reports)
    .set({ ...changes, version: sql`${reports.version} + 1` })
    .where(and(eq(reports.id, id), expectedVersion === undefined ? undefined : eq(reports.version, expectedVersion)))
    .returning()
  return row
}

export async function insertSubmission(tx: Executor, values: typeof reportSubmissions.$inferInsert): Promise<void> {
  await tx.insert(reportSubmissions).values(values)
}

export async function listSubmissions(db: Executor, reportId: string): Promise<SubmissionRow[]> {
  return db
    .select()
    .from(reportSubmissions)
    .where(eq(reportSubmissions.reportId, reportId))
    .orderBy(asc(reportSubmissions.number))
}

export async function reviewLatestSubmission(
  tx: Executor,
  reportId: string,
  outcome: 'approved' | 'returned',
  comments: string | null,
): Promise<void> {
  const [latest] = await tx
    .select({ id: reportSubmissions.id })
    .from(reportSubmissions)
    .where(eq(reportSubmissions.reportId, reportId))
    .orderBy(desc(reportSubmissions.number))
    .limit(1)
  if (latest)
    await tx
      .update(reportSubmissions)
      .set({ outcome, reviewComments: comments })
      .where(eq(reportSubmissions.id, latest.id))
}

/** The ward reports of some periods and wards: for timeliness and for a district's consolidation. */
export async function wardReportsOf(
  db: Executor,
  periodCodes: readonly string[],
  wardCodes: readonly string[],
): Promise<ReportRow[]> {
  if (periodCodes.length === 0 || wardCodes.length === 0) return []
  return db
    .select()
    .from(reports)
    .where(
      and(
        eq(reports.level, 'ward'),
        inArray(reports.periodCode, [...periodCodes]),
        inArray(reports.unitCode, [...wardCodes]),
      ),
    )
}

/**
 * Which of the folded `names` are the full name of a child or a household head registered in `scope` (any
 * record, deleted or moved out included: it still names that person), and in `wards` where given; each probed
 * by the btree index of the folded names (children_name_idx, households_head_name_idx).
 */
export async function registeredNames(
  tx: Executor,
  scope: Scope,
  wards: readonly string[] | null,
  names: readonly string[],
): Promise<Set<string>> {
  if (names.length === 0 || wards?.length === 0) return new Set()
  const inWards = (column: SQL | Column) => (wards ? sql`and ${column} = any(${arrayLiteral(wards)}::text[])` : sql``)
  const rows = await queryRows<{ name: string }>(
    tx,
    sql`select n.name from unnest(${arrayLiteral(names)}::text[]) as n(name)
        where exists (select 1 from ${children}
                       where ${children.nameFolded} collate "C" = n.name collate "C"
                         and ${childInScope(scope)} ${inWards(children.wardCode)})
           or exists (select 1 from ${households}
                       where ${households.headNameFolded} collate "C" = n.name collate "C"
                         and ${householdInScope(scope)} ${inWards(households.wardCode)})`,
  )
  return new Set(rows.map((row) => row.name))
}
