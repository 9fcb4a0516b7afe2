import { and, asc, eq, getTableColumns, gt, gte, isNull, lte, or, sql, type SQL } from 'drizzle-orm'
import type { Executor } from '../../db/client.js'
import type { UnitNode } from '../../platform/scope.js'
import type { UnitsData } from '../../reference/index.js'
import type { Unit } from './schemas.js'
import { reports } from '../reports/tables.js'
import { unitCategories, unitGroups, unitSuccessions, units, type UnitLevel } from './tables.js'

export type UnitRow = typeof units.$inferSelect

export function toUnit(row: UnitRow): Unit {
  return {
    code: row.code,
    officialCode: row.officialCode,
    nameVi: row.nameVi,
    nameEn: row.nameEn,
    level: row.level,
    parentCode: row.parentCode,
    provinceCode: row.provinceCode,
    category: row.category,
    validFrom: row.validFrom,
    validTo: row.validTo,
    confirmed: row.confirmed,
  }
}

function validOn(asOf: string): SQL {
  return and(lte(units.validFrom, asOf), or(isNull(units.validTo), gte(units.validTo, asOf)))!
}

/** The wards in force on a day, in code order: what a once-per-ward job covers. */
export async function wardsInForce(db: Executor, day: string): Promise<{ code: string; provinceCode: string }[]> {
  return db
    .select({ code: units.code, provinceCode: units.provinceCode })
    .from(units)
    .where(and(eq(units.level, 'ward'), validOn(day)))
    .orderBy(asc(units.code))
}

export async function listUnits(
  db: Executor,
  filter: { level?: UnitLevel; parent?: string; asOf?: string; after?: string; limit: number; today: string },
): Promise<Unit[]> {
  const conditions: SQL[] = []
  if (filter.level) conditions.push(eq(units.level, filter.level))
  if (filter.parent) conditions.push(eq(units.parentCode, filter.parent))
  if (filter.asOf) conditions.push(validOn(filter.asOf))
  if (filter.after !== undefined) conditions.push(gt(units.code, filter.after))
  const rows = await db
    .select({ ...getTableColumns(units), category: categoryOn(filter.asOf ?? filter.today) })
    .from(units)
    .where(and(...conditions))
    .orderBy(asc(units.code))
    .limit(filter.limit)
  return rows.map(toUnit)
}

export async function getUnit(db: Executor, code: string, today: string): Promise<Unit | undefined> {
  const [row] = await db
    .select({ ...getTableColumns(units), category: categoryOn(today) })
    .from(units)
    .where(eq(units.code, code))
  if (!row) return undefined
  const links = await db
    .select()
    .from(unitSuccessions)
    .where(or(eq(unitSuccessions.predecessorCode, code), eq(unitSuccessions.successorCode, code)))
    .orderBy(asc(unitSuccessions.predecessorCode), asc(unitSuccessions.successorCode))
  const link = (other: string, l: typeof unitSuccessions.$inferSelect) => ({
    code: other,
    effectiveDate: l.effectiveDate,
    partial: l.partial,
    confirmed: l.confirmed,
  })
  return {
    ...toUnit(row),
    predecessors: links.filter((l) => l.successorCode === code).map((l) => link(l.predecessorCode, l)),
    successors: links.filter((l) => l.predecessorCode === code).map((l) => link(l.successorCode, l)),
  }
}

/** Every unit's place in the tree, at any date: jurisdiction follows the tree. */
export async function loadUnitTree(db: Executor): Promise<UnitNode[]> {
  const nodes = await db
    .select({ code: units.code, level: units.level, parentCode: units.parentCode, validTo: units.validTo })
    .from(units)
  const links = await db
    .select({ predecessor: unitSuccessions.predecessorCode, successor: unitSuccessions.successorCode })
    .from(unitSuccessions)
  const predecessors = new Map<string, string[]>()
  for (const link of links)
    predecessors.set(link.successor, [...(predecessors.get(link.successor) ?? []), link.predecessor])
  return nodes.map((node) => ({ ...node, predecessors: predecessors.get(node.code) ?? [] }))
}

