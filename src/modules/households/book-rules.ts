/**
 * The household child book (Sổ theo dõi trẻ em trong hộ gia đình) as an officer keeps it on paper: each
 * household under its number, the children of the household under it. Pure rules, no I/O.
 */
import type { povertyStatuses } from './tables.js'

type PovertyStatus = (typeof povertyStatuses)[number]

/** Where a child stands in the book: the household it lives in (none when not recorded in one), and where. */
export interface BookPlace {
  wardCode: string
  residentialGroupCode: string | null
  householdId: string | null
}

/**
 * A line of the book. Households are numbered through the book and their children as `household.child`
 * (3.2); children recorded in no household are listed, numbered from 1, under a line of their own for
 * each residential group (or ward) they live in, after that group's households.
 */
export type BookLine<T> =
  | { kind: 'household'; number: number; entry: T }
  | { kind: 'without_household'; entry: T }
  | { kind: 'child'; number: string; entry: T }

function samePlace(a: BookPlace, b: BookPlace): boolean {
  return (
    a.householdId === b.householdId && a.wardCode === b.wardCode && a.residentialGroupCode === b.residentialGroupCode
  )
}

/**
 * The book's lines from its children in book order (a household's children together, those of no household
 * together after the households of their group): a household line before each household's first child, a
 * line for children of no household before the first of them in each group.
 */
export async function* childBookLines<T extends BookPlace>(
  entries: AsyncIterable<T> | Iterable<T>,
): AsyncGenerator<BookLine<T>> {
  let previous: T | undefined
  let households = 0
  let childInPlace = 0
  for await (const entry of entries) {
    if (previous === undefined || !samePlace(previous, entry)) {
      childInPlace = 0
      if (entry.householdId === null) yield { kind: 'without_household', entry }
      else yield { kind: 'household', number: ++households, entry }
    }
    childInPlace++
    yield {
      kind: 'child',
      number: entry.householdId === null ? String(childInPlace) : `${households}.${childInPlace}`,
      entry,
    }
    previous = entry
  }
}

/** A household's poverty status (hộ nghèo, hộ cận nghèo) on `asOf`: null when it has none, or not on that day. */
export function povertyOn(
  household: { povertyStatus: PovertyStatus; povertyFrom: string | null; povertyTo: string | null },
  asOf: string,
): Exclude<PovertyStatus, 'none'> | null {
  const { povertyStatus, povertyFrom, povertyTo } = household
  if (povertyStatus === 'none') return null
  if (povertyFrom !== null && asOf < povertyFrom) return null
  if (povertyTo !== null && povertyTo < asOf) return null
  return povertyStatus
}
