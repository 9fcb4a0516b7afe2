/**
 * The child's record: registering, listing and searching, reading, changing and deleting children, and
 * their history, as scoped work (each function runs in the caller's transaction and scope; see
 * platform/work.ts) that the routes call.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import { rowFromJson } from '../../db/json-rows.js'
import { writeTogether } from '../../db/together.js'
import { requestActor } from '../../platform/audit.js'
import { staleVersion } from '../../platform/concurrency.js'
import { decodeCursor, toPage } from '../../platform/pagination.js'
import { badRequest, conflict, notFound, type FieldError } from '../../platform/problem.js'
import type { Scope } from '../../platform/scope.js'
import { openedRows, refuse, scoped, type Work } from '../../platform/work.js'
import { localDateOf } from '../calendar/rules.js'
import { getHouseholdRow } from '../households/repository.js'
import { addressProblems, placementFor, provinceOfUnit, unitFilterScope, type Placement } from '../units/tree.js'
import { eventInsert, recordEvent } from '../webhooks/repository.js'
import { processesUnderDuty, sensitiveDataWarnings, sharingConsentDay, sharingRefusal } from './consent-service.js'
import { diffFields, redactChanges, sensitiveChildFields, trackedChildFields } from './history.js'
import {
  childIdWithPersonalId,
  ethnicityExists,
  findPossibleDuplicates,
  possibleDuplicatesFrom,
  possibleDuplicatesStatement,
  type DuplicateCandidate,
  getChildParts,
  getChildRow,
  childInsert,
  listChildren,
  listRevisions,
  readChildAudited,
  relocateChildParts,
  revisionInsert,
  updateChild,
  type ChildRow,
} from './repository.js'
import { foldName, normaliseBirth, personalIdWarnings, type RegistryWarning } from './rules.js'
import { searchCursorFits } from './search-rules.js'
import type { CreateChildBody, ListChildrenQuery, UpdateChildBody } from './schemas.js'
import {
  assertSensitiveWriteAllowed,
  birthProblems,
  canSeeSensitive,
  childView,
  groupFilter,
  invalid,
  recordRevision,
  revisionValues,
  toChild,
  toChildSummary,
  today,
} from './service.js'
import { children, type childRevisions } from './tables.js'

type CreateChildInput = Static<typeof CreateChildBody>
type UpdateChildInput = Static<typeof UpdateChildBody>

/** 409: the personal ID number belongs to another live child (named when the caller may see it). */
function personalIdTaken(existingId?: string) {
  return conflict(
    'personal_id_taken',
    'A child with this personal ID number is already registered.',
    existingId ? { existingId } : {},
  )
}

/** Unique violations of a registration, by constraint: a race lost to another request. */
export const registrationConflicts = {
  children_personal_id_key: () => personalIdTaken(),
  children_source_external_key: () =>
    conflict('external_id_taken', 'A child with this source and externalId already exists; import it to update it.'),
}

const personalIdTakenByAnother = () =>
  conflict('personal_id_taken', 'Another child already has this personal ID number.')

/** Unique violations of a change, by constraint. */
export const changeConflicts = { children_personal_id_key: personalIdTakenByAnother }

/** Checks that need the database or the clock; returns field errors, never throws. */
async function childProblems(
  work: Work,
  record: {
    dateOfBirth: string | null
    birthYear: number | null
    birthDatePrecision: 'exact' | 'month' | 'year'
    ethnicityCode?: string | null
    householdId?: string | null
    wardCode: string
    residentialGroupCode?: string | null
  },
  options: { checkAddress: boolean; isNew: boolean; placement: Placement },
): Promise<FieldError[]> {
  const problems: FieldError[] = []
  if (options.checkAddress) {
    problems.push(...addressProblems(await work.unitTree(), work.scope, record, options.placement))
  }
  problems.push(...birthProblems(record, today(work), options.isNew))
  if (record.ethnicityCode && !(await ethnicityExists(work.tx, record.ethnicityCode))) {
    problems.push({
      location: 'body',
      pointer: '/ethnicityCode',
      message: 'is not one of the 54 ethnic group codes',
      code: 'unknown_ethnicity',
    })
  }
  if (record.householdId && !(await getHouseholdRow(work.tx, work.scope, record.householdId))) {
    problems.push({
      location: 'body',
      pointer: '/householdId',
      message: 'is not a household in your units',
      code: 'unknown_household',
    })
  }
  return problems
}