/** Applies the units reference file. Rows an administrator created or corrected are left alone. */
export async function applyUnitsReference(tx: Executor, data: UnitsData): Promise<void> {
  const byCode = new Map(data.units.map((unit) => [unit.code, unit]))
  const provinceOf = (code: string): string => {
    let current = byCode.get(code)
    for (let depth = 0; current && depth < 10; depth++) {
      if (current.level === 'province') return current.code
      current = current.parentCode ? byCode.get(current.parentCode) : undefined
    }
    throw new Error(`units reference: ${code} has no province ancestor`)
  }
  // Parents first, so the self-referencing foreign key is satisfied row by row.
  const levelOrder = ['province', 'district', 'ward', 'residential_group']
  const ordered = [...data.units].sort((a, b) => levelOrder.indexOf(a.level) - levelOrder.indexOf(b.level))
  for (const unit of ordered) {
    const values = {
      code: unit.code,
      officialCode: unit.officialCode,
      nameVi: unit.nameVi,
      nameEn: unit.nameEn,
      level: unit.level,
      parentCode: unit.parentCode,
      provinceCode: provinceOf(unit.code),
      category: unit.category,
      validFrom: unit.validFrom,
      validTo: unit.validTo,
      confirmed: unit.confirmed,
      source: 'reference' as const,
    }
    const { code: _code, source: _source, ...changes } = values
    await tx
      .insert(units)
      .values(values)
      .onConflictDoUpdate({
        target: units.code,
        set: { ...changes, version: sql`${units.version} + 1`, updatedAt: sql`now()` },
        setWhere: eq(units.source, 'reference'),
      })
  }
  await applyReferenceCategories(tx, data)
  // A group whose mapping an administrator corrected keeps it: the reference's links for it are not put back.
  const corrected = new Set(
    (
      await tx
        .select({ code: unitSuccessions.predecessorCode })
        .from(unitSuccessions)
        .where(eq(unitSuccessions.source, 'admin'))
    ).map((row) => row.code),
  )
  for (const link of data.successions) {
    if (corrected.has(link.predecessorCode)) continue
    await tx
      .insert(unitSuccessions)
      .values(link)
      .onConflictDoUpdate({
        target: [unitSuccessions.predecessorCode, unitSuccessions.successorCode],
        set: { effectiveDate: link.effectiveDate, partial: link.partial, confirmed: link.confirmed },
        setWhere: eq(unitSuccessions.source, 'reference'),
      })
  }
}

export async function getUnitRow(db: Executor, code: string): Promise<UnitRow | undefined> {
  const [row] = await db.select().from(units).where(eq(units.code, code))
  return row
}

export async function insertUnit(tx: Executor, values: typeof units.$inferInsert): Promise<UnitRow> {
  const [row] = await tx.insert(units).values(values).returning()
  return row!
}

/** Applies an administrator's correction when the stored version matches; the row becomes admin-owned. */
export async function updateUnit(
  tx: Executor,
  code: string,
  expectedVersion: number,
  changes: Partial<typeof units.$inferInsert>,
  now: Date,
): Promise<UnitRow | undefined> {
  const [row] = await tx
    .update(units)
    .set({ ...changes, source: 'admin', version: sql`${units.version} + 1`, updatedAt: now })
    .where(and(eq(units.code, code), eq(units.version, expectedVersion)))
    .returning()
  return row
}

/* ---------------------------------------------------------------- categories, effective-dated */

export type UnitCategoryRow = typeof unitCategories.$inferSelect

/**
 * The reference category of each ward, in force from its first day and recognised by its parent (the
 * district before the 2025 reform, the city after). An administrator's entry on that date is left alone.
 */
async function applyReferenceCategories(tx: Executor, data: UnitsData): Promise<void> {
  for (const unit of data.units) {
    if (unit.level !== 'ward' || unit.category === null) continue
    const values = {
      unitCode: unit.code,
      validFrom: unit.validFrom,
      category: unit.category,
      recognisingUnitCode: unit.parentCode,
      setBy: null,
      note: `units reference ${data.version}`,
    }
    await tx
      .insert(unitCategories)
      .values(values)
      .onConflictDoUpdate({
        target: [unitCategories.unitCode, unitCategories.validFrom],
        set: { category: values.category, recognisingUnitCode: values.recognisingUnitCode, note: values.note },
        setWhere: isNull(unitCategories.setBy),
      })
  }
}

