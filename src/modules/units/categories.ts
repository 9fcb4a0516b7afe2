/**
 * A ward's category and recognising unit as effective-dated data: the history, and an administrator's
 * change from a date. Categories are reference data, not personal data: the write runs in a plain
 * transaction with its audit event. What is in force on a date is read through `classificationOn`.
 */
import type { FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import type { Executor } from '../../db/client.js'
import { audit } from '../../platform/audit.js'
import { notFound, unprocessable } from '../../platform/problem.js'
import { unitCategoryKinds } from '../../reference/unit-categories.js'
import { categoryChangeProblems, entryInForce, withValidTo } from './category-rules.js'
import {
  categoryHistory,
  classificationOn,
  getUnitRow,
  putUnitCategory,
  unitWithAncestors,
  type UnitCategoryRow,
} from './repository.js'
import type { SetUnitCategoryBody, UnitCategoryEntry } from './schemas.js'
import { requireUnitManagedBy } from './service.js'

function toEntry(row: UnitCategoryRow & { validTo: string | null }): UnitCategoryEntry {
  const kind = unitCategoryKinds().find((k) => k.code === row.category)
  return {
    unitCode: row.unitCode,
    category: row.category,
    categoryNameVi: kind?.nameVi ?? null,
    categoryNameEn: kind?.nameEn ?? null,
    decision06Class: kind?.decision06Class ?? null,
    recognisingUnitCode: row.recognisingUnitCode,
    validFrom: row.validFrom,
    validTo: row.validTo,
    setBy: row.setBy,
    setAt: row.setAt.toISOString(),
    note: row.note,
  }
}

/** A unit's category history, oldest first, each entry with its last day; 404 for an unknown unit. */
export async function unitCategoryHistory(db: Executor, code: string) {
  if (!(await getUnitRow(db, code))) throw notFound('Unit', code)
  return { unitCode: code, items: withValidTo(await categoryHistory(db, code)).map(toEntry) }
}

/**
 * Gives a ward a category (and its recognising unit) from a date; an entry on the same date is replaced.
 * Without `recognisingUnitCode` the unit in force on that date keeps recognising the ward.
 */
export async function setUnitCategory(
  request: FastifyRequest,
  code: string,
  body: Static<typeof SetUnitCategoryBody>,
): Promise<{ entry: UnitCategoryEntry; replaced: boolean }> {
  const { database, clock } = request.server
  const [unit, ...ancestors] = await unitWithAncestors(database.db, code)
  if (!unit) throw notFound('Unit', code)
  await requireUnitManagedBy(request, code)
  const known = unitCategoryKinds().map((k) => k.code)
  const problems = categoryChangeProblems(unit, body, known, ancestors)
  if (problems.length > 0) throw unprocessable('invalid_unit_category', 'The category cannot be set.', problems)
  const history = await categoryHistory(database.db, code)
  const recognisingUnitCode =
    body.recognisingUnitCode ?? (await classificationOn(database.db, code, body.validFrom))?.recognisingUnitCode ?? null
  const replaced = history.some((entry) => entry.validFrom === body.validFrom)
  const now = clock.now()
  const row = await database.db.transaction(async (tx) => {
    const saved = await putUnitCategory(tx, {
      unitCode: code,
      validFrom: body.validFrom,
      category: body.category,
      recognisingUnitCode,
      setBy: request.principal?.id ?? null,
      setAt: now,
      note: body.note ?? null,
    })
    await audit(tx, request, {
      action: 'unit.category.set',
      resourceType: 'unit',
      resourceId: code,
      unitCode: code,
      outcome: 'success',
      details: {
        category: body.category,
        validFrom: body.validFrom,
        recognisingUnitCode,
        replaced,
        previous: entryInForce(history, body.validFrom)?.category ?? null,
      },
    })
    return saved
  })
  const after = withValidTo([...history.filter((e) => e.validFrom !== row.validFrom), row])
  return { entry: toEntry(after.find((e) => e.validFrom === row.validFrom)!), replaced }
}
