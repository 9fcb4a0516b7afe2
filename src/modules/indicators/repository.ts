import { asc, eq, sql } from 'drizzle-orm'
import type { Static } from 'typebox'
import { queryRows, type Executor } from '../../db/client.js'
import { canonicalJson } from '../../platform/canonical-json.js'
import type { IndicatorsData, OfficialIndicatorCode } from '../../reference/index.js'
import { reports } from '../reports/tables.js'
import { listUnitGroups } from '../units/repository.js'
import { unitSuccessions, units } from '../units/tables.js'
import type { Dimension } from './measures.js'
import {
  contentVersion,
  defaultPeriodsForYear,
  parsePeriodCode,
  type IndicatorKind,
  type ReportingPeriod,
  type Target,
} from './rules.js'
import { indicatorDefinitions, planTargets, reportingPeriods } from './tables.js'

/** An indicator definition's latest version, as `listDefinitions` reads it. */
export interface IndicatorDefinition {
  code: string
  version: number
  nameVi: string
  nameEn: string
  kind: IndicatorKind
  numerator: string
  denominator: string | null
  breakdowns: Dimension[]
  source: 'registry' | 'incidents' | 'assessments' | 'reports'
  measure: string
  official: OfficialCode | null
  sortOrder: number
  publishedAt: string
}

export type OfficialCode = Static<typeof OfficialIndicatorCode>

/** Who wrote a target row when it came from src/reference/indicators.json; anything else is an administrator. */
const referenceAuthor = 'reference'

// A type alias, not an interface, so that it is assignable to the jsonb column's Record type.
type StoredDefinition = {
  nameVi: string
  nameEn: string
  kind: IndicatorDefinition['kind']
  numerator: string
  denominator: string | null
  breakdowns: Dimension[]
  source: IndicatorDefinition['source']
  measure: string
  /** Absent from versions stored before the official codes were data. */
  official?: OfficialCode | null
  /** Set once an administrator corrected `official`: reference reloads keep theirs and update the rest. */
  officialByAdministrator?: boolean
  sortOrder: number
  /** Set on versions published from the reference file; an administrator's version has none. */
  referenceVersion?: string
}

/** The latest version of every indicator definition, in the reference file's order. */
export async function listDefinitions(db: Executor): Promise<IndicatorDefinition[]> {
  const rows = await queryRows<{
    code: string
    version: number
    definition: StoredDefinition
    published_at: string | Date
  }>(
    db,
    sql`select distinct on (${indicatorDefinitions.code}) ${indicatorDefinitions.code} as code, ${indicatorDefinitions.version} as version,
               ${indicatorDefinitions.definition} as definition, ${indicatorDefinitions.publishedAt} as published_at
        from ${indicatorDefinitions}
        order by ${indicatorDefinitions.code}, ${indicatorDefinitions.version} desc`,
  )
  return rows
    .map(({ code, version, definition, published_at }) => ({
      code,
      version,
      nameVi: definition.nameVi,
      nameEn: definition.nameEn,
      kind: definition.kind,
      numerator: definition.numerator,
      denominator: definition.denominator,
      breakdowns: definition.breakdowns,
      source: definition.source,
      measure: definition.measure,
      official: definition.official ?? null,
      sortOrder: definition.sortOrder,
      publishedAt: new Date(published_at).toISOString(),
    }))
    .sort((a, b) => a.sortOrder - b.sortOrder || a.code.localeCompare(b.code))
}

export interface TargetRow extends Target {
  indicatorCode: string
  updatedAt: Date
  updatedBy: string | null
}

/** A plan year's targets by indicator code, as figures are judged against them. */
export async function targetsByIndicator(db: Executor, year: number): Promise<Map<string, Target>> {
  return new Map(
    (await listTargets(db, year)).map((row) => [
      row.indicatorCode,
      { comparator: row.comparator, value: row.value, unit: row.unit },
    ]),
  )
}

export async function listTargets(db: Executor, year: number): Promise<TargetRow[]> {
  const rows = await db
    .select()
    .from(planTargets)
    .where(eq(planTargets.planYear, year))
    .orderBy(asc(planTargets.indicatorCode))
  return rows.map((row) => ({
    indicatorCode: row.indicatorCode,
    comparator: row.comparator,
    value: Number(row.value),
    unit: row.unit,
    updatedAt: row.updatedAt,
    updatedBy: row.updatedBy,
  }))
}

