/**
 * Domain rules of the child registry. Pure: no I/O and no clock — every function that depends on
 * "today" takes the reference date as an argument, so indicators and reports can be recomputed
 * for any past date and give the same answer.
 * Dates are calendar dates 'YYYY-MM-DD'; equal-length ISO dates compare correctly as strings.
 */
import { addDays } from '../calendar/rules.js'

interface CalendarDate {
  year: number
  month: number
  day: number
}

const isoDatePattern = /^(\d{4})-(\d{2})-(\d{2})$/

/** Fails loudly on a malformed or impossible date, so that '2024-02-30' never yields a silent wrong age. */
function partsOf(date: string): CalendarDate {
  const match = isoDatePattern.exec(date)
  if (match) {
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
    const roundTrip = new Date(Date.UTC(year, month - 1, day))
    if (roundTrip.getUTCMonth() === month - 1 && roundTrip.getUTCDate() === day) return { year, month, day }
  }
  throw new RangeError(`not a calendar date (YYYY-MM-DD): ${date}`)
}

function formatDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
}

function lastDayOfMonth(year: number, month: number): string {
  const firstOfNextMonth = month === 12 ? formatDate(year + 1, 1, 1) : formatDate(year, month + 1, 1)
  return addDays(firstOfNextMonth, -1)
}

/**
 * The date on which someone born on `dateOfBirth` completes `years` full years. A 29 February
 * birthday falls on 1 March in common years: the person has not completed the year on 28 February.
 */
function anniversary(dateOfBirth: string, years: number): string {
  const { year, month, day } = partsOf(dateOfBirth)
  const target = year + years
  if (month === 2 && day === 29 && !isLeapYear(target)) return formatDate(target, 3, 1)
  return formatDate(target, month, day)
}

// ---------------------------------------------------------------------------------------------
// Personal ID number (số định danh cá nhân)

export const personalIdPattern = /^\d{12}$/

export interface PersonalIdParts {
  provinceCode: string
  sex: 'male' | 'female'
  birthYear: number
}

/**
 * Reads what a personal ID encodes. The 4th digit carries both century and sex: even is male,
 * odd is female, and each pair moves one century on from the 1900s (0/1 → 1900s … 8/9 → 2300s).
 */
export function parsePersonalId(id: string): PersonalIdParts | null {
  if (!personalIdPattern.test(id)) return null
  const centuryAndSex = Number(id[3])
  return {
    provinceCode: id.slice(0, 3),
    sex: centuryAndSex % 2 === 0 ? 'male' : 'female',
    birthYear: 1900 + Math.floor(centuryAndSex / 2) * 100 + Number(id.slice(4, 6)),
  }
}

export interface RegistryWarning {
  code: string
  field: string
  message: string
}

/**
 * Warnings, never errors: the ID has no check digit, and officers often copy a correct ID next to a
 * wrong (or estimated) birth date, so a mismatch is a prompt to check the record, not a reason to
 * refuse it. The format itself is the API schema's job; a malformed ID yields no warning here.
 */
export function personalIdWarnings(
  id: string,
  person: { dateOfBirth?: string | null; birthYear?: number | null; sex: 'male' | 'female' | 'unknown' },
): RegistryWarning[] {
  const encoded = parsePersonalId(id)
  if (!encoded) return []
  const warnings: RegistryWarning[] = []
  const recordedYear = person.dateOfBirth ? partsOf(person.dateOfBirth).year : (person.birthYear ?? null)
  if (recordedYear !== null && recordedYear !== encoded.birthYear) {
    warnings.push({
      code: 'personal_id_birth_year_mismatch',
      field: 'personalId',
      message: `encodes birth year ${encoded.birthYear}, but the child's birth year is ${recordedYear}`,
    })
  }
  if (person.sex !== 'unknown' && person.sex !== encoded.sex) {
    warnings.push({
      code: 'personal_id_sex_mismatch',
      field: 'personalId',
      message: `encodes sex ${encoded.sex}, but the child is recorded as ${person.sex}`,
    })
  }
  return warnings
}

