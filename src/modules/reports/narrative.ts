/**
 * What a report's narrative may not carry: it is written for the district and the city, who are promised
 * aggregates, so a number that identifies a person (citizen ID, health insurance card, telephone, e-mail) or
 * the full name of a child or household head registered in the report's unit has no place in it. Pure: the
 * registry's names are looked up by the caller (narrativeFindings takes the lookup).
 */
import { foldName } from '../children/rules.js'

export type PersonalDataKind =
  'identity_number' | 'insurance_card_number' | 'phone_number' | 'email_address' | 'registered_name' | 'names_unchecked'

const describedKind: Record<PersonalDataKind, string> = {
  identity_number: 'a number of 9, 10 or 12 digits, as a citizen ID or social insurance number is written',
  insurance_card_number: 'a health insurance card number',
  phone_number: 'a telephone number',
  email_address: 'an e-mail address',
  registered_name: 'the full name of a child or household head registered in the report’s unit',
  names_unchecked: 'more capitalised words than can be checked for registered names (write it in sentence case)',
}

// Figures that read as numbers below and are not: dates (15/3/2024, 01.01.2025-30.06.2025) and amounts of money.
const dates = /(?<!\d)\d{1,2}[./-]\d{1,2}[./-]\d{2,4}(?!\d)/gu
const amounts = /\d[\d.,]*\s*(?:đồng|đ(?!\p{L})|vn[dđ](?!\p{L})|triệu|tỷ|nghìn|ngàn)/giu
// A Vietnamese number: 0, 84 or +84 (an area code possibly in brackets) and then 9 or 10 digits, in groups
// separated by a space, a dot or a dash.
const phoneNumber =
  /(?<![\p{L}\p{N}+.,])(?:(?:\+?84|0)(?:[ .-]?\d){9,10}|\(0\d{1,3}\)(?:[ .-]{0,2}\d){7,8})(?![\p{L}\p{N}]|[ .-]\d)/u
// Digits not inside a longer run of letters or digits: 9 (the old ID card), 10 (social insurance) or 12 (the
// citizen ID card), or 9 and 12 in groups of three separated by spaces or dashes; other lengths, and the decimals
// of a figure, are figures. A telephone number wins where both read.
const identityNumber =
  /(?<![\p{L}\p{N}]|\d[.,])(?:\d{9}|\d{10}|\d{12}|\d{3}(?:[ -]\d{3}){2}|\d{3}(?:[ -]\d{3}){3})(?![\p{L}\p{N}]|[ -]\d)/u
// Two letters of the holder's group and 13 digits (HS4010123456789), with or without a space after the letters.
const insuranceCardNumber = /(?<![\p{L}\p{N}])[A-Za-z]{2} ?\d{13}(?![\p{L}\p{N}])/u
const emailAddress = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/u

/** The kinds of identifying number or address `text` holds, in PersonalDataKind's order. */
export function identifiersIn(text: string): PersonalDataKind[] {
  const found: PersonalDataKind[] = []
  const figures = text.normalize('NFC').replace(dates, ' ').replace(amounts, ' ')
  const phone = phoneNumber.test(figures)
  const withoutPhones = phone ? figures.replace(new RegExp(phoneNumber.source, 'gu'), ' ') : figures
  if (identityNumber.test(withoutPhones)) found.push('identity_number')
  if (insuranceCardNumber.test(figures)) found.push('insurance_card_number')
  if (phone) found.push('phone_number')
  if (emailAddress.test(text)) found.push('email_address')
  return found
}

const levelWords = /^(?:phuong|quan|huyen|xa|thi tran|thi xa|thanh pho|tinh|to dan pho|cum dan cu) /

/** Names are compared from their third syllable: two ("Hoàng Mai") are as often a place or a street. */
const shortestName = 3
const longestName = 6
const word = /\p{L}+/gu
const capitalised = /^\p{Lu}/u

/**
 * The folded word sequences of `text` that could be a person's full name: every run of 3 to 6 consecutive
 * capitalised words separated by spaces only, of any kind ("em Nguyễn Văn An, 8 tuổi" gives "nguyen van an"; in
 * "Phường Hoàng Liệt Nguyễn Văn An" every such run of it), less the names of `places` (placeName: folded, without
 * the word of their level), with or without that word, each once.
 */
export function nameCandidates(text: string, places: ReadonlySet<string>): string[] {
  const candidates = new Set<string>()
  let run: string[] = []
  let runEnd = -1
  const close = () => {
    for (let start = 0; start < run.length; start++)
      for (let length = shortestName; length <= longestName && start + length <= run.length; length++) {
        const name = foldName(run.slice(start, start + length).join(' '))
        if (!places.has(name) && !places.has(name.replace(levelWords, ''))) candidates.add(name)
      }
    run = []
  }
  // Composed first: a keyboard that types "ễ" as "e" and two marks would split the word at the marks.
  const composed = text.normalize('NFC')
  for (const match of composed.matchAll(word)) {
    const between = composed.slice(runEnd, match.index)
    if (!capitalised.test(match[0]) || (run.length > 0 && !/^[\p{Zs}\t]+$/u.test(between))) close()
    if (capitalised.test(match[0])) run.push(match[0])
    runEnd = match.index + match[0].length
  }
  close()
  return [...candidates]
}

/** A unit's name as nameCandidates compares it: folded, without the word of its level ("Phường", "Quận"). */
export function placeName(nameVi: string): string {
  return foldName(nameVi).replace(levelWords, '')
}

export interface NarrativeText {
  /** Where the text is in the request body, as a JSON pointer. */
  pointer: string
  text: string
}

export interface NarrativeFinding {
  pointer: string
  kinds: PersonalDataKind[]
}

/**
 * How many names one screening looks up at most: a narrative in sentence case gives a few dozen, one of 30
 * sections in capitals thousands; the generated district's registry answers 10,000 in about half a second.
 */
export const namesCheckedAtMost = 10_000

/**
 * Which of `texts` hold personal data, and of which kinds. `registered` answers which of the folded names it is
 * given are registered in the report's unit (asked once, for every text's candidates together).
 */
export async function narrativeFindings(
  texts: readonly NarrativeText[],
  places: ReadonlySet<string>,
  registered: (names: string[]) => Promise<ReadonlySet<string>>,
): Promise<NarrativeFinding[]> {
  const candidates = texts.map(({ text }) => nameCandidates(text, places))
  const all = [...new Set(candidates.flat())]
  // Beyond the cap the lookup would outlast a request: such texts are taken to hold names, not let through.
  const checked = all.length <= namesCheckedAtMost
  const names = checked && all.length > 0 ? await registered(all) : new Set<string>()
  return texts.flatMap(({ pointer, text }, index) => {
    const kinds = identifiersIn(text)
    if (!checked && candidates[index]!.length > 0) kinds.push('names_unchecked')
    else if (candidates[index]!.some((name) => names.has(name))) kinds.push('registered_name')
    return kinds.length > 0 ? [{ pointer, kinds }] : []
  })
}

/** A finding as a field error of a refused request: where, and what kind of data (never the data itself). */
export function findingProblem(finding: NarrativeFinding): { pointer: string; message: string; code: string } {
  return {
    pointer: finding.pointer,
    message: `holds ${finding.kinds.map((kind) => describedKind[kind]).join('; ')}: write a role, an initial or a count instead`,
    code: 'personal_data',
  }
}
