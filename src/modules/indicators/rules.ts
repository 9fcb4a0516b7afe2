/**
 * Target indicators and periodic reports (plan 140/KH-UBND 2024, sections I.2 and V). Pure: every
 * function takes its figures and instants; definitions, targets and periods live in
 * src/reference/indicators.json.
 */
import { createHash } from 'node:crypto'
import { canonicalJson } from '../../platform/canonical-json.js'
import { addDays, addWorkingDays, isWithinDueDate, startOfLocalDay } from '../calendar/rules.js'
import { ageGroups, circumstanceGroupCodes } from '../children/rules.js'
import { closureReasons } from '../incidents/forms-rules.js'
import {
  incidentKinds,
  incidentSettings,
  type CaseDeadlines,
  type CaseStep,
  type DeadlineRules,
} from '../incidents/rules.js'
import { urgencies } from '../referrals/rules.js'

export type Comparator = '>=' | '<=' | '=' | '<' | '>'

/** Whether a figure reaches its target; null when there is no figure to judge. */
export function targetMet(value: number | null, target: { comparator: Comparator; value: number }): boolean | null {
  if (value === null) return null
  switch (target.comparator) {
    case '>=':
      return value >= target.value
    case '<=':
      return value <= target.value
    case '=':
      return value === target.value
    case '<':
      return value < target.value
    case '>':
      return value > target.value
  }
}

function checkCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0)
    throw new RangeError(`${name} must be a non-negative whole number (got ${value})`)
}

/**
 * numerator / denominator as a percentage with 2 decimals, halves rounded up (1/800 → 0.13); null
 * when the denominator is 0, since "0%" of nobody would read as a failure. Integer arithmetic
 * keeps exact halves exact: 1/800 is 0.125, which binary floating point cannot hold.
 * A numerator above the denominator is returned as is (above 100) so inconsistent data shows.
 */
export function percentage(numerator: number, denominator: number): number | null {
  checkCount('numerator', numerator)
  checkCount('denominator', denominator)
  if (denominator === 0) return null
  return Math.floor((numerator * 20000 + denominator) / (2 * denominator)) / 100
}

export const periodKinds = ['ward_plan', 'six_month', 'nine_month', 'annual'] as const
export type PeriodKind = (typeof periodKinds)[number]

export interface ReportingPeriod {
  code: string
  kind: PeriodKind
  year: number
  /** Local calendar date (Asia/Ho_Chi_Minh); a report is on time up to 23:59:59 that day. */
  dueDate: string
  /** First and last local dates of the data the report covers, both included. */
  windowFrom: string
  windowTo: string
}

const dueDays: Record<PeriodKind, string> = {
  ward_plan: '03-30',
  six_month: '05-15',
  nine_month: '09-15',
  annual: '11-10',
}

/**
 * The four reporting periods of a year as plan 140/KH-UBND sets them: ward plan 30/3, 6-month report
 * 15/5, 9-month 15/9, annual 10/11. A "6-month" report due on 15 May cannot cover January–June, so
 * every window runs from 1 January to the day before the due date (the annual one to 9 November).
 * Due dates are kept as written even on a weekend (15/9/2024 is a Sunday): the plan names dates, not
 * working days; an administrator can move a period in the reference data.
 */
export function defaultPeriodsForYear(year: number): ReportingPeriod[] {
  if (!Number.isInteger(year) || year < 1000 || year > 9999)
    throw new RangeError(`year must be a four-digit year (got ${year})`)
  return periodKinds.map((kind) => {
    const dueDate = `${year}-${dueDays[kind]}`
    return { code: `${year}-${kind}`, kind, year, dueDate, windowFrom: `${year}-01-01`, windowTo: addDays(dueDate, -1) }
  })
}

/**
 * The days a year's figures close on: each reporting period's last day, and 31 December. Tables for
 * callers from whom small counts are withheld are read as of these days only, once they have passed:
 * two tables a day apart would differ by that day's records, which no protection of either table on its
 * own can hide.
 */
export function closingDays(year: number, periods: readonly Pick<ReportingPeriod, 'windowTo'>[]): string[] {
  const days = new Set([...periods.map((period) => period.windowTo), `${year}-12-31`])
  return [...days].filter((day) => day.startsWith(`${year}-`)).sort()
}

/**
 * The closing day a withheld table is read as of: the one asked for, or the latest to have passed.
 * A string is the day; an object says why there is none (the days that could be asked for).
 */