function warningsFor(record: {
  personalId?: string | null
  dateOfBirth: string | null
  birthYear: number | null
  sex: 'male' | 'female' | 'unknown'
}): RegistryWarning[] {
  return record.personalId ? personalIdWarnings(record.personalId, record) : []
}

/** The sensitive fields a body writes: a null too, as clearing a value the caller cannot see is a write. */
function sensitiveFieldsIn(body: Partial<CreateChildInput>): string[] {
  return [...sensitiveChildFields].filter((field) => body[field as keyof CreateChildInput] !== undefined)
}

/** The sensitive values a body records (not a clearing, nor a "no disability"): what consent is asked for. */
function sensitiveValuesIn(body: Partial<CreateChildInput>): string[] {
  return sensitiveFieldsIn(body).filter((field) => {
    const value = body[field as keyof CreateChildInput]
    return value !== null && value !== false
  })
}

/** The outbox event for a child: full details here; readers get a view cut to their role. */
function childEvent(
  type: 'child.created' | 'child.updated',
  row: Pick<
    ChildRow,
    | 'id'
    | 'provinceCode'
    | 'wardCode'
    | 'residentialGroupCode'
    | 'fullName'
    | 'personalId'
    | 'dateOfBirth'
    | 'birthYear'
    | 'sex'
    | 'version'
  >,
  occurredAt: Date,
  extra: Record<string, unknown>,
) {
  return {
    type,
    occurredAt,
    unit: { provinceCode: row.provinceCode, wardCode: row.wardCode, residentialGroupCode: row.residentialGroupCode },
    resourceType: 'child',
    resourceId: row.id,
    data: {
      childId: row.id,
      fullName: row.fullName,
      personalId: row.personalId,
      dateOfBirth: row.dateOfBirth,
      birthYear: row.birthYear,
      sex: row.sex,
      wardCode: row.wardCode,
      residentialGroupCode: row.residentialGroupCode,
      version: row.version,
      ...extra,
    },
  }
}

/** The earliest birth date the search runs for: earlier ones are refused as no child's, and some no date PostgreSQL can hold. */
const earliestSearchedBirthDate = '1900-01-01'

function duplicateCandidate(body: CreateChildInput): DuplicateCandidate {
  const { dateOfBirth } = normaliseBirth(body)
  return {
    nameFolded: foldName(body.fullName),
    // The search opens the transaction, before the record's rules answer with their 422.
    dateOfBirth: dateOfBirth && dateOfBirth >= earliestSearchedBirthDate ? dateOfBirth : null,
    householdId: body.householdId?.toLowerCase() ?? null,
  }
}

/** What `registerChild`'s work opens with (`ScopedOptions.openWith`): the search for likely duplicates. */
export function registrationOpening(body: CreateChildInput): (scope: Scope) => string | undefined {
  return (scope) => possibleDuplicatesStatement(scope, duplicateCandidate(body))
}

/**
 * Registers a child, in work opened with `registrationOpening`: the record with its warnings and the likely
 * duplicates in the caller's units.
 */
