import { and, asc, eq, gt, gte, isNull, lte, or, sql, type SQL } from 'drizzle-orm'
import type { Executor } from '../../db/client.js'
import type { UnitNode } from '../../platform/scope.js'
import type { UnitsData } from '../../reference/index.js'
import type { Unit } from './schemas.js'
import { unitSuccessions, units, type UnitLevel } from './tables.js'

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

export async function listUnits(
  db: Executor,
  filter: { level?: UnitLevel; parent?: string; asOf?: string; after?: string; limit: number },
): Promise<Unit[]> {
  const conditions: SQL[] = []
  if (filter.level) conditions.push(eq(units.level, filter.level))
  if (filter.parent) conditions.push(eq(units.parentCode, filter.parent))
  if (filter.asOf) conditions.push(validOn(filter.asOf))
  if (filter.after !== undefined) conditions.push(gt(units.code, filter.after))
  const rows = await db
    .select()
    .from(units)
    .where(and(...conditions))
    .orderBy(asc(units.code))
    .limit(filter.limit)
  return rows.map(toUnit)
}

export async function getUnit(db: Executor, code: string): Promise<Unit | undefined> {
  const [row] = await db.select().from(units).where(eq(units.code, code))
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
  return db.select({ code: units.code, level: units.level, parentCode: units.parentCode }).from(units)
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
  for (const link of data.successions) {
    await tx
      .insert(unitSuccessions)
      .values(link)
      .onConflictDoUpdate({
        target: [unitSuccessions.predecessorCode, unitSuccessions.successorCode],
        set: { effectiveDate: link.effectiveDate, partial: link.partial, confirmed: link.confirmed },
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
