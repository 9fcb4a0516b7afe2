/**
 * The parts of a child's file: special-circumstance memberships, care records and health insurance
 * cards. Each write is scoped work (platform/work.ts) that leaves a revision on the child.
 */
import type { Static } from 'typebox'
import { staleVersion } from '../../platform/concurrency.js'
import { HttpProblem, notFound, unprocessable, type FieldError } from '../../platform/problem.js'
import type { Work } from '../../platform/work.js'
import { sensitiveDataWarnings } from './consent-service.js'
import { diffFields } from './history.js'
import {
  getCare,
  getChildRow,
  getCircumstance,
  insertCard,
  insertCare,
  insertCircumstance,
  updateCare,
  updateCircumstance,
  type ChildRow,
} from './repository.js'
import {
  ageInYears,
  defaultBhytExpiry,
  effectiveDateOfBirth,
  normaliseGroupCode,
  sensitiveGroupCodes,
  type RegistryWarning,
} from './rules.js'
import type {
  CreateCardBody,
  CreateCareBody,
  CreateCircumstanceBody,
  UpdateCareBody,
  UpdateCircumstanceBody,
} from './schemas.js'
import {
  canSeeSensitive,
  isSensitiveCircumstance,
  rangeProblems,
  recordRevision,
  toCard,
  toCare,
  toCircumstance,
  today,
} from './service.js'
import type { FieldChange } from './tables.js'

/** The child whose file a part is written to; 404 (audited as a write) when it is not in the caller's units. */
async function childForPart(work: Work, childId: string): Promise<ChildRow> {
  const child = await getChildRow(work.tx, work.scope, childId)
  if (!child) throw notFound('Child', childId)
  return child
}

/** A part as written, with the warnings of the write when there are any: the part read back has none. */
function withWarnings<T extends object>(part: T, warnings: readonly RegistryWarning[]) {
  return warnings.length > 0 ? Object.assign(part, { warnings }) : part
}

/** A part carries its child's unit, so that scope and ward indicators follow the child. */
function partOf(child: ChildRow) {
  return {
    childId: child.id,
    provinceCode: child.provinceCode,
    wardCode: child.wardCode,
    residentialGroupCode: child.residentialGroupCode,
  }
}

/** The fields a correction of a part really changes, named `<part>.<field>` for the child's history. */
function partChanges<T extends object>(part: string, current: T, body: Partial<T>): FieldChange[] {
  const fields = Object.keys(body) as (keyof T & string)[]
  return diffFields(current, { ...current, ...body }, fields).map((change) => ({
    ...change,
    field: `${part}.${change.field}`,
  }))
}

/** A correction that changes nothing: checked against the version claimed, audited, and nothing written. */
async function unchangedPart(
  work: Work,
  current: { version: number },
  expectedVersion: number,
  audit: { action: string; child: ChildRow; details: Record<string, unknown> },
): Promise<void> {
  if (current.version !== expectedVersion) throw staleVersion(current.version)
  await work.audit({
    action: audit.action,
    resourceType: 'child',
    resourceId: audit.child.id,
    unitCode: audit.child.wardCode,
    outcome: 'success',
    details: { ...audit.details, unchanged: true },
  })
}

const careNoteForbidden = () =>
  new HttpProblem(
    403,
    'sensitive_field_forbidden',
    'A care note may describe health: writing it needs registry:sensitive.',
    {
      extensions: { requiredPermission: 'registry:sensitive' },
    },
  )