export async function registerChild(work: Work, body: CreateChildInput, backfill = false) {
  assertSensitiveWriteAllowed(work.principal, sensitiveFieldsIn(body))
  const placement = placementFor(work, backfill)
  const birth = normaliseBirth(body)
  const problems = await childProblems(
    work,
    { ...body, ...birth, ...body.address },
    { checkAddress: true, isNew: true, placement },
  )
  if (problems.length > 0) throw invalid('The child cannot be registered.', problems)
  if (body.personalId) {
    const existingId = await childIdWithPersonalId(work.tx, work.scope, body.personalId)
    if (existingId) throw personalIdTaken(existingId)
  }
  const candidate = duplicateCandidate(body)
  const possibleDuplicates = candidate.dateOfBirth
    ? possibleDuplicatesFrom(openedRows(work, 'registrationOpening'), candidate)
    : []
  const tree = await work.unitTree()
  const unit = tree.find((u) => u.code === body.address.wardCode)
  const values = {
    id: randomUUID(),
    provinceCode: unit ? provinceOfUnit(tree, unit.code) : '',
    wardCode: body.address.wardCode,
    residentialGroupCode: body.address.residentialGroupCode ?? null,
    streetAddress: body.address.streetAddress ?? null,
    // As PostgreSQL stores a uuid: the revision and the event are written from these values.
    householdId: candidate.householdId,
    relationshipToHead: body.relationshipToHead ?? null,
    fullName: body.fullName.trim(),
    ...birth,
    sex: body.sex,
    ethnicityCode: body.ethnicityCode ?? null,
    personalId: body.personalId ?? null,
    birthRegistered: body.birthRegistered ?? null,
    schoolingStatus: body.schoolingStatus ?? null,
    hasDisability: body.hasDisability ?? false,
    disabilityNote: body.disabilityNote ?? null,
    healthNote: body.healthNote ?? null,
    caregivers: body.caregivers ?? [],
    source: body.source ?? null,
    externalId: body.externalId ?? null,
    createdAt: work.now,
    updatedAt: work.now,
    createdBy: work.principal.id,
    updatedBy: work.principal.id,
    // Given, not left to their defaults: the revision and the event below are written from these values.
    status: 'active' as const,
    version: 1,
  }
  const changes = diffFields<typeof children.$inferInsert>({}, values, trackedChildFields)
  // The child, its revision, the audit event and the outbox event in one round trip.
  const written = await writeTogether(work.tx, {
    writes: {
      child: childInsert(values),
      revision: revisionInsert(revisionValues(work, values, { action: 'create', changes })),
      announced: eventInsert(childEvent('child.created', values, work.now, { source: values.source })),
    },
    returning: ['child'],
    calls: [
      work.auditCall({
        action: 'child.create',
        resourceType: 'child',
        resourceId: values.id,
        unitCode: values.wardCode,
        outcome: 'success',
        ...(placement.historyAllowed ? { details: { backfill: true } } : {}),
      }),
    ],
  })
  const row = rowFromJson(children, written.child[0]!)
  return {
    ...childView(work, row, { circumstances: [], care: [], cards: [] }),
    warnings: [...warningsFor(row), ...(await sensitiveDataWarnings(work, row, sensitiveValuesIn(body), true))],
    possibleDuplicates,
  }
}

/**
 * What a retried registration answers: the child first registered, with its warnings and the likely
 * duplicates found again (the child itself aside).
 */
export async function replayedRegistration(work: Work, resource: unknown) {
  const child = resource as {
    id: string
    fullName: string
    dateOfBirth: string | null
    birthYear: number | null
    sex: 'male' | 'female' | 'unknown'
    personalId?: string | null
    householdId: string | null
  }
  const possibleDuplicates = await findPossibleDuplicates(work.tx, work.scope, {
    nameFolded: foldName(child.fullName),
    dateOfBirth: child.dateOfBirth,
    householdId: child.householdId,
    excludeId: child.id,
  })
  return { ...child, warnings: warningsFor(child), possibleDuplicates }
}

/** A page of children in the caller's units, by name or by closeness to `q`; audited as a list or a search. */
export async function childPage(work: Work, query: Static<typeof ListChildrenQuery>) {
  const { limit = 50, cursor, unit, group, q, asOf: requestedAsOf, ...rest } = query
  const sensitive = canSeeSensitive(work.principal)
  const groupCode = groupFilter(group, sensitive, { requiredPermission: 'registry:sensitive' })
  const asOf = requestedAsOf ?? today(work)
  const folded = q === undefined ? undefined : foldName(q)
  const filter = {
    ...rest,
    group: groupCode,
    q: folded,
    asOf,
    unitScope: unitFilterScope(await work.unitTree(), unit),
    sharingConsentOn: sharingConsentDay(work),
  }
  const after = decodeCursor(cursor, folded ? ['text', 'text', 'uuid'] : ['text', 'uuid'])
  if (folded && after && !searchCursorFits(String(after[0]), String(after[1])))
    throw badRequest('invalid_cursor', 'The cursor is not one this service issued for this list.', [
      { location: 'querystring', pointer: '/cursor', message: 'is not a valid cursor', code: 'invalid_cursor' },
    ])
  const rows = await listChildren(work.tx, work.scope, filter, { sensitive, after, limit: limit + 1 })
  const page = toPage(rows, limit, (row) =>
    row.match ? [row.match.tier, row.match.key, row.id] : [row.nameFolded ?? '', row.id],
  )
  await work.audit({
    action: folded ? 'child.search' : 'child.list',
    resourceType: 'child',
    outcome: 'success',
    details: {
      filters: Object.keys(query)
        .filter((key) => key !== 'cursor' && key !== 'limit')
        .sort(),
      count: page.items.length,
    },
  })
  return {
    items: page.items.map((row) =>
      row.match ? Object.assign(toChildSummary(row, asOf), { match: row.match.tier }) : toChildSummary(row, asOf),
    ),
    nextCursor: page.nextCursor,
  }
}

