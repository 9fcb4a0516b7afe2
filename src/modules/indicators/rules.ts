/**
 * Target indicators and periodic reports (plan 140/KH-UBND 2024, sections I.2 and V). Pure: every
 * function takes its figures and instants; definitions, targets and periods live in
 * src/reference/indicators.json.
 */
import { addDays, isWithinDueDate } from '../calendar/rules.js'

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
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative whole number (got ${value})`)
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

/**
 * Smallest count published to city-level systems. Counts of 1 to 4 children in a ward can identify a
 * child (Decree 13/2023 on personal data), so they are withheld; 0 reveals nobody and is shown.
 */
export const smallCellMinimum = 5

export interface Published {
  value: number | null
  suppressed: boolean
}

function isSmall(count: number): boolean {
  return count > 0 && count < smallCellMinimum
}

export function suppressSmallCell(count: number): Published {
  checkCount('count', count)
  return isSmall(count) ? { value: null, suppressed: true } : { value: count, suppressed: false }
}

/**
 * A percentage for city-level systems. Withheld when the numerator or the denominator is 1 to 4,
 * because "2 of 3" can be read back from 66.67% as easily as from the counts. Not covered: the
 * complement (denominator − numerator) when the denominator is published elsewhere, e.g. 96% of 100
 * reveals 4 children not covered; suppress the denominator's own cell to close that.
 */
export function suppressPercentage(numerator: number, denominator: number): Published {
  checkCount('numerator', numerator)
  checkCount('denominator', denominator)
  if (isSmall(numerator) || isSmall(denominator)) return { value: null, suppressed: true }
  return { value: percentage(numerator, denominator), suppressed: false }
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
  if (!Number.isInteger(year) || year < 1000 || year > 9999) throw new RangeError(`year must be a four-digit year (got ${year})`)
  return periodKinds.map((kind) => {
    const dueDate = `${year}-${dueDays[kind]}`
    return { code: `${year}-${kind}`, kind, year, dueDate, windowFrom: `${year}-01-01`, windowTo: addDays(dueDate, -1) }
  })
}

export type Timeliness = 'on_time' | 'late' | 'missing' | 'not_due'

/**
 * On time when submitted at or before 23:59:59 local time on the due date; late after it. Without a
 * submission, 'missing' once the due date has passed, else 'not_due'.
 */
export function submissionTimeliness(period: Pick<ReportingPeriod, 'dueDate'>, submittedAt: Date | null, now: Date): Timeliness {
  if (submittedAt !== null) return isWithinDueDate(submittedAt, period.dueDate) ? 'on_time' : 'late'
  return isWithinDueDate(now, period.dueDate) ? 'not_due' : 'missing'
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
    const key: Record<string, string> = {}
    for (const name of by) {
      const value = cell.key[name]
      if (value === undefined) throw new RangeError(`a cell has no "${name}" breakdown: ${JSON.stringify(cell.key)}`)
      key[name] = value
    }
    const id = JSON.stringify(by.map((name) => key[name]))
    const group = groups.get(id)
    if (group === undefined) groups.set(id, { key, numerator: cell.numerator, denominator: cell.denominator })
    else {
      group.numerator += cell.numerator
      group.denominator += cell.denominator
    }
  }
  return [...groups.values()]
}
