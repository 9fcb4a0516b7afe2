import type { FastifyInstance, FastifyRequest } from 'fastify'
import { omitWhen } from '../../platform/views.js'
import { hasPermission, type Principal } from '../../platform/auth.js'
import { HttpProblem, unprocessable, type FieldError } from '../../platform/problem.js'
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