/**
 * A child's record, read and audited in one statement (`cps_read_child`: one round trip, one commit;
 * see readChildAudited) rather than as scoped work: it is the registry's hottest read, and the
 * statement sets the caller's scope itself, which an open transaction's settings would contend with.
 */
export async function readChild(request: FastifyRequest, id: string) {
  const principal = request.principal
  if (!principal) throw new Error('reading a child needs an authenticated principal')
  const now = request.server.clock.now()
  // A reader without the authorities' own duty is checked for consent first, in scoped work that audits
  // a refusal; the officers' read stays one statement.
  if (!processesUnderDuty(principal))
    await scoped(request, async (work) => {
      const child = await getChildRow(work.tx, work.scope, id)
      return child ? await sharingRefusal(work, child, 'child.read') : null
    })
  const found = await readChildAudited(request.server.database.db, principal.scope, id, {
    occurredAt: now,
    actor: requestActor(request),
    requestId: request.id,
  })
  if (!found) throw notFound('Child', id)
  return toChild(found.row, found.parts, canSeeSensitive(principal), localDateOf(now))
}

/** The record a change would leave: the body over the stored record, the birth date normalised again if touched. */
function changedRecord(current: ChildRow, body: Omit<UpdateChildInput, 'reason'>): ChildRow {
  const { address, ...fields } = body
  const birthChanged =
    fields.dateOfBirth !== undefined || fields.birthYear !== undefined || fields.birthDatePrecision !== undefined
  const birth = birthChanged
    ? normaliseBirth({
        dateOfBirth: fields.dateOfBirth !== undefined ? fields.dateOfBirth : current.dateOfBirth,
        birthYear: fields.birthYear !== undefined ? fields.birthYear : current.birthYear,
        birthDatePrecision: fields.birthDatePrecision ?? (fields.dateOfBirth ? 'exact' : current.birthDatePrecision),
      })
    : {
        dateOfBirth: current.dateOfBirth,
        birthYear: current.birthYear,
        birthDatePrecision: current.birthDatePrecision,
      }
  return {
    ...current,
    ...stripUndefined(fields),
    ...birth,
    wardCode: address?.wardCode ?? current.wardCode,
    residentialGroupCode: address ? (address.residentialGroupCode ?? null) : current.residentialGroupCode,
    streetAddress: address ? (address.streetAddress ?? null) : current.streetAddress,
  }
}

/**
 * Changes a child's record at `expectedVersion`: every changed field goes into a revision. A change
 * that changes nothing writes nothing (no revision, no new version) and answers the record as it is.
 */
