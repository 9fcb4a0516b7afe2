/**
 * Consent to processing a child's personal data, as Decree 13/2023 (Art. 11, 20) and the Personal Data
 * Protection Law 2025 ask for it: the parent or guardian's consent, and the child's own from the age of 7.
 * Pure functions; the service stores the records and enforces what these decide.
 */
import { ageInYears, type BirthDatePrecision } from './rules.js'

/**
 * What a consent is for:
 * - `information_sharing`: disclosing the child's record to partner agencies, which have no duty of their
 *   own under the Law on Children to process it (their viewers see only children with this consent);
 * - `sensitive_data`: processing the child's sensitive personal data (ethnicity, health and disability,
 *   HIV, abuse); the authorities' child-protection duty lets them record it without, so a write without
 *   it is flagged, not refused.
 */
export const consentPurposes = ['information_sharing', 'sensitive_data'] as const
export type ConsentPurpose = (typeof consentPurposes)[number]

export const consentParties = ['guardian', 'child'] as const
export type ConsentParty = (typeof consentParties)[number]

export const guardianRelationships = ['mother', 'father', 'grandparent', 'sibling', 'legal_guardian', 'other'] as const
export const consentMethods = ['written', 'electronic', 'verbal_recorded'] as const

/** From this age the child's own consent is needed beside the guardian's (Decree 13/2023, Art. 20(1)). */
export const childConsentAge = 7

export interface ConsentRecord {
  purpose: ConsentPurpose
  party: ConsentParty
  givenOn: string
  withdrawnOn: string | null
}

type ConsentStatus = 'given' | 'missing' | 'withdrawn'

export interface ConsentStanding {
  purpose: ConsentPurpose
  status: ConsentStatus
  /** The parties whose consent is needed on the day and not in force. */
  missing: ConsentParty[]
}

/** In force on `on`: given on or before it and not withdrawn by then (a withdrawal takes effect on its day). */
export function consentInForce(record: Pick<ConsentRecord, 'givenOn' | 'withdrawnOn'>, on: string): boolean {
  return record.givenOn <= on && (record.withdrawnOn === null || record.withdrawnOn > on)
}

/**
 * The earliest day a child can have been born, for the age-7 line: the date itself, the first of the
 * month or 1 January when only those are known, null when nothing is. The registry's usual estimate (the
 * middle of the range, effectiveDateOfBirth) would take a child known by year alone to be under 7 for up
 * to half a year after their 7th birthday, and let the guardian's consent alone open their record.
 */
export function earliestBirthDate(child: {
  dateOfBirth: string | null
  birthYear: number | null
  birthDatePrecision: BirthDatePrecision
}): string | null {
  const { dateOfBirth, birthYear, birthDatePrecision } = child
  if (dateOfBirth && birthDatePrecision === 'exact') return dateOfBirth
  if (dateOfBirth && birthDatePrecision === 'month') return `${dateOfBirth.slice(0, 7)}-01`
  const year = birthYear ?? (dateOfBirth ? Number(dateOfBirth.slice(0, 4)) : null)
  return year === null ? null : `${String(year).padStart(4, '0')}-01-01`
}

/**
 * Whose consent a purpose needs on `on`: the guardian's always, the child's too from 7, given the
 * earliest birth date the record allows (earliestBirthDate). A child whose birth date is not known at
 * all is taken to be 7 or more: the stricter reading.
 */
export function partiesRequired(birthDate: string | null, on: string): ConsentParty[] {
  return birthDate !== null && ageInYears(birthDate, on) < childConsentAge ? ['guardian'] : ['guardian', 'child']
}

/**
 * Where a purpose stands on `on`: `given` when every party required then has a consent in force,
 * `withdrawn` when one of them withdrew and has not consented again, else `missing`.
 */
export function consentStanding(
  records: readonly ConsentRecord[],
  purpose: ConsentPurpose,
  birthDate: string | null,
  on: string,
): ConsentStanding {
  const missing: ConsentParty[] = []
  let withdrawn = false
  for (const party of partiesRequired(birthDate, on)) {
    const own = records.filter((record) => record.purpose === purpose && record.party === party)
    if (own.some((record) => consentInForce(record, on))) continue
    missing.push(party)
    if (own.some((record) => record.withdrawnOn !== null && record.withdrawnOn <= on)) withdrawn = true
  }
  const status: ConsentStatus = missing.length === 0 ? 'given' : withdrawn ? 'withdrawn' : 'missing'
  return { purpose, status, missing }
}

export interface ConsentProblem {
  pointer: string
  code: string
  message: string
}

/** What makes a consent record impossible to store, as of `today`. */
export function consentProblems(
  record: { party: ConsentParty; relationship: string | null; givenOn: string },
  birthDate: string | null,
  today: string,
): ConsentProblem[] {
  const problems: ConsentProblem[] = []
  if (record.givenOn > today)
    problems.push({ pointer: '/givenOn', code: 'date_in_future', message: 'is in the future' })
  if (birthDate !== null && record.givenOn < birthDate)
    problems.push({ pointer: '/givenOn', code: 'before_birth', message: 'is before the child was born' })
  if (record.party === 'guardian' && record.relationship === null)
    problems.push({
      pointer: '/relationship',
      code: 'relationship_required',
      message: "is required: the guardian's relationship to the child",
    })
  if (record.party === 'child' && record.relationship !== null)
    problems.push({ pointer: '/relationship', code: 'not_applicable', message: 'applies to a guardian only' })
  if (record.party === 'child' && birthDate !== null && ageInYears(birthDate, record.givenOn) < childConsentAge)
    problems.push({
      pointer: '/party',
      code: 'child_too_young_to_consent',
      message: `the child was under ${childConsentAge} on that day: the guardian consents alone`,
    })
  return problems
}

/** What makes a withdrawal of a consent given on `givenOn` impossible to store, as of `today`. */
export function withdrawalProblems(givenOn: string, withdrawnOn: string, today: string): ConsentProblem[] {
  const problems: ConsentProblem[] = []
  if (withdrawnOn > today)
    problems.push({ pointer: '/withdrawnOn', code: 'date_in_future', message: 'is in the future' })
  if (withdrawnOn < givenOn)
    problems.push({ pointer: '/withdrawnOn', code: 'before_consent', message: 'is before the consent was given' })
  return problems
}