// ---------------------------------------------------------------------------------------------
// Age

/** Full years completed on `asOf`. Negative when `asOf` precedes the birth (callers reject such records). */
export function ageInYears(dateOfBirth: string, asOf: string): number {
  const born = partsOf(dateOfBirth)
  const on = partsOf(asOf)
  const beforeBirthdayThisYear = on.month < born.month || (on.month === born.month && on.day < born.day)
  return on.year - born.year - (beforeBirthdayThisYear ? 1 : 0)
}

/**
 * Full months completed on `asOf`. A month is complete on the same day-of-month; when that day does
 * not exist (born on the 31st, a 30-day month) it completes on the 1st of the next month — the same
 * convention as 29 February birthdays, so 72 months and the 6th birthday always coincide.
 */
export function ageInMonths(dateOfBirth: string, asOf: string): number {
  const born = partsOf(dateOfBirth)
  const on = partsOf(asOf)
  const months = (on.year - born.year) * 12 + (on.month - born.month)
  return on.day < born.day ? months - 1 : months
}

/** A child is a person under 16 (Child Law 2016, Art. 1). */
export const childAgeLimitYears = 16

/** The day the person stops being a child ("aged out"): the 16th birthday itself is no longer childhood. */
export function sixteenthBirthday(dateOfBirth: string): string {
  return anniversary(dateOfBirth, childAgeLimitYears)
}

/** False before the birth too: a record dated in the future is not yet a child to count. */
export function isChildOn(dateOfBirth: string, asOf: string): boolean {
  const age = ageInYears(dateOfBirth, asOf)
  return age >= 0 && age < childAgeLimitYears
}

export const ageGroups = [
  { code: '0-2', min: 0, max: 2 },
  { code: '3-5', min: 3, max: 5 },
  { code: '6-10', min: 6, max: 10 },
  { code: '11-15', min: 11, max: 15 },
] as const

export type AgeGroupCode = (typeof ageGroups)[number]['code']

/** Ages are full years; a fractional age is truncated, as a person of 2.9 years is still "2". */
export function ageGroupOf(ageYears: number): AgeGroupCode | null {
  const fullYears = Math.floor(ageYears)
  return ageGroups.find((group) => fullYears >= group.min && fullYears <= group.max)?.code ?? null
}

export type BirthDatePrecision = 'exact' | 'month' | 'year'

/** Birth date as stored: month precision keeps the 15th; year precision keeps only the year. */
export function normaliseBirth(input: {
  dateOfBirth?: string | null
  birthYear?: number | null
  birthDatePrecision?: BirthDatePrecision
}) {
  const precision = input.birthDatePrecision ?? (input.dateOfBirth ? 'exact' : 'year')
  if (precision === 'year') {
    const year = input.birthYear ?? (input.dateOfBirth ? Number(input.dateOfBirth.slice(0, 4)) : null)
    return { dateOfBirth: null, birthYear: year, birthDatePrecision: precision }
  }
  if (!input.dateOfBirth)
    return { dateOfBirth: null, birthYear: input.birthYear ?? null, birthDatePrecision: precision }
  const dateOfBirth = precision === 'month' ? `${input.dateOfBirth.slice(0, 7)}-15` : input.dateOfBirth
  return { dateOfBirth, birthYear: Number(dateOfBirth.slice(0, 4)), birthDatePrecision: precision }
}

/**
 * The date of birth to compute ages with when only an estimate is known. The midpoint of the
 * uncertain range halves the worst-case error, and errs neither way systematically: a child known
 * only by year is taken as born on 1 July (the year's middle day), one known by month on the 15th.
 * So such a child ages out within about six months (year) or half a month (month) of the true date,
 * in either direction — the indicators accept that rather than bias every estimate one way.
 * A birth year alone is used when the stored date is missing whatever the precision claims.
 */
