/**
 * The household child book: opening, reading, listing and changing households, as scoped work (each
 * function runs in the caller's transaction and scope; see platform/work.ts) that the routes call.
 */
import { randomUUID } from 'node:crypto'
import type { Static } from 'typebox'
import { staleVersion } from '../../platform/concurrency.js'
import { decodeCursor, toPage } from '../../platform/pagination.js'
import { notFound, unprocessable, type FieldError } from '../../platform/problem.js'
import { refuse, type Refusal, type Work } from '../../platform/work.js'
import { childAgeLimitYears, foldName } from '../children/rules.js'
import { sharingConsentDay } from '../children/consent-service.js'
import { addressProblems, placementFor, provinceOfUnit, unitFilterScope } from '../units/tree.js'
import {
  getHouseholdRow,
  householdChildren,
  insertHousehold,
  listHouseholds,
  updateHousehold,
  type HouseholdRow,
} from './repository.js'
import type { CreateHouseholdBody, ListHouseholdsQuery, UpdateHouseholdBody } from './schemas.js'
import type { HouseholdMember } from './tables.js'

type MemberInput = NonNullable<Static<typeof CreateHouseholdBody>['members']>[number]

function toMembers(input: MemberInput[]): HouseholdMember[] {
  return input.map((member) => ({
    id: member.id ?? randomUUID(),
    fullName: member.fullName.trim(),
    birthYear: member.birthYear ?? null,
    sex: member.sex ?? 'unknown',
    relationship: member.relationship,
  }))
}

/**
 * The household book's members a reader without the authorities' own duty may see, on `sharingDay`:
 * those known to be adults. A member who may be a child (of unknown birth year, or born so recently
 * that they may not have turned 16) is a child's record by another name, which needs the family's
 * consent to sharing.
 */
function membersShown(members: HouseholdRow['members'], sharingDay: string | undefined) {
  if (sharingDay === undefined) return members
  // Born in year Y, a member is at least 16 all through year Y + 17 (a birthday late in Y is still to come in Y + 16).
  const latestAdultBirthYear = Number(sharingDay.slice(0, 4)) - (childAgeLimitYears + 1)
  return members.filter((member) => member.birthYear !== null && member.birthYear <= latestAdultBirthYear)
}