export async function changeChild(work: Work, id: string, body: UpdateChildInput, expectedVersion: number) {
  const { reason, ...change } = body
  const { address: _address, ...fields } = change
  assertSensitiveWriteAllowed(work.principal, sensitiveFieldsIn(fields))
  const current = await getChildRow(work.tx, work.scope, id)
  if (!current) throw notFound('Child', id)
  const next = changedRecord(current, change)
  const problems = await childProblems(work, next, {
    checkAddress: change.address !== undefined,
    isNew: false,
    placement: placementFor(work, false, current),
  })
  if (problems.length > 0) throw invalid('The change cannot be saved.', problems)
  if (
    fields.personalId &&
    fields.personalId !== current.personalId &&
    (await childIdWithPersonalId(work.tx, work.scope, fields.personalId, id))
  ) {
    throw personalIdTakenByAnother()
  }
  const changes = diffFields(current, next, trackedChildFields)
  if (changes.length === 0) {
    if (current.version !== expectedVersion) throw staleVersion(current.version)
    await work.audit({
      action: 'child.update',
      resourceType: 'child',
      resourceId: id,
      unitCode: current.wardCode,
      outcome: 'success',
      details: { fields: [], unchanged: true },
    })
    return { ...childView(work, current, await getChildParts(work.tx, id)), warnings: warningsFor(current) }
  }
  const provinceCode = change.address ? provinceOfUnit(await work.unitTree(), next.wardCode) : current.provinceCode
  const updated = await updateChild(work.tx, work.scope, id, expectedVersion, {
    ...pick(next, trackedChildFields),
    provinceCode,
    updatedAt: work.now,
    updatedBy: work.principal.id,
  })
  if (!updated) throw staleVersion(current.version)
  if (updated.wardCode !== current.wardCode || updated.residentialGroupCode !== current.residentialGroupCode) {
    await relocateChildParts(work.tx, [id])
  }
  const changedFields = changes.map((c) => c.field)
  await recordRevision(work, updated, { action: 'update', changes, reason: reason ?? null })
  await work.audit({
    action: 'child.update',
    resourceType: 'child',
    resourceId: id,
    unitCode: updated.wardCode,
    outcome: 'success',
    details: { fields: changedFields },
  })
  await recordEvent(work.tx, childEvent('child.updated', updated, work.now, { fields: changedFields }))
  const sensitiveWritten = sensitiveValuesIn(fields).filter((field) => changedFields.includes(field))
  return {
    ...childView(work, updated, await getChildParts(work.tx, id)),
    warnings: [...warningsFor(updated), ...(await sensitiveDataWarnings(work, updated, sensitiveWritten))],
  }
}

/** Deletes a child's record (soft, with the reason) at `expectedVersion`. */
export async function deleteChild(work: Work, id: string, reason: string, expectedVersion: number): Promise<void> {
  const current = await getChildRow(work.tx, work.scope, id)
  if (!current) throw notFound('Child', id)
  const updated = await updateChild(work.tx, work.scope, id, expectedVersion, {
    deletedAt: work.now,
    deletedReason: reason,
    updatedAt: work.now,
    updatedBy: work.principal.id,
  })
  if (!updated) throw staleVersion(current.version)
  await recordRevision(work, updated, { action: 'delete', changes: [], reason })
  await work.audit({
    action: 'child.delete',
    resourceType: 'child',
    resourceId: id,
    unitCode: current.wardCode,
    outcome: 'success',
  })
}

/**
 * A stored revision as the history shows it (RevisionSchema). Without the permission its sensitive
 * changes are left out, and so is its reason when it had any (the likeliest place for a diagnosis); a
 * revision of sensitive changes only is left out whole. Null when left out.
 */
function toRevision(revision: typeof childRevisions.$inferSelect, sensitive: boolean) {
  const changes = sensitive ? revision.changes : redactChanges(revision.changes)
  const redacted = changes.length < revision.changes.length
  if (redacted && changes.length === 0) return null
  return {
    version: revision.version,
    action: revision.action,
    changedAt: revision.changedAt.toISOString(),
    actorId: revision.actorId,
    actorName: revision.actorName,
    reason: redacted ? null : revision.reason,
    changes,
  }
}

/** Every revision of a child, oldest first; audited, a child not found too. */
export async function childHistory(work: Work, id: string) {
  const child = await getChildRow(work.tx, work.scope, id)
  const refusal = child ? await sharingRefusal(work, child, 'child.history') : null
  if (refusal) return refusal
  await work.audit({
    action: 'child.history',
    resourceType: 'child',
    resourceId: id,
    unitCode: child?.wardCode ?? null,
    outcome: child ? 'success' : 'not_found',
  })
  if (!child) return refuse(notFound('Child', id))
  const sensitive = canSeeSensitive(work.principal)
  const revisions = await listRevisions(work.tx, id, sensitive)
  const items = revisions.map((revision) => toRevision(revision, sensitive)).filter((item) => item !== null)
  return { items, nextCursor: null }
}

function stripUndefined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}

function pick<T, K extends keyof T>(value: T, keys: readonly K[]): Pick<T, K> {
  const picked = {} as Pick<T, K>
  for (const key of keys) picked[key] = value[key]
  return picked
}