export function effectiveDateOfBirth(child: {
  dateOfBirth?: string | null
  birthYear?: number | null
  birthDatePrecision: BirthDatePrecision
}): string | null {
  const { dateOfBirth, birthYear, birthDatePrecision } = child
  if (dateOfBirth) {
    const { year, month } = partsOf(dateOfBirth)
    if (birthDatePrecision === 'exact') return dateOfBirth
    if (birthDatePrecision === 'month') return formatDate(year, month, 15)
    return formatDate(birthYear ?? year, 7, 1)
  }
  if (birthYear !== null && birthYear !== undefined) return formatDate(birthYear, 7, 1)
  return null
}

// ---------------------------------------------------------------------------------------------
// Free health insurance for children under 6 (Decree 146/2018, Art. 3(7))

/**
 * The card runs until the child completes 72 months. One completing 72 months before 30 September
 * has not yet started school, so the card is extended to 30 September of that year; otherwise it
 * runs to the last day of the month of the 72nd month. A birthday on 30 September itself gives
 * 30 September either way; 1 October gives 31 October. A 29 February birth completes 72 months on
 * 1 March (the 6th birthday is never in a leap year), which is before 30 September.
 */
export function defaultBhytExpiry(dateOfBirth: string): string {
  const seventyTwoMonths = anniversary(dateOfBirth, 6)
  const { year, month } = partsOf(seventyTwoMonths)
  const schoolEntry = formatDate(year, 9, 30)
  return seventyTwoMonths < schoolEntry ? schoolEntry : lastDayOfMonth(year, month)
}

export function isBhytValidOn(card: { validFrom: string; validTo: string }, asOf: string): boolean {
  return card.validFrom <= asOf && asOf <= card.validTo
}

// ---------------------------------------------------------------------------------------------
// Name folding, the twin of the SQL function cps_fold (migrations/0000_extensions.sql)

const combiningMarks = /[\u0300-\u036f]/g

/**
 * Folds a Vietnamese name for search and duplicate detection: "Nguyễn  Văn Đức " → "nguyen van duc".
 * Must agree with cps_fold(), which the indexes use: lower(translate(unaccent(x), 'đĐ', 'dD')).
 * đ/Đ are letters of their own, not a d with a mark, so decomposition leaves them and they are
 * mapped explicitly. cps_fold() does not trim or collapse spaces; this does, so names must be
 * stored with their spaces already normalised for the two to agree.
 */