export function closedDay(
  requested: string | undefined,
  closing: readonly string[],
  today: string,
): string | { reason: 'not_a_closing_day' | 'not_closed' | 'none_closed'; closed: string[] } {
  const closed = closing.filter((day) => day < today)
  if (requested === undefined) return closed.at(-1) ?? { reason: 'none_closed', closed }
  if (!closing.includes(requested)) return { reason: 'not_a_closing_day', closed }
  return closed.includes(requested) ? requested : { reason: 'not_closed', closed }
}

export type Timeliness = 'on_time' | 'late' | 'missing' | 'not_due'

/**
 * On time when submitted at or before 23:59:59 local time on the due date; late after it. Without a
 * submission, 'missing' once the due date has passed, else 'not_due'.
 */
export function submissionTimeliness(
  period: Pick<ReportingPeriod, 'dueDate'>,
  submittedAt: Date | null,
  now: Date,
): Timeliness {
  if (submittedAt !== null) return submittedTimeliness(period, submittedAt)
  return isWithinDueDate(now, period.dueDate) ? 'not_due' : 'missing'
}

/** A submission made at `submittedAt`: on time up to 23:59:59 local time on the due date, late after. */
export function submittedTimeliness(period: Pick<ReportingPeriod, 'dueDate'>, submittedAt: Date): 'on_time' | 'late' {
  return isWithinDueDate(submittedAt, period.dueDate) ? 'on_time' : 'late'
}

export interface TimelinessSummary {
  onTime: number
  late: number
  missing: number
  notDue: number
  /** Reports that were due: on time, late or missing. Reports not yet due do not count against a unit. */
  due: number
  onTimePercentage: number | null
}

/** Reporting discipline of a unit or a district, counted over the reports that were due. */
export function timelinessSummary(values: readonly Timeliness[]): TimelinessSummary {
  const count = (wanted: Timeliness) => values.filter((v) => v === wanted).length
  const onTime = count('on_time')
  const late = count('late')
  const missing = count('missing')
  const due = onTime + late + missing
  return { onTime, late, missing, notDue: count('not_due'), due, onTimePercentage: percentage(onTime, due) }
}

export interface BreakdownCell {
  key: Record<string, string>
  numerator: number
  denominator: number
}

/**
 * Group-and-sum cells by the breakdowns in `by` (all others summed away), so ward figures add up to
 * the district's and a sex × age table folds into a sex table. Groups keep first-seen order. A cell
 * without one of the `by` keys is a caller error: folding it into some group would change the figures.
 */
export function sumBreakdowns(cells: readonly BreakdownCell[], by: readonly string[]): BreakdownCell[] {
  const groups = new Map<string, BreakdownCell>()
  for (const cell of cells) {
    // Codes never hold a NUL: joined with it, the values name their group without building a key first.
    let id = ''
    for (const name of by) {
      const value = cell.key[name]
      if (value === undefined) throw new RangeError(`a cell has no "${name}" breakdown: ${JSON.stringify(cell.key)}`)
      id += `${value}\u0000`
    }
    const group = groups.get(id)
    if (group === undefined) {
      const key: Record<string, string> = {}
      for (const name of by) key[name] = cell.key[name]!
      groups.set(id, { key, numerator: cell.numerator, denominator: cell.denominator })
    } else {
      group.numerator += cell.numerator
      group.denominator += cell.denominator
    }
  }
  return [...groups.values()]
}

const cellOrder: Record<string, readonly string[]> = {
  sex: ['male', 'female', 'unknown'],
  ageGroup: [...ageGroups.map((group) => group.code), 'unknown'],
  groupCode: circumstanceGroupCodes,
  kind: incidentKinds,
  setting: [...incidentSettings, 'unknown'],
  urgency: urgencies,
  // Closures recorded before reasons were coded keep their words, which no breakdown shows: 'unknown'.
  closureReason: [...closureReasons, 'unknown'],
}

/** Every code a breakdown's dimension takes, "unknown" included where a record may have it. */
export function cellCodes(dimension: string): readonly string[] {
  return cellOrder[dimension] ?? []
}

function rank(dimension: string, value: string | undefined): number {
  const order = cellOrder[dimension] ?? []
  const index = value === undefined ? -1 : order.indexOf(value)
  return index === -1 ? order.length : index
}

/** Cells in the order people read them: male before female, youngest first, groups and kinds in legal order. */
export function orderCells<T extends { key: Record<string, string> }>(cells: T[], dimensions: readonly string[]): T[] {
  return cells.sort((a, b) => {
    for (const dimension of dimensions) {
      const difference = rank(dimension, a.key[dimension]) - rank(dimension, b.key[dimension])
      if (difference !== 0) return difference
    }
    return 0
  })
}

// ---------------------------------------------------------------------------------------------
// What the incident measures count

export type SupportOutcome = 'prompt' | 'late' | 'pending'

