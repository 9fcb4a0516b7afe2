/**
 * What every part of the child registry's work shares: the one builder of each response shape, the
 * registry's checks that need the caller or the clock, and the one writer of a child's revisions.
 * The operations themselves live in record-service.ts (the record), parts-service.ts (circumstances,
 * care, cards), duplicates-service.ts (duplicates and merge) and export-service.ts.
 */
import { omitWhen } from '../../platform/views.js'
import { hasPermission, type Principal } from '../../platform/auth.js'
import { HttpProblem, unprocessable, type FieldError } from '../../platform/problem.js'
import type { Work } from '../../platform/work.js'
import { localDateOf } from '../calendar/rules.js'
import {
  hasValidCardOn,
  insertRevision,
  type CardRow,
  type CareRow,
  type ChildLocation,
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
  normaliseGroupCode,
  sensitiveGroupCodes,
  type BirthDatePrecision,
} from './rules.js'
import type { FieldChange } from './tables.js'

/** The business date of the work (Asia/Ho_Chi_Minh): ages, memberships and cards are judged on it. */
export function today(work: Work): string {
  return localDateOf(work.now)
}

export function canSeeSensitive(principal: Principal | null): boolean {
  return hasPermission(principal, 'registry:sensitive')
}

/** A special-circumstance membership (CircumstanceSchema), `active` on `asOf`. */
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

/** A care record (CareRecordSchema); its note only for callers with registry:sensitive. */
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

/** A health insurance card (HealthInsuranceCardSchema), `validToday` on `asOf`. */
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

/** A child in a list (ChildSummarySchema). */
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

/** The full child record as the caller may see it (ChildSchema): sensitive members omitted, not nulled. */
export function toChild(row: ChildRow, parts: ChildParts, sensitive: boolean, asOf: string) {
  const circumstances = parts.circumstances.filter((c) => sensitive || !isSensitiveCircumstance(c))
  // Object.assign, not a spread followed by members: V8 builds that literal on a slow path (~30 µs a record).
  const child = Object.assign(commonMembers(row, asOf), {
    hasValidHealthInsurance: hasValidCardOn(parts.cards, asOf),
    personalId: row.personalId,
    birthRegistered: row.birthRegistered,
    schoolingStatus: row.schoolingStatus,
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
  return sensitive
    ? Object.assign(child, {
        ethnicityCode: row.ethnicityCode,
        hasDisability: row.hasDisability,
        disabilityNote: row.disabilityNote,
        healthNote: row.healthNote,
      })
    : child
}

/** The child record of a work: as its caller may see it, on the work's date. */
export function childView(work: Work, row: ChildRow, parts: ChildParts) {
  return toChild(row, parts, canSeeSensitive(work.principal), today(work))
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

/** Writing sensitive data needs the sensitive permission too. */
export function assertSensitiveWriteAllowed(principal: Principal, fields: string[]): void {
  if (fields.length === 0 || canSeeSensitive(principal)) return
  throw new HttpProblem(
    403,
    'sensitive_field_forbidden',
    `Writing ${fields.join(', ')} needs the registry:sensitive permission.`,
    {
      extensions: { requiredPermission: 'registry:sensitive', fields },
    },
  )
}

/**
 * The `group` filter of a list or an export, normalised; filtering by a sensitive group needs
 * registry:sensitive (403 otherwise).
 */
export function groupFilter(
  group: string | undefined,
  sensitive: boolean,
  extensions: Record<string, unknown> = {},
): string | undefined {
  const groupCode = group === undefined ? undefined : normaliseGroupCode(group)
  if (groupCode && sensitiveGroupCodes.has(groupCode) && !sensitive) {
    throw new HttpProblem(
      403,
      'sensitive_filter_forbidden',
      'Filtering by a sensitive group needs the registry:sensitive permission.',
      { extensions },
    )
  }
  return groupCode ?? undefined
}

export function invalid(detail: string, errors: FieldError[]): HttpProblem {
  return unprocessable('invalid_record', detail, errors)
}

/** A field error for an end before its start. */
export function rangeProblems(
  startDate: string,
  endDate: string | null | undefined,
  pointer = '/endDate',
): FieldError[] {
  return endDate && endDate < startDate
    ? [{ location: 'body', pointer, message: 'must not be before startDate', code: 'invalid_range' }]
    : []
}

/** What a revision is about: the child, where it lives now, and the version the revision records. */
type RevisionSubject = { id: string; version: number } & ChildLocation
type RevisionEntry = { action: string; changes: FieldChange[]; sensitive?: boolean; reason?: string | null }

/**
 * The one writer of a child's revisions from a request: stored with the child's unit (so that the
 * history follows the child), by the work's caller, at the work's time.
 */
export async function recordRevision(work: Work, child: RevisionSubject, revision: RevisionEntry): Promise<void> {
  await insertRevision(work.tx, revisionValues(work, child, revision))
}

/** The revision row recordRevision writes, for a caller that writes it together with other rows. */
export function revisionValues(work: Work, child: RevisionSubject, revision: RevisionEntry) {
  return {
    childId: child.id,
    provinceCode: child.provinceCode,
    wardCode: child.wardCode,
    residentialGroupCode: child.residentialGroupCode,
    version: child.version,
    action: revision.action,
    changes: revision.changes,
    sensitive: revision.sensitive ?? false,
    reason: revision.reason ?? null,
    changedAt: work.now,
    actorId: work.principal.id,
    actorName: work.principal.name,
    requestId: work.request.id,
  }
}