export function foldName(name: string): string {
  return name
    .normalize('NFD')
    .replace(combiningMarks, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .trim()
    .replace(/\s+/g, ' ')
}

export function nameTokens(name: string): string[] {
  const folded = foldName(name)
  return folded === '' ? [] : folded.split(' ')
}

// ---------------------------------------------------------------------------------------------
// Status

export type StoredChildStatus = 'active' | 'moved_out' | 'deceased'
export type ChildStatus = StoredChildStatus | 'aged_out'

/**
 * "Aged out" is derived, never stored, so that it cannot go stale: it depends on the day asked about.
 * A recorded death or move wins, because it is a fact about the person that ageing does not undo.
 * Without a date of birth the child cannot be shown to have aged out, so stays active.
 */
export function derivedStatus(stored: StoredChildStatus, dateOfBirth: string | null, asOf: string): ChildStatus {
  if (stored !== 'active') return stored
  if (dateOfBirth !== null && ageInYears(dateOfBirth, asOf) >= childAgeLimitYears) return 'aged_out'
  return 'active'
}

// ---------------------------------------------------------------------------------------------
// Groups of children in special circumstances (Child Law 2016, Art. 10)

/** In legal order; the alphabet skips f, j and has đ after d. */
export const circumstanceGroupCodes = ['a', 'b', 'c', 'd', 'đ', 'e', 'g', 'h', 'i', 'k', 'l', 'm', 'n', 'o'] as const
export type CircumstanceGroupCode = (typeof circumstanceGroupCodes)[number]

/**
 * Groups whose membership is sensitive personal data (Decree 13/2023 Art. 2(4), Personal Data Protection
 * Law 2025): disability, HIV, law violation, drugs, violence, sexual abuse, trafficking, serious illness.
 */
export const sensitiveGroupCodes: ReadonlySet<string> = new Set<CircumstanceGroupCode>([
  'd',
  'đ',
  'e',
  'g',
  'i',
  'l',
  'm',
  'n',
])

const groupCodeSet: ReadonlySet<string> = new Set(circumstanceGroupCodes)

/** Accepts the code as typed by people and older systems: any case, and 'dd' for đ where đ cannot be carried. */
export function normaliseGroupCode(input: string): CircumstanceGroupCode | null {
  const code = input.trim().toLowerCase()
  if (code === 'dd') return 'đ'
  return groupCodeSet.has(code) ? (code as CircumstanceGroupCode) : null
}

/** Both ends inclusive: a child who leaves a group on a date still counts in it that day. */
export function isMembershipActiveOn(membership: { startDate: string; endDate: string | null }, asOf: string): boolean {
  return membership.startDate <= asOf && (membership.endDate === null || asOf <= membership.endDate)
}

// ---------------------------------------------------------------------------------------------
// Care and support

export const careKinds = [
  'allowance',
  'health_insurance',
  'education_support',
  'alternative_care_relatives',
  'alternative_care_non_relatives',
  'alternative_care_facility',
  'counselling',
  'medical',
  'legal_aid',
  'referral',
  'other',
] as const
type CareKind = (typeof careKinds)[number]

/** Kinds recorded with an amount in VND; typed by string so callers can test unvalidated input. */
export const moneyCareKinds: ReadonlySet<string> = new Set<CareKind>(['allowance', 'education_support'])

// ---------------------------------------------------------------------------------------------
// Monthly social allowance (Decree 20/2021, Art. 4 and 6)

export interface AllowanceRate {
  /** First day the standard rate applies. */
  from: string
  standardVnd: number
}

/**
 * The standard social assistance rate (mức chuẩn trợ giúp xã hội), oldest first. It changes by
 * decree, so it is data: extend this table, or pass rates held as reference data.
 * Decree 20/2021 came into force on 1 July 2021; its rate was raised by Decree 76/2024 from 1 July 2024.
 */
export const allowanceRates: AllowanceRate[] = [
  { from: '2021-07-01', standardVnd: 360_000 },
  { from: '2024-07-01', standardVnd: 500_000 },
]

const allowanceCoefficientUnder4 = 2.5
const allowanceCoefficientFrom4 = 1.5

/**
 * The monthly allowance of a child in special circumstances on a date: standard rate times 2.5
 * under 4 years, 1.5 from the 4th birthday. Eligibility (under 16, or to 22 while studying) is
 * decided elsewhere; this only prices it. Throws for a date before the first known rate or before
 * the birth, rather than invent an amount.
 */
export function monthlyAllowanceVnd(
  dateOfBirth: string,
  onDate: string,
  rates: readonly AllowanceRate[] = allowanceRates,
): number {
  if (onDate < dateOfBirth) throw new RangeError(`the allowance date ${onDate} precedes the birth on ${dateOfBirth}`)
  let rate: AllowanceRate | null = null
  for (const candidate of rates) {
    if (candidate.from <= onDate && (rate === null || candidate.from > rate.from)) rate = candidate
  }
  if (!rate) throw new RangeError(`no standard social assistance rate is known for ${onDate}`)
  const coefficient = ageInYears(dateOfBirth, onDate) < 4 ? allowanceCoefficientUnder4 : allowanceCoefficientFrom4
  return Math.round(rate.standardVnd * coefficient)
}
