import type { FastifyInstance, FastifyRequest } from 'fastify'
import { hasPermission, type Principal } from '../../platform/auth.js'
import { HttpProblem, unprocessable, type FieldError } from '../../platform/problem.js'
import { isUnitInScope, resolveScope, type Scope, type UnitNode } from '../../platform/scope.js'
import { localDateOf } from '../calendar/rules.js'
import {
  activeGroupCodes,
  hasValidCardOn,
  type CardRow,
  type CareRow,
  type ChildParts,
  type ChildRow,
  type CircumstanceRow,
} from './repository.js'
import {
  ageInYears,
  childAgeLimitYears,
  derivedStatus,
  effectiveDateOfBirth,
  isBhytValidOn,
  isMembershipActiveOn,
  sensitiveGroupCodes,
  type BirthDatePrecision,
} from './rules.js'

export function today(app: FastifyInstance): string {
  return localDateOf(app.clock.now())
}

export function canSeeSensitive(principal: Principal | null): boolean {
  return hasPermission(principal, 'registry:sensitive')
}

function omitWhen<T extends Record<string, unknown>, K extends keyof T>(
  value: T,
  keys: readonly K[],
  omit: boolean,
): T {
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
  return Object.assign(commonMembers(row, asOf), {
    hasValidHealthInsurance: row.hasValidHealthInsurance,
    groupCodes: row.groupCodes,
    atRisk: row.atRisk,
  })
}

/** The full child record as the caller may see it: sensitive members omitted, not nulled. */
export function toChild(row: ChildRow, parts: ChildParts, sensitive: boolean, asOf: string) {
  const circumstances = parts.circumstances.filter((c) => sensitive || !isSensitiveCircumstance(c))
  // Object.assign, not a spread followed by members: V8 builds that literal on a slow path (~30 µs a record).
  const child = Object.assign(commonMembers(row, asOf), {
    hasValidHealthInsurance: hasValidCardOn(parts.cards, asOf),
    ethnicityCode: row.ethnicityCode,
    personalId: row.personalId,
    birthRegistered: row.birthRegistered,
    schoolingStatus: row.schoolingStatus,
    hasDisability: row.hasDisability,
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
  })
  return sensitive ? Object.assign(child, { disabilityNote: row.disabilityNote, healthNote: row.healthNote }) : child
}

export { activeGroupCodes }

const indexes = new WeakMap<readonly UnitNode[], ReadonlyMap<string, UnitNode>>()

/**
 * The tree's units by code. The tree is loaded once a minute and never changed in place, so its index is
 * built once per tree rather than once per record (an import checks a hundred thousand addresses).
 */
function unitsByCode(tree: readonly UnitNode[]): ReadonlyMap<string, UnitNode> {
  let index = indexes.get(tree)
  if (!index) {
    index = new Map(tree.map((unit) => [unit.code, unit]))
    indexes.set(tree, index)
  }
  return index
}

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
  const byCode = unitsByCode(tree)
  const ward = byCode.get(address.wardCode)
  if (!ward || ward.level !== 'ward') {
    return [{ location: 'body', pointer: `${pointer}/wardCode`, message: 'is not a ward', code: 'invalid_ward' }]
  }
  const groupCode = address.residentialGroupCode ?? null
  if (groupCode !== null) {
    const group = byCode.get(groupCode)
    if (!group || group.level !== 'residential_group' || group.parentCode !== ward.code) {
      return [
        {
          location: 'body',
          pointer: `${pointer}/residentialGroupCode`,
          message: 'is not a residential group of that ward',
          code: 'invalid_group',
        },
      ]
    }
  }
  if (!isUnitInScope(scope, ward.code, groupCode)) {
    return [
      { location: 'body', pointer: `${pointer}/wardCode`, message: 'is outside your units', code: 'unit_out_of_scope' },
    ]
  }
  return []
}

/**
 * The registry's birth-date rules for a record about to be stored: a date or a year is required, neither
 * may lie in the future, and a new record must describe a child (an existing one may have aged out).
 */
export function birthProblems(
  record: { dateOfBirth: string | null; birthYear: number | null; birthDatePrecision: BirthDatePrecision },
  asOf: string,
  isNew: boolean,
): FieldError[] {
  const problems: FieldError[] = []
  if (!record.dateOfBirth && !record.birthYear) {
    problems.push({
      location: 'body',
      pointer: '/dateOfBirth',
      message: 'dateOfBirth or birthYear is required',
      code: 'birth_date_required',
    })
  }
  const effective = effectiveDateOfBirth(record)
  if (record.dateOfBirth && record.dateOfBirth > asOf) {
    problems.push({ location: 'body', pointer: '/dateOfBirth', message: 'is in the future', code: 'date_in_future' })
  } else if (record.birthYear && record.birthYear > Number(asOf.slice(0, 4))) {
    problems.push({ location: 'body', pointer: '/birthYear', message: 'is in the future', code: 'date_in_future' })
  } else if (isNew && effective && ageInYears(effective, asOf) >= childAgeLimitYears) {
    problems.push({
      location: 'body',
      pointer: record.dateOfBirth ? '/dateOfBirth' : '/birthYear',
      message: 'makes the person 16 or older: not a child',
      code: 'not_a_child',
    })
  }
  return problems
}

/** The province a unit lies in, walking up the unit tree; '' when the unit is unknown. */
export function provinceOfUnit(tree: readonly UnitNode[], unitCode: string): string {
  const byCode = unitsByCode(tree)
  let current = byCode.get(unitCode)
  for (let depth = 0; current && depth < 6; depth++) {
    if (current.level === 'province') return current.code
    current = current.parentCode ? byCode.get(current.parentCode) : undefined
  }
  return ''
}

/** True when the error (or a cause it wraps) is a unique violation, of `constraint` when named. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  for (
    let current = error as { code?: string; constraint?: string; cause?: unknown } | undefined;
    current;
    current = current.cause as typeof current
  ) {
    if (current.code === '23505' && (!constraint || current.constraint === constraint)) return true
  }
  return false
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
  throw new HttpProblem(
    403,
    'sensitive_field_forbidden',
    `Writing ${fields.join(', ')} needs the registry:sensitive permission.`,
    {
      extensions: { requiredPermission: 'registry:sensitive', fields },
    },
  )
}

export function invalid(detail: string, errors: FieldError[]): HttpProblem {
  return unprocessable('invalid_record', detail, errors)
}