/** Records a special-circumstance group (or a risk) for a child, from a date. */
export async function addCircumstance(work: Work, childId: string, body: Static<typeof CreateCircumstanceBody>) {
  const groupCode = body.groupCode ? normaliseGroupCode(body.groupCode) : null
  const problems: FieldError[] = rangeProblems(body.startDate, body.endDate)
  if (body.kind === 'group' && !groupCode)
    problems.push({
      location: 'body',
      pointer: '/groupCode',
      message: 'is required for kind group',
      code: 'group_required',
    })
  if (body.kind === 'risk' && !body.risk)
    problems.push({
      location: 'body',
      pointer: '/risk',
      message: 'describe the risk for kind risk',
      code: 'risk_required',
    })
  if (problems.length > 0) throw unprocessable('invalid_record', 'The circumstance cannot be recorded.', problems)
  if (groupCode && sensitiveGroupCodes.has(groupCode) && !canSeeSensitive(work.principal)) {
    throw new HttpProblem(
      403,
      'sensitive_field_forbidden',
      `Group ${groupCode} is sensitive: recording it needs registry:sensitive.`,
      { extensions: { requiredPermission: 'registry:sensitive' } },
    )
  }
  const child = await childForPart(work, childId)
  const row = await insertCircumstance(work.tx, {
    ...partOf(child),
    kind: body.kind,
    groupCode,
    subGroup: body.subGroup ?? null,
    risk: body.risk ?? null,
    startDate: body.startDate,
    endDate: body.endDate ?? null,
    note: body.note ?? null,
    createdAt: work.now,
    updatedAt: work.now,
    createdBy: work.principal.id,
  })
  await recordRevision(work, child, {
    action: 'circumstance.add',
    changes: [{ field: 'circumstance', from: null, to: { kind: row.kind, groupCode, startDate: row.startDate } }],
    sensitive: isSensitiveCircumstance(row),
  })
  await work.audit({
    action: 'child.circumstance.add',
    resourceType: 'child',
    resourceId: child.id,
    unitCode: child.wardCode,
    outcome: 'success',
    details: { circumstanceId: row.id, kind: row.kind },
  })
  const sensitive = isSensitiveCircumstance(row) ? ['groupCode'] : []
  return withWarnings(toCircumstance(row, today(work)), await sensitiveDataWarnings(work, child, sensitive))
}

/**
 * Ends a membership or corrects it at `expectedVersion`. A sensitive membership is not found for a caller
 * without registry:sensitive; a correction that changes nothing writes nothing.
 */
export async function changeCircumstance(
  work: Work,
  childId: string,
  itemId: string,
  body: Static<typeof UpdateCircumstanceBody>,
  expectedVersion: number,
) {
  const child = await getChildRow(work.tx, work.scope, childId)
  const current = child ? await getCircumstance(work.tx, childId, itemId) : undefined
  if (!child || !current || (isSensitiveCircumstance(current) && !canSeeSensitive(work.principal)))
    throw notFound('Circumstance', itemId)
  const problems = rangeProblems(current.startDate, body.endDate)
  if (problems.length > 0) throw unprocessable('invalid_record', 'The change cannot be saved.', problems)
  const changes = partChanges('circumstance', current, body)
  const action = 'child.circumstance.update'
  if (changes.length === 0) {
    await unchangedPart(work, current, expectedVersion, { action, child, details: { circumstanceId: itemId } })
    return toCircumstance(current, today(work))
  }
  const updated = await updateCircumstance(work.tx, itemId, expectedVersion, { ...body, updatedAt: work.now })
  if (!updated) throw staleVersion(current.version)
  await recordRevision(work, child, {
    action: 'circumstance.update',
    changes,
    sensitive: isSensitiveCircumstance(current),
  })
  await work.audit({
    action,
    resourceType: 'child',
    resourceId: childId,
    unitCode: child.wardCode,
    outcome: 'success',
    details: { circumstanceId: itemId },
  })
  return toCircumstance(updated, today(work))
}

/** Records care or support a child receives; a note needs registry:sensitive. */
export async function addCare(work: Work, childId: string, body: Static<typeof CreateCareBody>) {
  const problems = rangeProblems(body.startDate, body.endDate)
  if (problems.length > 0) throw unprocessable('invalid_record', 'The care record cannot be saved.', problems)
  if (body.note && !canSeeSensitive(work.principal)) throw careNoteForbidden()
  const child = await childForPart(work, childId)
  const row = await insertCare(work.tx, {
    ...partOf(child),
    kind: body.kind,
    provider: body.provider ?? null,
    startDate: body.startDate,
    endDate: body.endDate ?? null,
    amountVnd: body.amountVnd ?? null,
    note: body.note ?? null,
    createdAt: work.now,
    updatedAt: work.now,
    createdBy: work.principal.id,
  })
  await recordRevision(work, child, {
    action: 'care.add',
    changes: [{ field: 'care', from: null, to: { kind: row.kind, startDate: row.startDate } }],
  })
  await work.audit({
    action: 'child.care.add',
    resourceType: 'child',
    resourceId: child.id,
    unitCode: child.wardCode,
    outcome: 'success',
    details: { careId: row.id, kind: row.kind },
  })
  return withWarnings(
    toCare(row, canSeeSensitive(work.principal)),
    await sensitiveDataWarnings(work, child, row.note ? ['note'] : []),
  )
}