/** The column of the entry in force on `date` for the unit of the current `units` row. */
function inForce(column: SQL | typeof unitCategories.category, date: string | SQL): SQL {
  return sql`(select ${column} from ${unitCategories}
    where ${unitCategories.unitCode} = ${units.code} and ${unitCategories.validFrom} <= ${date}
    order by ${unitCategories.validFrom} desc limit 1)`
}

/** A unit's category in force on `date`; the units column for a unit the history does not hold. */
export function categoryOn(date: string | SQL): SQL<string | null> {
  return sql<string | null>`coalesce(${inForce(unitCategories.category, date)}, ${units.category})`
}

/** The unit that recognises a ward on `date`; its parent when the history names none. */
export function recognisingUnitOn(date: string | SQL): SQL<string | null> {
  return sql<string | null>`coalesce(${inForce(sql`${unitCategories.recognisingUnitCode}`, date)}, ${units.parentCode})`
}

/** A unit's category history, oldest first. */
export async function categoryHistory(db: Executor, code: string): Promise<UnitCategoryRow[]> {
  return db
    .select()
    .from(unitCategories)
    .where(eq(unitCategories.unitCode, code))
    .orderBy(asc(unitCategories.validFrom))
}

/** Adds an entry to a unit's history; an entry on the same date is replaced. */
export async function putUnitCategory(
  tx: Executor,
  values: typeof unitCategories.$inferInsert,
): Promise<UnitCategoryRow> {
  const { unitCode: _unit, validFrom: _from, ...changes } = values
  const [row] = await tx
    .insert(unitCategories)
    .values(values)
    .onConflictDoUpdate({ target: [unitCategories.unitCode, unitCategories.validFrom], set: changes })
    .returning()
  return row!
}

/** A unit and every unit above it, nearest first (the ward's possible recognising units). */
export async function unitWithAncestors(db: Executor, code: string): Promise<UnitRow[]> {
  const chain: UnitRow[] = []
  let next: string | null = code
  for (let depth = 0; next !== null && depth < 10; depth++) {
    const row = await getUnitRow(db, next)
    if (!row) break
    chain.push(row)
    next = row.parentCode
  }
  return chain
}

/** A unit's category and recognising unit in force on `date` (undefined for an unknown unit). */
export async function classificationOn(
  db: Executor,
  code: string,
  date: string,
): Promise<{ category: string | null; recognisingUnitCode: string | null } | undefined> {
  const [row] = await db
    .select({ category: categoryOn(date), recognisingUnitCode: recognisingUnitOn(date) })
    .from(units)
    .where(eq(units.code, code))
  return row
}

export type UnitGroupRow = typeof unitGroups.$inferSelect

export function listUnitGroups(db: Executor): Promise<UnitGroupRow[]> {
  return db.select().from(unitGroups).orderBy(asc(unitGroups.code))
}

/** A group, locked for the rest of the transaction when `forUpdate`. */
export async function getUnitGroup(
  db: Executor,
  code: string,
  options: { forUpdate?: boolean } = {},
): Promise<UnitGroupRow | undefined> {
  const query = db.select().from(unitGroups).where(eq(unitGroups.code, code))
  const [row] = await (options.forUpdate ? query.for('update') : query)
  return row
}

/** Creates the group, or replaces it with its version one up. */
export async function saveUnitGroup(
  tx: Executor,
  values: Omit<UnitGroupRow, 'version'>,
  current: UnitGroupRow | undefined,
): Promise<UnitGroupRow> {
  const [row] = current
    ? await tx
        .update(unitGroups)
        .set({ ...values, version: current.version + 1 })
        .where(eq(unitGroups.code, values.code))
        .returning()
    : await tx
        .insert(unitGroups)
        .values({ ...values, version: 1 })
        .returning()
  return row!
}

export async function deleteUnitGroup(tx: Executor, code: string): Promise<void> {
  await tx.delete(unitGroups).where(eq(unitGroups.code, code))
}

/** Every unit's level by code, to check a group's members against. */
export async function unitLevelsByCode(db: Executor): Promise<Map<string, { level: UnitLevel }>> {
  const rows = await db.select({ code: units.code, level: units.level }).from(units)
  return new Map(rows.map((row) => [row.code, { level: row.level }]))
}

export async function unitHasReports(db: Executor, code: string): Promise<boolean> {
  const rows = await db.select({ id: reports.id }).from(reports).where(eq(reports.unitCode, code)).limit(1)
  return rows.length > 0
}