/** A household as the API shows it (HouseholdSchema); `sharingDay` for a reader without the duty (membersShown). */
export function toHousehold(row: HouseholdRow, sharingDay?: string) {
  return {
    id: row.id,
    headName: row.headName,
    address: {
      provinceCode: row.provinceCode,
      wardCode: row.wardCode,
      residentialGroupCode: row.residentialGroupCode,
      streetAddress: row.streetAddress,
    },
    poverty: { status: row.povertyStatus, from: row.povertyFrom, to: row.povertyTo },
    members: membersShown(row.members, sharingDay),
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}

function povertyProblems(
  poverty: { status: string; from?: string | null; to?: string | null } | undefined,
): FieldError[] {
  if (poverty?.from && poverty.to && poverty.to < poverty.from) {
    return [{ location: 'body', pointer: '/poverty/to', message: 'must not be before from', code: 'invalid_range' }]
  }
  return []
}

const headNameOf = (name: string) => name.trim().replace(/\s+/g, ' ')

export async function openHousehold(
  work: Work,
  body: Static<typeof CreateHouseholdBody>,
  backfill = false,
): Promise<HouseholdRow> {
  const tree = await work.unitTree()
  const placement = placementFor(work, backfill)
  const problems = [...addressProblems(tree, work.scope, body.address, placement), ...povertyProblems(body.poverty)]
  if (problems.length > 0) throw unprocessable('invalid_record', 'The household cannot be opened.', problems)
  const created = await insertHousehold(work.tx, {
    provinceCode: provinceOfUnit(tree, body.address.wardCode),
    wardCode: body.address.wardCode,
    residentialGroupCode: body.address.residentialGroupCode ?? null,
    streetAddress: body.address.streetAddress ?? null,
    headName: headNameOf(body.headName),
    povertyStatus: body.poverty?.status ?? 'none',
    povertyFrom: body.poverty?.from ?? null,
    povertyTo: body.poverty?.to ?? null,
    members: toMembers(body.members ?? []),
    source: body.source ?? null,
    externalId: body.externalId ?? null,
    createdAt: work.now,
    updatedAt: work.now,
    createdBy: work.principal.id,
    updatedBy: work.principal.id,
  })
  await work.audit({
    action: 'household.create',
    resourceType: 'household',
    resourceId: created.id,
    unitCode: created.wardCode,
    outcome: 'success',
    ...(placement.historyAllowed ? { details: { backfill: true } } : {}),
  })
  return created
}

export async function householdPage(work: Work, query: Static<typeof ListHouseholdsQuery>) {
  const { limit = 50, cursor, unit, poverty, q, residentialGroup } = query
  const rows = await listHouseholds(work.tx, work.scope, {
    unitScope: unitFilterScope(await work.unitTree(), unit),
    residentialGroup,
    povertyStatus: poverty,
    q: q === undefined ? undefined : foldName(q),
    after: decodeCursor(cursor, ['text', 'uuid']) as [string, string] | undefined,
    limit: limit + 1,
  })
  const page = toPage(rows, limit, (row) => [row.headNameFolded ?? '', row.id])
  await work.audit({
    action: q ? 'household.search' : 'household.list',
    resourceType: 'household',
    outcome: 'success',
    details: {
      filters: Object.keys(query)
        .filter((key) => key !== 'cursor' && key !== 'limit')
        .sort(),
      count: page.items.length,
    },
  })
  const sharingDay = sharingConsentDay(work)
  return { items: page.items.map((row) => toHousehold(row, sharingDay)), nextCursor: page.nextCursor }
}

export async function readHousehold(work: Work, id: string) {
  const row = await getHouseholdRow(work.tx, work.scope, id)
  await work.audit({
    action: 'household.read',
    resourceType: 'household',
    resourceId: id,
    unitCode: row?.wardCode ?? null,
    outcome: row ? 'success' : 'not_found',
  })
  if (!row) return refuse(notFound('Household', id))
  const sharingDay = sharingConsentDay(work)
  return {
    row,
    view: { ...toHousehold(row, sharingDay), children: await householdChildren(work.tx, work.scope, id, sharingDay) },
  }
}

export async function changeHousehold(
  work: Work,
  id: string,
  body: Static<typeof UpdateHouseholdBody>,
  expectedVersion: number,
): Promise<HouseholdRow | Refusal> {
  const tree = await work.unitTree()
  const current = await getHouseholdRow(work.tx, work.scope, id)
  if (!current) throw notFound('Household', id)
  const problems = [
    ...(body.address ? addressProblems(tree, work.scope, body.address, placementFor(work, false, current)) : []),
    ...povertyProblems(body.poverty),
  ]
  if (problems.length > 0) throw unprocessable('invalid_record', 'The change cannot be saved.', problems)
  const updated = await updateHousehold(work.tx, work.scope, id, expectedVersion, {
    ...(body.headName !== undefined ? { headName: headNameOf(body.headName) } : {}),
    ...(body.address
      ? {
          provinceCode: provinceOfUnit(tree, body.address.wardCode),
          wardCode: body.address.wardCode,
          residentialGroupCode: body.address.residentialGroupCode ?? null,
          streetAddress: body.address.streetAddress ?? null,
        }
      : {}),
    ...(body.poverty
      ? {
          povertyStatus: body.poverty.status,
          povertyFrom: body.poverty.from ?? null,
          povertyTo: body.poverty.to ?? null,
        }
      : {}),
    ...(body.members ? { members: toMembers(body.members) } : {}),
    updatedAt: work.now,
    updatedBy: work.principal.id,
  })
  if (!updated) throw staleVersion(current.version)
  await work.audit({
    action: 'household.update',
    resourceType: 'household',
    resourceId: id,
    unitCode: updated.wardCode,
    outcome: 'success',
    details: { fields: Object.keys(body).sort() },
  })
  return updated
}