/** Ends or corrects a care record at `expectedVersion`; a correction that changes nothing writes nothing. */
export async function changeCare(
  work: Work,
  childId: string,
  itemId: string,
  body: Static<typeof UpdateCareBody>,
  expectedVersion: number,
) {
  const sensitive = canSeeSensitive(work.principal)
  if (body.note && !sensitive) throw careNoteForbidden()
  const child = await getChildRow(work.tx, work.scope, childId)
  const current = child ? await getCare(work.tx, childId, itemId) : undefined
  if (!child || !current) throw notFound('Care record', itemId)
  const problems = rangeProblems(current.startDate, body.endDate)
  if (problems.length > 0) throw unprocessable('invalid_record', 'The change cannot be saved.', problems)
  const changes = partChanges('care', current, body)
  const action = 'child.care.update'
  if (changes.length === 0) {
    await unchangedPart(work, current, expectedVersion, { action, child, details: { careId: itemId } })
    return toCare(current, sensitive)
  }
  const updated = await updateCare(work.tx, itemId, expectedVersion, { ...body, updatedAt: work.now })
  if (!updated) throw staleVersion(current.version)
  await recordRevision(work, child, { action: 'care.update', changes, sensitive: 'note' in body })
  const noteWritten = changes.some((change) => change.field === 'care.note') && updated.note ? ['note'] : []
  await work.audit({
    action,
    resourceType: 'child',
    resourceId: childId,
    unitCode: child.wardCode,
    outcome: 'success',
    details: { careId: itemId },
  })
  return withWarnings(toCare(updated, sensitive), await sensitiveDataWarnings(work, child, noteWritten))
}

/** The card's end: as given, or the Decree 146/2018 expiry for a child under 6. */
function cardValidTo(child: ChildRow, body: Static<typeof CreateCardBody>): string {
  if (body.validTo) return body.validTo
  const birth = effectiveDateOfBirth(child)
  if (!birth || ageInYears(birth, body.validFrom) >= 6) {
    throw unprocessable('invalid_record', 'validTo is needed: the default expiry applies only to children under 6.', [
      {
        location: 'body',
        pointer: '/validTo',
        message: 'is required for a child of 6 or more, or without a date of birth',
        code: 'valid_to_required',
      },
    ])
  }
  return defaultBhytExpiry(birth)
}

/** Records a health insurance (BHYT) card. */
export async function addCard(work: Work, childId: string, body: Static<typeof CreateCardBody>) {
  const child = await childForPart(work, childId)
  const validTo = cardValidTo(child, body)
  const problems = rangeProblems(body.validFrom, validTo, '/validTo')
  if (problems.length > 0) throw unprocessable('invalid_record', 'The card cannot be saved.', problems)
  const row = await insertCard(work.tx, {
    ...partOf(child),
    cardNumber: body.cardNumber,
    issuedOn: body.issuedOn ?? null,
    validFrom: body.validFrom,
    validTo,
    createdAt: work.now,
    createdBy: work.principal.id,
  })
  await recordRevision(work, child, {
    action: 'health_insurance.add',
    changes: [{ field: 'healthInsurance', from: null, to: { validFrom: row.validFrom, validTo: row.validTo } }],
  })
  await work.audit({
    action: 'child.health_insurance.add',
    resourceType: 'child',
    resourceId: child.id,
    unitCode: child.wardCode,
    outcome: 'success',
  })
  return toCard(row, today(work))
}
