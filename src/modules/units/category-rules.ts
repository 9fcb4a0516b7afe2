/**
 * Unit categories as effective-dated data: which entry is in force on a date, and what is wrong with a
 * change an administrator asks for. Pure: the unit, its ancestors and the known categories come in.
 */
import type { FieldError } from '../../platform/problem.js'
import type { UnitLevel } from './tables.js'

/** An entry of a ward's history: it holds from `validFrom` until the next entry's. */
export interface DatedEntry {
  validFrom: string
}

/** The entry in force on `date`: the latest that starts on or before it; undefined before the first. */
export function entryInForce<T extends DatedEntry>(history: readonly T[], date: string): T | undefined {
  let found: T | undefined
  for (const entry of history) {
    if (entry.validFrom <= date && (!found || entry.validFrom > found.validFrom)) found = entry
  }
  return found
}

/** The day before an ISO date (the last day of the entry a later one replaces). */
export function dayBefore(date: string): string {
  const day = new Date(`${date}T00:00:00Z`)
  day.setUTCDate(day.getUTCDate() - 1)
  return day.toISOString().slice(0, 10)
}

/** The history in date order, each entry with the last day it holds (null for the one still in force). */
export function withValidTo<T extends DatedEntry>(history: readonly T[]): (T & { validTo: string | null })[] {
  const ordered = [...history].sort((a, b) => (a.validFrom < b.validFrom ? -1 : a.validFrom > b.validFrom ? 1 : 0))
  return ordered.map((entry, i) => {
    const next = ordered[i + 1]
    return { ...entry, validTo: next ? dayBefore(next.validFrom) : null }
  })
}

interface DatedUnit {
  code: string
  level: UnitLevel
  validFrom: string
  validTo: string | null
}

export interface CategoryChange {
  category: string
  validFrom: string
  recognisingUnitCode?: string
}

const validOn = (unit: DatedUnit, date: string) =>
  unit.validFrom <= date && (unit.validTo === null || unit.validTo >= date)

/**
 * What is wrong with giving `unit` a category from a date: it must be a ward, the category a known one,
 * the date within the ward's validity, and the recognising unit (when named) a district or province above
 * the ward that exists on that date.
 */
export function categoryChangeProblems(
  unit: DatedUnit,
  change: CategoryChange,
  knownCategories: readonly string[],
  ancestors: readonly DatedUnit[],
): FieldError[] {
  if (unit.level !== 'ward')
    return [{ location: 'params', pointer: '/code', message: 'is not a ward', code: 'not_a_ward' }]
  const problems: FieldError[] = []
  if (!knownCategories.includes(change.category))
    problems.push({
      location: 'body',
      pointer: '/category',
      message: `must be one of ${knownCategories.join(', ')}`,
      code: 'unknown_category',
    })
  if (!validOn(unit, change.validFrom))
    problems.push({
      location: 'body',
      pointer: '/validFrom',
      message: `must fall within the ward’s validity (${unit.validFrom} to ${unit.validTo ?? 'today'})`,
      code: 'outside_unit_validity',
    })
  if (change.recognisingUnitCode !== undefined) {
    const recogniser = ancestors.find((a) => a.code === change.recognisingUnitCode)
    if (!recogniser || (recogniser.level !== 'district' && recogniser.level !== 'province'))
      problems.push({
        location: 'body',
        pointer: '/recognisingUnitCode',
        message: 'must be a district or province the ward lies in',
        code: 'invalid_recognising_unit',
      })
    else if (!validOn(recogniser, change.validFrom))
      problems.push({
        location: 'body',
        pointer: '/recognisingUnitCode',
        message: `does not exist on ${change.validFrom}`,
        code: 'recognising_unit_not_valid',
      })
  }
  return problems
}