/**
 * Whether a child-labour case was supported promptly, judged at `cutoff` (steps recorded at or after it
 * are not yet known): its support plan recorded within the Decree 56 deadline (5 working days of
 * receipt), or, in an emergency, the child protected within 12 hours. 'pending' while the plan is not
 * yet due, so that a case received yesterday does not count as a failure.
 */
export function childLabourSupport(
  supportCase: { receivedAt: Date; emergency: boolean; supportPlanAt: Date | null; emergencyProtectionAt: Date | null },
  deadlines: CaseDeadlines,
  cutoff: Date,
): SupportOutcome {
  const known = (at: Date | null) => (at !== null && at.getTime() < cutoff.getTime() ? at : null)
  const protectedAt = known(supportCase.emergencyProtectionAt)
  if (supportCase.emergency && protectedAt) {
    const protectionDue = deadlines.of('emergency_protection', supportCase.receivedAt)!
    if (protectedAt.getTime() <= protectionDue.getTime()) return 'prompt'
  }
  const planDue = deadlines.of('support_plan', supportCase.receivedAt)!
  const planAt = known(supportCase.supportPlanAt)
  if (planAt) return planAt.getTime() <= planDue.getTime() ? 'prompt' : 'late'
  return cutoff.getTime() > planDue.getTime() ? 'late' : 'pending'
}

const hourMs = 60 * 60 * 1000

/**
 * The earliest receipt whose deadline for `step` can fall on or after the start of local day `from`, under
 * any version of the step deadlines: the cases a window's deadlines may belong to were received from then on.
 */
export function earliestReceiptDueFrom(step: CaseStep, from: string, { calendar, stepRules }: DeadlineRules): Date {
  const start = startOfLocalDay(from)
  let earliest = start
  for (const version of stepRules) {
    const rule = version.rules.find((candidate) => candidate.step === step)
    if (!rule) continue
    let bound: Date
    if (rule.kind === 'hours') bound = new Date(start.getTime() - rule.amount * hourMs)
    else {
      // Counting N working days on from a later day never ends earlier, so step back while it still reaches `from`.
      let day = from
      while (addWorkingDays(addDays(day, -1), rule.amount, calendar) >= from) day = addDays(day, -1)
      bound = startOfLocalDay(day)
    }
    if (bound.getTime() < earliest.getTime()) earliest = bound
  }
  return earliest
}

/**
 * Whether a case's support plan was made within its Decree 56 deadline (5 working days of receipt), judged
 * in the window its deadline falls in (`from` included, `to` not), so that each case counts in one window
 * and a year's figure is the sum of its quarters'. Null when the case does not count in the window: its
 * deadline lies outside it; it was closed by its deadline without a plan (a report found not to be a
 * protection case, or transferred, owes none); or, at `cutoff`, the deadline has not passed and no plan is
 * known yet.
 */
export function supportPlanTimeliness(
  supportCase: { receivedAt: Date; supportPlanAt: Date | null; closedAt: Date | null },
  deadlines: CaseDeadlines,
  window: { from: Date; to: Date },
  cutoff: Date,
): 'on_time' | 'late' | null {
  const due = deadlines.of('support_plan', supportCase.receivedAt)
  if (!due || due.getTime() < window.from.getTime() || due.getTime() >= window.to.getTime()) return null
  const known = (at: Date | null) => at !== null && at.getTime() < cutoff.getTime()
  if (known(supportCase.supportPlanAt))
    return supportCase.supportPlanAt!.getTime() <= due.getTime() ? 'on_time' : 'late'
  if (known(supportCase.closedAt) && supportCase.closedAt!.getTime() <= due.getTime()) return null
  return cutoff.getTime() > due.getTime() ? 'late' : null
}

// ---------------------------------------------------------------------------------------------
// Figures and targets

export type IndicatorKind = 'count' | 'percentage'
type TargetUnit = 'percent' | 'count' | 'wards'

export interface Target {
  comparator: Comparator
  value: number
  unit: TargetUnit
}

/** The published figure: the count itself, or numerator / denominator as a percentage. */
export function figureValue(kind: IndicatorKind, numerator: number, denominator: number): number | null {
  return kind === 'percentage' ? percentage(numerator, denominator) : numerator
}

/**
 * Whether a unit's figure meets the plan's target. A target in wards ("14 of 14") is the district's;
 * a ward's own figure is 1 of 1, so a ward meets it when its numerator reaches its denominator.
 */
export function figureMet(
  target: Target | null,
  figure: { value: number | null; numerator: number; denominator: number },
  unitLevel: string,
): boolean | null {
  if (target === null) return null
  if (target.unit === 'wards' && unitLevel === 'ward')
    return figure.denominator === 0 ? null : figure.numerator >= figure.denominator
  return targetMet(figure.value, target)
}

