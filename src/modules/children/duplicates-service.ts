/**
 * Duplicate records: the candidate pairs in the caller's units, and merging a duplicate into the child
 * that survives, as scoped work (platform/work.ts).
 */
import type { Static } from 'typebox'
import { staleVersion } from '../../platform/concurrency.js'
import { decodeCursor, toPage } from '../../platform/pagination.js'
import { HttpProblem, notFound, unprocessable } from '../../platform/problem.js'
import type { Work } from '../../platform/work.js'
import { unitFilterScope } from '../units/tree.js'
import {
  getChildParts,
  getChildRow,
  listDuplicatePairs,
  moveChildParts,
  updateChild,
  type ChildRow,
} from './repository.js'
import { moveConsents } from './consent-repository.js'
import { processesUnderDuty } from './consent-service.js'
import type { DuplicatesQuery, MergeBody } from './schemas.js'
import { childView, recordRevision } from './service.js'
import type { FieldChange } from './tables.js'

/** The fields a survivor takes from its duplicate when it has none of its own. */
const trackedOnMerge = [
  'dateOfBirth',
  'birthYear',
  'ethnicityCode',
  'personalId',
  'birthRegistered',
  'schoolingStatus',
  'householdId',
  'relationshipToHead',
  'residentialGroupCode',
  'streetAddress',
] as const

/** A page of candidate duplicate pairs in the caller's units; audited. */
export async function duplicatePage(work: Work, query: Static<typeof DuplicatesQuery>) {
  // Pairs show both children's names and birth dates: registry upkeep, for those who hold the registry.
  if (!processesUnderDuty(work.principal))
    throw new HttpProblem(
      403,
      'forbidden',
      "Listing likely duplicates is the registry's upkeep: it needs registry:statutory.",
      { extensions: { requiredPermission: 'registry:statutory' } },
    )
  const { limit = 50, cursor, unit } = query
  const after = decodeCursor(cursor, ['uuid', 'uuid']) as [string, string] | undefined
  const unitScope = unitFilterScope(await work.unitTree(), unit)
  const pairs = await listDuplicatePairs(work.tx, work.scope, { unitScope, after, limit: limit + 1 })
  const page = toPage(pairs, limit, (pair) => [pair.first.id, pair.second.id])
  await work.audit({
    action: 'child.duplicates',
    resourceType: 'child',
    outcome: 'success',
    details: { count: page.items.length },
  })
  return page
}

/** What the survivor lacks and the duplicate has, with the changes it makes to the survivor. */
function takenFrom(survivor: ChildRow, duplicate: ChildRow): { taken: Partial<ChildRow>; changes: FieldChange[] } {
  const taken: Partial<ChildRow> = {}
  const changes: FieldChange[] = []
  for (const field of trackedOnMerge) {
    const value = duplicate[field]
    if ((survivor[field] === null || survivor[field] === undefined) && value !== null && value !== undefined) {
      Object.assign(taken, { [field]: value })
      changes.push({ field, from: null, to: value })
    }
  }
  return { taken, changes }
}

/**
 * Merges a duplicate (at the version the caller reviewed) into the child `id`: its parts move, the
 * fields the survivor lacks are taken, and the duplicate stays as a tombstone pointing here.
 */
export async function mergeChildren(work: Work, id: string, body: Static<typeof MergeBody>) {
  const { duplicateId, duplicateVersion, reason } = body
  if (duplicateId === id) {
    throw unprocessable('invalid_merge', 'A child cannot be merged into itself.', [
      {
        location: 'body',
        pointer: '/duplicateId',
        message: 'must differ from the surviving child',
        code: 'same_child',
      },
    ])
  }
  const survivor = await getChildRow(work.tx, work.scope, id)
  const duplicate = await getChildRow(work.tx, work.scope, duplicateId)
  if (!survivor) throw notFound('Child', id)
  if (!duplicate) throw notFound('Child', duplicateId)
  if (duplicate.version !== duplicateVersion) throw staleVersion(duplicate.version)
  const { taken, changes } = takenFrom(survivor, duplicate)
  // The personal ID is unique among live records: release it from the duplicate before taking it.
  const tombstone = await updateChild(work.tx, work.scope, duplicateId, duplicate.version, {
    deletedAt: work.now,
    deletedReason: reason ?? `merged into ${id}`,
    mergedInto: id,
    personalId: taken.personalId ? null : duplicate.personalId,
    updatedAt: work.now,
    updatedBy: work.principal.id,
  })
  const moved = {
    ...(await moveChildParts(work.tx, duplicateId, survivor)),
    consents: await moveConsents(work.tx, duplicateId, id),
  }
  const merged = await updateChild(work.tx, work.scope, id, survivor.version, {
    ...taken,
    ...(taken.dateOfBirth ? { birthDatePrecision: duplicate.birthDatePrecision } : {}),
    updatedAt: work.now,
    updatedBy: work.principal.id,
  })
  // Thrown, not returned: the tombstone and the moved parts roll back with it.
  if (!merged || !tombstone) throw staleVersion(survivor.version)
  await recordRevision(work, merged, {
    action: 'merge',
    changes: [{ field: 'mergedFrom', from: null, to: duplicateId }, ...changes],
    reason: reason ?? null,
  })
  await recordRevision(work, tombstone, {
    action: 'merged_into',
    changes: [{ field: 'mergedInto', from: null, to: id }],
    reason: reason ?? null,
  })
  await work.audit({
    action: 'child.merge',
    resourceType: 'child',
    resourceId: id,
    unitCode: merged.wardCode,
    outcome: 'success',
    details: { duplicateId, moved, fields: changes.map((c) => c.field) },
  })
  return childView(work, merged, await getChildParts(work.tx, id))
}
