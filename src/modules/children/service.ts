import type { FastifyInstance, FastifyRequest } from 'fastify'
import { hasPermission, type Principal } from '../../platform/auth.js'
import { HttpProblem, unprocessable, type FieldError } from '../../platform/problem.js'
import { isUnitInScope, resolveScope, type Scope, type UnitNode } from '../../platform/scope.js'
import { localDateOf } from '../calendar/rules.js'
import { activeGroupCodes, hasValidCardOn, type CardRow, type CareRow, type ChildParts, type ChildRow, type CircumstanceRow } from './repository.js'
import { ageInYears, derivedStatus, isBhytValidOn, isMembershipActiveOn, sensitiveGroupCodes } from './rules.js'

export function today(app: FastifyInstance): string {
  return localDateOf(app.clock.now())
}

export function canSeeSensitive(principal: Principal | null): boolean {
  return hasPermission(principal, 'registry:sensitive')
}

function omitWhen<T extends Record<string, unknown>, K extends keyof T>(value: T, keys: readonly K[], omit: boolean): T {
  if (!omit) return value
  const copy = { ...value }
  for (const key of keys) delete copy[key]
  return copy
}

export function toCircumstance(row: CircumstanceRow, asOf: string) {
  return {
    id: row.id,
    kind: row.kind,
    groupCode: row.groupCode,
    subGroup: row.subGroup,
    risk: row.risk,
    startDate: row.startDate,
    endDate: row.endDate,
    endReason: row.endReason,
    note: row.note,
    active: isMembershipActiveOn(row, asOf),
    version: row.version,
  }
}

export function isSensitiveCircumstance(row: { groupCode: string | null }): boolean {
  return row.groupCode !== null && sensitiveGroupCodes.has(row.groupCode)
}

export function toCare(row: CareRow, sensitive: boolean) {
  return omitWhen(
    {
      id: row.id,
      kind: row.kind as never,
      provider: row.provider,
      startDate: row.startDate,
      endDate: row.endDate,
      amountVnd: row.amountVnd,
      note: row.note,
      version: row.version,
    },
    ['note'],
    !sensitive,
  )
}

export function toCard(row: CardRow, asOf: string) {
  return {
    id: row.id,
    cardNumber: row.cardNumber,
    issuedOn: row.issuedOn,
    validFrom: row.validFrom,
    validTo: row.validTo,
    validToday: isBhytValidOn(row, asOf),
  }
}

function commonMembers(row: ChildRow, asOf: string) {
  return {
    id: row.id,
    fullName: row.fullName,
    dateOfBirth: row.dateOfBirth,
    birthYear: row.birthYear,
    birthDatePrecision: row.birthDatePrecision,
    ageYears: row.effectiveBirthDate ? ageInYears(row.effectiveBirthDate, asOf) : null,
    sex: row.sex,
    address: {
      provinceCode: row.provinceCode,
      wardCode: row.wardCode,
      residentialGroupCode: row.residentialGroupCode,
      streetAddress: row.streetAddress,
    },
    householdId: row.householdId,
    status: derivedStatus(row.status, row.effectiveBirthDate, asOf),
    version: row.version,
  }
}

export function toChildSummary(
  row: ChildRow & { groupCodes: string[]; atRisk: boolean; hasValidHealthInsurance: boolean },
  asOf: string,
) {
  return { ...commonMembers(row, asOf), hasValidHealthInsurance: row.hasValidHealthInsurance, groupCodes: row.groupCodes, atRisk: row.atRisk }
}

/** The full child record as the caller may see it: sensitive members omitted, not nulled. */
export function toChild(row: ChildRow, parts: ChildParts, sensitive: boolean, asOf: string) {
  const circumstances = parts.circumstances.filter((c) => sensitive || !isSensitiveCircumstance(c))
  const child = {
    ...commonMembers(row, asOf),
    hasValidHealthInsurance: hasValidCardOn(parts.cards, asOf),
    ethnicityCode: row.ethnicityCode,
    personalId: row.personalId,
    birthRegistered: row.birthRegistered,
    schoolingStatus: row.schoolingStatus,
    hasDisability: row.hasDisability,
    disabilityNote: row.disabilityNote,
    healthNote: row.healthNote,
    caregivers: row.caregivers,
    relationshipToHead: row.relationshipToHead,
    statusDate: row.statusDate,
    movedTo: row.movedTo,
    mergedInto: row.mergedInto,
    circumstances: circumstances.map((c) => toCircumstance(c, asOf)),
    care: parts.care.map((c) => toCare(c, sensitive)),
    healthInsurance: parts.cards.map((c) => toCard(c, asOf)),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
  return omitWhen(child, ['disabilityNote', 'healthNote'], !sensitive)
}

export { activeGroupCodes }

/**
 * Where a record may be written: the ward must be a ward and the group one of its residential groups,
 * and the caller must hold the place. Problems are field errors at `pointer`.
 */
export function addressProblems(
  tree: readonly UnitNode[],
  scope: Scope,
  address: { wardCode: string; residentialGroupCode?: string | null },
  pointer = '/address',
): FieldError[] {
  const byCode = new Map(tree.map((unit) => [unit.code, unit]))
  const ward = byCode.get(address.wardCode)
  if (!ward || ward.level !== 'ward') {
    return [{ location: 'body', pointer: `${pointer}/wardCode`, message: 'is not a ward', code: 'invalid_ward' }]
  }
  const groupCode = address.residentialGroupCode ?? null
  if (groupCode !== null) {
    const group = byCode.get(groupCode)
    if (!group || group.level !== 'residential_group' || group.parentCode !== ward.code) {
      return [{ location: 'body', pointer: `${pointer}/residentialGroupCode`, message: 'is not a residential group of that ward', code: 'invalid_group' }]
    }
  }
  if (!isUnitInScope(scope, ward.code, groupCode)) {
    return [{ location: 'body', pointer: `${pointer}/wardCode`, message: 'is outside your units', code: 'unit_out_of_scope' }]
  }
  return []
}

/** The `unit` filter resolved to what lies below it, or 400 when no such unit exists. */
export function unitFilterScope(tree: readonly UnitNode[], unit: string | undefined): Scope | undefined {
  if (unit === undefined) return undefined
  if (!tree.some((node) => node.code === unit)) {
    throw new HttpProblem(400, 'unknown_unit', `No unit has the code ${unit}.`, {
      errors: [{ location: 'querystring', pointer: '/unit', message: 'is not a known unit' }],
    })
  }
  return resolveScope(tree, [unit])
}

/** Writing sensitive data needs the sensitive permission too. */
export function assertSensitiveWriteAllowed(request: FastifyRequest, fields: string[]): void {
  if (fields.length === 0 || canSeeSensitive(request.principal)) return
  throw new HttpProblem(403, 'sensitive_field_forbidden', `Writing ${fields.join(', ')} needs the registry:sensitive permission.`, {
    extensions: { requiredPermission: 'registry:sensitive', fields },
  })
}

export function invalid(detail: string, errors: FieldError[]): HttpProblem {
  return unprocessable('invalid_record', detail, errors)
}