/** The entity tag of a plan year's targets: changes with any change to any of them. */
export function targetsVersion(rows: readonly TargetRow[]): number {
  return contentVersion(
    rows.map((row) => [
      row.indicatorCode,
      row.comparator,
      row.value,
      row.unit,
      row.updatedAt.toISOString(),
      row.updatedBy,
    ]),
  )
}

/**
 * Serialises changes to data that has no row of its own to lock (a plan year's targets, a period not
 * stored yet). `shared`: for work that only needs the data not to change meanwhile (reports created over
 * a period), which may run side by side.
 */
export async function lockResource(
  tx: Executor,
  kind: 'plan_targets' | 'reporting_period' | 'indicator_definition' | 'incident_day' | 'indicator_publication',
  key: string,
  options: { shared?: boolean } = {},
): Promise<void> {
  if (options.shared) await tx.execute(sql`select pg_advisory_xact_lock_shared(hashtext(${kind}), hashtext(${key}))`)
  else await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${kind}), hashtext(${key}))`)
}

export async function replaceTargets(
  tx: Executor,
  year: number,
  targets: readonly (Target & { indicatorCode: string })[],
  author: string,
  now: Date,
): Promise<void> {
  await tx.delete(planTargets).where(eq(planTargets.planYear, year))
  if (targets.length === 0) return
  await tx
    .insert(planTargets)
    .values(targets.map((target) => ({ planYear: year, ...target, updatedAt: now, updatedBy: author })))
}

type PeriodRow = typeof reportingPeriods.$inferSelect

function toPeriod(row: PeriodRow): ReportingPeriod {
  return {
    code: row.code,
    kind: row.kind,
    year: row.year,
    dueDate: row.dueDate,
    windowFrom: row.windowFrom,
    windowTo: row.windowTo,
  }
}

async function listStoredPeriods(db: Executor, year: number): Promise<ReportingPeriod[]> {
  const rows = await db
    .select()
    .from(reportingPeriods)
    .where(eq(reportingPeriods.year, year))
    .orderBy(asc(reportingPeriods.dueDate))
  return rows.map(toPeriod)
}

async function getStoredPeriod(db: Executor, code: string): Promise<ReportingPeriod | undefined> {
  const [row] = await db.select().from(reportingPeriods).where(eq(reportingPeriods.code, code))
  return row ? toPeriod(row) : undefined
}

/** A reporting period as stored, or else the plan's default for its code (the code must be valid). */
export async function periodByCode(db: Executor, code: string): Promise<ReportingPeriod> {
  const stored = await getStoredPeriod(db, code)
  if (stored) return stored
  const { year } = parsePeriodCode(code)!
  return defaultPeriodsForYear(year).find((period) => period.code === code)!
}

export async function savePeriod(tx: Executor, period: ReportingPeriod): Promise<void> {
  const { code: _code, ...changes } = period
  await tx.insert(reportingPeriods).values(period).onConflictDoUpdate({ target: reportingPeriods.code, set: changes })
}

/** Stores a period as it is now (a default one included), unless stored already: reports keep the due date they were written for. */
export async function keepPeriod(tx: Executor, period: ReportingPeriod): Promise<void> {
  await tx.insert(reportingPeriods).values(period).onConflictDoNothing({ target: reportingPeriods.code })
}

export function periodVersion(period: ReportingPeriod): number {
  return contentVersion([period.code, period.dueDate, period.windowFrom, period.windowTo])
}

export interface UnitRow {
  code: string
  nameVi: string
  level: string
  parentCode: string | null
  validFrom: string
  validTo: string | null
  /** The units it succeeded (the 2025 reorganisation). */
  predecessors: string[]
  /** A named group of wards (level `ward_group`): its wards, which are not its children. */
  members?: string[]
}

/**
 * Every administrative unit with its validity and lineage, then each named group of wards (level
 * `ward_group`, valid whenever its wards are): a few hundred rows, no personal data.
 */
export async function listUnitRows(db: Executor): Promise<UnitRow[]> {
  const links = await db
    .select({ predecessor: unitSuccessions.predecessorCode, successor: unitSuccessions.successorCode })
    .from(unitSuccessions)
  const predecessors = new Map<string, string[]>()
  for (const link of links)
    predecessors.set(link.successor, [...(predecessors.get(link.successor) ?? []), link.predecessor])
  const rows = await db
    .select({
      code: units.code,
      nameVi: units.nameVi,
      level: units.level,
      parentCode: units.parentCode,
      validFrom: units.validFrom,
      validTo: units.validTo,
    })
    .from(units)
    .orderBy(asc(units.code))
  const groups = (await listUnitGroups(db)).map((group) => ({
    code: group.code,
    nameVi: group.nameVi,
    level: 'ward_group',
    parentCode: null,
    validFrom: '0001-01-01',
    validTo: null,
    predecessors: [],
    members: group.wardCodes,
  }))
  return [...rows.map((row) => ({ ...row, predecessors: predecessors.get(row.code) ?? [] })), ...groups]
}

/**
 * Applies src/reference/indicators.json without undoing an administrator's work: a definition gets a new
 * version only while its latest one came from the reference file; a plan year's targets are replaced
 * only while every stored target of that year came from it; periods are only added, never changed.
 */
export async function applyIndicatorsReference(tx: Executor, data: IndicatorsData): Promise<void> {
  const now = new Date()
  const latest = new Map<string, { version: number; definition: StoredDefinition }>()
  for (const row of await queryRows<{ code: string; version: number; definition: StoredDefinition }>(
    tx,
    sql`select distinct on (code) code, version, definition from indicator_definitions order by code, version desc`,
  )) {
    latest.set(row.code, row)
  }
  for (const [sortOrder, { code, ...indicator }] of data.indicators.entries()) {
    const definition: StoredDefinition = {
      ...indicator,
      breakdowns: indicator.breakdowns,
      sortOrder,
      referenceVersion: data.version,
    }
    const current = latest.get(code)
    if (current && current.definition.referenceVersion === undefined) continue
    if (current?.definition.officialByAdministrator)
      Object.assign(definition, { official: current.definition.official ?? null, officialByAdministrator: true })
    if (current && sameDefinition(current.definition, definition)) continue
    // An administrator's correction committed meanwhile took this version: it stands, and the next reload decides.
    await tx
      .insert(indicatorDefinitions)
      .values({ code, version: (current?.version ?? 0) + 1, definition, publishedAt: now })
      .onConflictDoNothing()
  }
  for (const year of new Set(data.targets.map((target) => target.planYear))) {
    const stored = await tx
      .select({ updatedBy: planTargets.updatedBy })
      .from(planTargets)
      .where(eq(planTargets.planYear, year))
    if (stored.some((row) => row.updatedBy !== referenceAuthor)) continue
    const targets = data.targets
      .filter((target) => target.planYear === year)
      .map(({ planYear: _year, ...target }) => target)
    await replaceTargets(tx, year, targets, referenceAuthor, now)
  }
  for (const period of data.periods) await keepPeriod(tx, period)
}

/**
 * Publishes an administrator's correction of an indicator's official code as the definition's next
 * version, when `expectedVersion` is still the latest (the caller holds the definition's lock); reference
 * reloads keep the correction and still update the rest. Answers the official code it replaced, or
 * undefined when the definition is missing or another version came since.
 */
export async function publishOfficialCode(
  tx: Executor,
  code: string,
  expectedVersion: number,
  official: OfficialCode | null,
  now: Date,
): Promise<{ before: OfficialCode | null } | undefined> {
  const [latest] = await queryRows<{ version: number; definition: StoredDefinition }>(
    tx,
    sql`select version, definition from indicator_definitions where code = ${code} order by version desc limit 1`,
  )
  if (!latest || latest.version !== expectedVersion) return undefined
  const definition: StoredDefinition = { ...latest.definition, official, officialByAdministrator: true }
  const inserted = await tx
    .insert(indicatorDefinitions)
    .values({ code, version: expectedVersion + 1, definition, publishedAt: now })
    .onConflictDoNothing()
    .returning({ version: indicatorDefinitions.version })
  return inserted.length > 0 ? { before: latest.definition.official ?? null } : undefined
}

function sameDefinition(a: StoredDefinition, b: StoredDefinition): boolean {
  const { referenceVersion: _a, ...left } = a
  const { referenceVersion: _b, ...right } = b
  return canonicalJson(left) === canonicalJson(right)
}

/** The periods of a year as stored, with the plan's defaults for kinds an administrator has not set. */
export async function periodsOfYear(db: Executor, year: number): Promise<(ReportingPeriod & { stored: boolean })[]> {
  const stored = await listStoredPeriods(db, year)
  return defaultPeriodsForYear(year).map((fallback) => {
    const found = stored.find((period) => period.code === fallback.code)
    return found ? { ...found, stored: true } : { ...fallback, stored: false }
  })
}

export async function periodHasReports(db: Executor, code: string): Promise<boolean> {
  const rows = await db.select({ id: reports.id }).from(reports).where(eq(reports.periodCode, code)).limit(1)
  return rows.length > 0
}
