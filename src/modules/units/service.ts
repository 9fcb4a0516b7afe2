/**
 * The administrative units as the routes serve them: listing and reading units, adding a residential
 * group under a ward, correcting a unit. Units are reference data, not personal data: the writes run in
 * plain transactions with their audit event, and drop the principal directory's unit tree, so
 * jurisdictions follow at once.
 */
import type { FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import type { Executor } from '../../db/client.js'
import { audit } from '../../platform/audit.js'
import { staleVersion } from '../../platform/concurrency.js'
import { decodeCursor, toPage } from '../../platform/pagination.js'
import { conflict, HttpProblem, notFound, unprocessable, type FieldError } from '../../platform/problem.js'
import { coversUnit } from '../../platform/scope.js'
import { localDateOf } from '../calendar/rules.js'
import {
  classificationOn,
  getUnit,
  getUnitGroup,
  getUnitRow,
  insertUnit,
  listUnits,
  updateUnit,
  type UnitRow,
} from './repository.js'
import type { CreateUnitBody, ListUnitsQuery, UpdateUnitBody } from './schemas.js'

export async function unitPage(db: Executor, query: Static<typeof ListUnitsQuery>, today: string) {
  const { limit = 50, cursor, level, parent, asOf } = query
  const after = decodeCursor(cursor, ['text'])?.[0]
  const rows = await listUnits(db, {
    level,
    parent,
    asOf,
    after: after === undefined ? undefined : String(after),
    limit: limit + 1,
    today,
  })
  return toPage(rows, limit, (unit) => [unit.code])
}

/** A unit with its predecessor and successor links, and its version; its category is today's. */
export async function readUnit(db: Executor, code: string, today: string) {
  const [unit, row] = await Promise.all([getUnit(db, code, today), getUnitRow(db, code)])
  if (!unit || !row) throw notFound('Unit', code)
  return { unit, version: row.version }
}

/** What is wrong with a new residential group: its parent must be a ward, and its validity within the ward's. */
function groupProblems(body: Static<typeof CreateUnitBody>, parent: UnitRow | undefined): FieldError[] {
  const problems: FieldError[] = []
  if (!parent || parent.level !== 'ward') {
    problems.push({
      location: 'body',
      pointer: '/parentCode',
      message: 'must be the code of a ward',
      code: 'invalid_parent',
    })
  } else if (body.validFrom < parent.validFrom || (parent.validTo !== null && body.validFrom > parent.validTo)) {
    problems.push({
      location: 'body',
      pointer: '/validFrom',
      message: 'must fall within the ward’s validity',
      code: 'outside_parent_validity',
    })
  }
  if (body.validTo !== undefined && body.validTo < body.validFrom) {
    problems.push({
      location: 'body',
      pointer: '/validTo',
      message: 'must not be before validFrom',
      code: 'invalid_range',
    })
  }
  return problems
}

/**
 * 403 unless the caller's jurisdiction covers the unit whole: an administrator of one ward manages that
 * ward, its groups and the abolished wards it succeeded, not its neighbours nor the city.
 */
export async function requireUnitManagedBy(request: FastifyRequest, code: string): Promise<void> {
  const caller = request.principal
  const tree = await request.server.accounts.principals.unitTree()
  if (!caller || !coversUnit(tree, caller.scope, code)) {
    throw new HttpProblem(403, 'unit_out_of_scope', `Your jurisdiction does not cover all of unit ${code}.`, {
      extensions: { unitCode: code },
    })
  }
}

/** Adds a residential group (tổ dân phố) under a ward of the caller's jurisdiction. */
export async function addResidentialGroup(
  request: FastifyRequest,
  body: Static<typeof CreateUnitBody>,
): Promise<UnitRow> {
  const { database, clock, accounts } = request.server
  const parent = await getUnitRow(database.db, body.parentCode)
  const problems = groupProblems(body, parent)
  if (problems.length > 0 || !parent) throw unprocessable('invalid_unit', 'The unit cannot be added.', problems)
  await requireUnitManagedBy(request, parent.code)
  if ((await getUnitRow(database.db, body.code)) || (await getUnitGroup(database.db, body.code)))
    throw conflict('unit_exists', `A unit or group of wards with code ${body.code} already exists.`)
  const now = clock.now()
  const row = await database.db.transaction(async (tx) => {
    const created = await insertUnit(tx, {
      code: body.code,
      officialCode: body.officialCode ?? null,
      nameVi: body.nameVi,
      nameEn: body.nameEn ?? null,
      level: 'residential_group',
      parentCode: parent.code,
      provinceCode: parent.provinceCode,
      category: null,
      validFrom: body.validFrom,
      validTo: body.validTo ?? null,
      confirmed: true,
      source: 'admin',
      createdAt: now,
      updatedAt: now,
    })
    await audit(tx, request, {
      action: 'unit.create',
      resourceType: 'unit',
      resourceId: created.code,
      unitCode: parent.code,
      outcome: 'success',
    })
    return created
  })
  accounts.principals.invalidateUnits()
  return row
}

/**
 * Corrects a unit of the caller's jurisdiction at `expectedVersion`; the unit is then the administrators',
 * kept from reference updates.
 */
export async function correctUnit(
  request: FastifyRequest,
  code: string,
  body: Static<typeof UpdateUnitBody>,
  expectedVersion: number,
): Promise<UnitRow> {
  const { database, clock, accounts } = request.server
  const current = await getUnitRow(database.db, code)
  if (!current) throw notFound('Unit', code)
  await requireUnitManagedBy(request, code)
  if (body.validTo && body.validTo < current.validFrom) {
    throw unprocessable('invalid_unit', 'validTo is before the unit’s validFrom.', [
      { location: 'body', pointer: '/validTo', message: 'must not be before validFrom', code: 'invalid_range' },
    ])
  }
  const row = await database.db.transaction(async (tx) => {
    const updated = await updateUnit(tx, current.code, expectedVersion, body, clock.now())
    if (updated) {
      await audit(tx, request, {
        action: 'unit.update',
        resourceType: 'unit',
        resourceId: current.code,
        unitCode: current.code,
        outcome: 'success',
        details: { fields: Object.keys(body).sort() },
      })
    }
    return updated
  })
  if (!row) throw staleVersion(current.version)
  accounts.principals.invalidateUnits()
  const today = (await classificationOn(database.db, code, localDateOf(clock.now())))?.category
  return { ...row, category: today ?? row.category }
}
