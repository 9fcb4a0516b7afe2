/**
 * Name search as an officer expects it (pure): a Vietnamese name is a short sequence of syllables, typed
 * with or without diacritics, whole or in part (a given name, a family and a given name), sometimes with
 * a slip. Results come in tiers, each ordered by name: the name exactly as typed; names that begin with
 * the first syllable typed as family name and end with the last as given name, holding every other syllable
 * typed ("Nguyễn An" finds Nguyễn Văn An); the other names holding every syllable typed with the last one as
 * given name; names holding every syllable elsewhere; names holding
 * every syllable once each mistyped one is corrected to its nearest syllables in use; and, only when none
 * of these finds anyone, names merely similar (trigram distance). The repository runs one query per tier.
 */

export const searchTiers = ['exact', 'family_and_given', 'given_name', 'all_syllables', 'corrected', 'similar'] as const
export type SearchTier = (typeof searchTiers)[number]

/** A name has a handful of syllables; a query of more is cut here, so that no search corrects dozens. */
const mostSyllables = 8

export interface SearchTerms {
  /** Each syllable once, in the order typed, at most 8. */
  syllables: string[]
  /** The last syllable typed. */
  givenName: string
  /** The first syllable typed, when a different one was typed after it. */
  familyName?: string
}

/** The syllables of a folded query, its given name and, of two syllables or more, its family name. */
export function searchTerms(folded: string): SearchTerms {
  const typed = folded.split(' ').filter((syllable) => syllable !== '')
  const syllables = [...new Set(typed)].slice(0, mostSyllables)
  const givenName = typed.at(-1) ?? ''
  return syllables.length > 1 ? { syllables, givenName, familyName: typed[0]! } : { syllables, givenName }
}

/**
 * How many slips a syllable typed may hold and still be taken for a syllable in use: one in a short
 * syllable (where two would turn "an" into most two-letter syllables), two in a longer one.
 */
export function slipsAllowed(syllable: string): number {
  return syllable.length <= 3 ? 1 : 2
}

/**
 * Edits between two syllables, a letter inserted, dropped, replaced, or two neighbours swapped each counting
 * one (optimal string alignment): "vna" is one slip from "van", as a person sees it.
 */
export function slipDistance(a: string, b: string): number {
  const rows = a.length + 1
  const columns = b.length + 1
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: columns }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  )
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < columns; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1)
    }
  }
  return d[a.length]![b.length]!
}

/** At most this many syllables stand in for one typed: a short unfinished syllable begins many. */
const nearestLimit = 20

/**
 * The syllables in use a syllable typed may stand for: those the fewest slips away (within slipsAllowed),
 * then, for the last syllable typed, which may be unfinished, the shortest it begins. At most 20.
 */
export function nearestSyllables(typed: string, vocabulary: readonly string[], unfinished: boolean): string[] {
  let best = slipsAllowed(typed)
  let nearest: string[] = []
  for (const syllable of vocabulary) {
    if (Math.abs(syllable.length - typed.length) > best) continue
    const distance = slipDistance(typed, syllable)
    if (distance < best) {
      best = distance
      nearest = [syllable]
    } else if (distance === best) nearest.push(syllable)
  }
  const begun = unfinished
    ? vocabulary
        .filter((syllable) => syllable.startsWith(typed) && !nearest.includes(syllable))
        .sort((a, b) => a.length - b.length || a.localeCompare(b))
    : []
  return [...nearest.sort(), ...begun].slice(0, nearestLimit)
}

/** A syllable typed, whether any child's name has it, and the syllables in use it may stand for. */
export interface Correction {
  typed: string
  known: boolean
  nearest: string[]
}

/**
 * The tiers a search runs, from the cursor's tier on, given the corrections of the syllables not in use.
 * A name with a syllable nobody's name has cannot be found by the syllable tiers, so those are skipped,
 * and the corrected tier needs a correction for each such syllable. When every syllable is in use but no
 * name has them all (a slip can make another syllable in use: "anh" for "an"), the corrected tier lets each
 * syllable in turn stand for its neighbours; the repository runs it then only when nothing matched as typed.
 * The family-and-given tier needs a family name: a query of two syllables or more.
 */
export function tiersToRun(
  from: SearchTier,
  unknownCorrections: readonly Correction[],
  terms: SearchTerms,
): SearchTier[] {
  const unknown = unknownCorrections.length > 0
  const correctable = unknownCorrections.every((correction) => correction.nearest.length > 0)
  return searchTiers.slice(searchTiers.indexOf(from)).filter((tier) => {
    if (tier === 'family_and_given' && terms.familyName === undefined) return false
    if (tier === 'corrected') return correctable
    if (tier === 'similar') return true
    return !unknown
  })
}

/** A tier named in a search cursor (by name, so that a tier added later cannot make an older cursor resume elsewhere). */
export function searchTierNamed(name: string | number | undefined): SearchTier | undefined {
  return searchTiers.find((tier) => tier === name)
}

/** Whether a search cursor's tier is one of the tiers, and its key one that tier issues (a distance for the similar). */
export function searchCursorFits(tier: string, key: string): boolean {
  const named = searchTierNamed(tier)
  if (named === undefined) return false
  if (named !== 'similar') return true
  const distance = Number(key)
  return /^[0-9.e+-]+$/i.test(key) && Number.isFinite(distance) && distance >= 0 && distance <= 1
}