export interface TargetProblem {
  pointer: string
  message: string
  code: string
}

/** What is wrong with a plan year's targets, each at its JSON pointer; an empty list when nothing is. */
export function targetProblems(
  targets: readonly (Target & { indicatorCode: string })[],
  indicators: ReadonlyMap<string, { kind: IndicatorKind }>,
): TargetProblem[] {
  const problems: TargetProblem[] = []
  const seen = new Set<string>()
  targets.forEach((target, index) => {
    const at = `/targets/${index}`
    const indicator = indicators.get(target.indicatorCode)
    if (seen.has(target.indicatorCode))
      problems.push({ pointer: `${at}/indicatorCode`, message: 'appears twice', code: 'duplicate_target' })
    seen.add(target.indicatorCode)
    if (!indicator) {
      problems.push({
        pointer: `${at}/indicatorCode`,
        message: 'is not a published indicator',
        code: 'unknown_indicator',
      })
      return
    }
    if ((target.unit === 'percent') !== (indicator.kind === 'percentage')) {
      const expected = indicator.kind === 'percentage' ? 'percent' : 'count or wards'
      problems.push({
        pointer: `${at}/unit`,
        message: `must be ${expected} for a ${indicator.kind} indicator`,
        code: 'unit_mismatch',
      })
    }
    if (target.unit === 'percent' && target.value > 100)
      problems.push({ pointer: `${at}/value`, message: 'must not exceed 100 percent', code: 'out_of_range' })
    if (target.unit !== 'percent' && !Number.isInteger(target.value))
      problems.push({ pointer: `${at}/value`, message: 'must be a whole number', code: 'out_of_range' })
  })
  return problems
}

/**
 * A version number for data without a version column (a plan year's targets, a reporting period):
 * a digest of its content, so an entity tag changes whenever the content does. Kept to 28 bits so it
 * fits the service's entity tags ("0" … "268435455").
 */
export function contentVersion(content: unknown): number {
  return createHash('sha256').update(canonicalJson(content)).digest().readUInt32BE(0) >>> 4
}

// ---------------------------------------------------------------------------------------------
// Reporting periods as data

const periodCodePattern = /^(\d{4})-(ward_plan|six_month|nine_month|annual)$/

/** A period's code is its year and kind, e.g. 2024-six_month; null for anything else. */
export function parsePeriodCode(code: string): { year: number; kind: PeriodKind } | null {
  const match = periodCodePattern.exec(code)
  return match ? { year: Number(match[1]), kind: match[2] as PeriodKind } : null
}

/**
 * What is wrong with a changed period: its window must lie in its plan year (its figures are judged
 * against that year's targets) and end no later than the due date.
 */
export function periodProblems(
  year: number,
  period: Pick<ReportingPeriod, 'dueDate' | 'windowFrom' | 'windowTo'>,
): TargetProblem[] {
  const problems: TargetProblem[] = []
  const first = `${year}-01-01`
  const last = `${year}-12-31`
  if (period.windowFrom < first || period.windowFrom > last)
    problems.push({ pointer: '/windowFrom', message: `must lie in ${year}`, code: 'out_of_range' })
  if (period.windowTo < first || period.windowTo > last)
    problems.push({ pointer: '/windowTo', message: `must lie in ${year}`, code: 'out_of_range' })
  if (period.windowTo < period.windowFrom)
    problems.push({ pointer: '/windowTo', message: 'must not be before windowFrom', code: 'invalid_range' })
  if (period.dueDate < period.windowTo)
    problems.push({ pointer: '/dueDate', message: 'must not be before windowTo', code: 'invalid_range' })
  if (period.dueDate > `${year + 1}-12-31`)
    problems.push({ pointer: '/dueDate', message: `must be in ${year} or ${year + 1}`, code: 'out_of_range' })
  return problems
}

/**
 * The DHIS2 period a report's figures are posted against. Windows run from 1 January, so each report is
 * year-to-date; DHIS2 has no nine-month period type, so each kind maps to the DHIS2 period in which its
 * window ends: ward plan 2024Q1, 6-month 2024S1, 9-month 2024Q3, annual 2024.
 */
export function dhis2Period(period: Pick<ReportingPeriod, 'kind' | 'year'>): string {
  switch (period.kind) {
    case 'ward_plan':
      return `${period.year}Q1`
    case 'six_month':
      return `${period.year}S1`
    case 'nine_month':
      return `${period.year}Q3`
    case 'annual':
      return `${period.year}`
  }
}
