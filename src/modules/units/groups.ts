/**
 * Named groups of wards for consolidation: an administrator defines one (e.g. "the wards of former Hoàng
 * Mai district"), and figures and reports can then be asked for it by its code as for a district. Groups
 * are reference data, not personal data: writes run in a plain transaction with their audit event. An
 * administrator defines a group of wards within their own jurisdiction only.
 */
import type { FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import type { Executor } from '../../db/client.js'
import { audit } from '../../platform/audit.js'
import { staleVersion } from '../../platform/concurrency.js'
import { conflict, HttpProblem, notFound, unprocessable } from '../../platform/problem.js'
import { isUnitInScope } from '../../platform/scope.js'
import { unitGroupProblems } from './group-rules.js'
import {
  deleteUnitGroup,
  getUnitGroup,
  listUnitGroups,
  saveUnitGroup,
  unitLevelsByCode,
  unitHasReports,
  type UnitGroupRow,
} from './repository.js'
import type { PutUnitGroupBody } from './schemas.js'

function toUnitGroup(row: UnitGroupRow) {
  return {
    code: row.code,
    nameVi: row.nameVi,
    nameEn: row.nameEn,
    wardCodes: row.wardCodes,
    version: row.version,
    updatedAt: row.updatedAt.toISOString(),
    updatedBy: row.updatedBy,
  }
}

export async function unitGroupList(db: Executor) {
  return { items: (await listUnitGroups(db)).map(toUnitGroup), nextCursor: null }
}

export async function readUnitGroup(db: Executor, code: string) {
  const row = await getUnitGroup(db, code)
  if (!row) throw notFound('Unit group', code)
  return toUnitGroup(row)
}

function callerOf(request: FastifyRequest) {
  if (!request.principal) throw new Error('unit groups are managed by an authenticated principal')
  return request.principal
}

/** 403 unless the caller's jurisdiction covers every ward named. */
function requireWardsInScope(request: FastifyRequest, wards: readonly string[]) {
  const outside = wards.filter((ward) => !isUnitInScope(callerOf(request).scope, ward, null))
  if (outside.length > 0) {
    throw new HttpProblem(403, 'unit_out_of_scope', 'Your jurisdiction does not cover every ward of the group.', {
      extensions: { wardCodes: outside },
    })
  }
}

/**
 * Creates a group (no If-Match) or replaces one (If-Match with its version). The caller's jurisdiction
 * must cover the wards of the group before and after.
 */
export async function putUnitGroup(
  request: FastifyRequest,
  code: string,
  body: Static<typeof PutUnitGroupBody>,
  expectedVersion: number | undefined,
) {
  const { database, clock } = request.server
  const problems = unitGroupProblems(code, body, await unitLevelsByCode(database.db))
  if (problems.length > 0) throw unprocessable('invalid_unit_group', 'The group of wards cannot be saved.', problems)
  requireWardsInScope(request, body.wardCodes)
  const row = await database.db.transaction(async (tx) => {
    const current = await getUnitGroup(tx, code, { forUpdate: true })
    if (current && expectedVersion === undefined) {
      throw new HttpProblem(428, 'precondition_required', 'Send If-Match with the ETag of the group you are changing.')
    }
    if (current && current.version !== expectedVersion) throw staleVersion(current.version)
    if (!current && expectedVersion !== undefined) {
      throw new HttpProblem(
        412,
        'version_mismatch',
        `No group has the code ${code} yet; send no If-Match to create it.`,
      )
    }
    if (current) requireWardsInScope(request, current.wardCodes)
    const wardCodes = [...body.wardCodes].sort()
    if (current && wardCodes.join() !== [...current.wardCodes].sort().join() && (await unitHasReports(tx, code))) {
      // A report's readers are those who hold every ward of its unit: its wards stay as they were.
      throw conflict('unit_group_has_reports', `Reports were made for ${code}: its wards can no longer change.`)
    }
    const saved = await saveUnitGroup(
      tx,
      {
        code,
        nameVi: body.nameVi,
        nameEn: body.nameEn ?? null,
        wardCodes,
        updatedAt: clock.now(),
        updatedBy: callerOf(request).id,
      },
      current,
    )
    await audit(tx, request, {
      action: current ? 'unit_group.update' : 'unit_group.create',
      resourceType: 'unit_group',
      resourceId: code,
      outcome: 'success',
      details: { version: saved.version, before: current?.wardCodes ?? [], after: saved.wardCodes },
    })
    return saved
  })
  return toUnitGroup(row)
}

/** Deletes a group (If-Match); reports already made for it keep it, so a group with reports stays. */
export async function removeUnitGroup(request: FastifyRequest, code: string, expectedVersion: number) {
  await request.server.database.db.transaction(async (tx) => {
    const current = await getUnitGroup(tx, code, { forUpdate: true })
    if (!current) throw notFound('Unit group', code)
    requireWardsInScope(request, current.wardCodes)
    if (current.version !== expectedVersion) throw staleVersion(current.version)
    if (await unitHasReports(tx, code)) {
      throw conflict('unit_group_has_reports', `Reports were made for ${code}: the group is kept for them.`)
    }
    await deleteUnitGroup(tx, code)
    await audit(tx, request, {
      action: 'unit_group.delete',
      resourceType: 'unit_group',
      resourceId: code,
      outcome: 'success',
      details: { version: current.version, wards: current.wardCodes },
    })
  })
}
