import t from 'tap'
import {
  nearestSyllables,
  searchTerms,
  slipDistance,
  searchCursorFits,
  slipsAllowed,
  tiersToRun,
  type Correction,
} from '../../../src/modules/children/search-rules.js'

t.test('the syllables of a query, its given name and, of two syllables or more, its family name', async (t) => {
  const cases: [string, string[], string, string | undefined][] = [
    ['nguyen van an', ['nguyen', 'van', 'an'], 'an', 'nguyen'],
    ['an', ['an'], 'an', undefined],
    ['nguyen  an', ['nguyen', 'an'], 'an', 'nguyen'],
    ['an an', ['an'], 'an', undefined],
    ['an van an', ['an', 'van'], 'an', 'an'],
    ['a b c d e f g h i j', ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], 'j', 'a'],
    ['', [], '', undefined],
  ]
  for (const [folded, syllables, givenName, familyName] of cases)
    t.strictSame(
      searchTerms(folded),
      familyName === undefined ? { syllables, givenName } : { syllables, givenName, familyName },
      folded,
    )
})

t.test('slips between syllables: insertions, deletions, replacements and swaps count one each', async (t) => {
  const cases: [string, string, number][] = [
    ['van', 'van', 0],
    ['vna', 'van', 1],
    ['ngyuen', 'nguyen', 1],
    ['nguen', 'nguyen', 1],
    ['nguyenn', 'nguyen', 1],
    ['nguyrn', 'nguyen', 1],
    ['an', 'anh', 1],
    ['tran', 'tuan', 1],
    ['binh', 'minh', 1],
    ['abc', 'cba', 2],
    ['', 'an', 2],
  ]
  for (const [a, b, expected] of cases) {
    t.equal(slipDistance(a, b), expected, `${a} → ${b}`)
    t.equal(slipDistance(b, a), expected, `${b} → ${a}`)
  }
  t.same([slipsAllowed('an'), slipsAllowed('van'), slipsAllowed('binh'), slipsAllowed('nguyen')], [1, 1, 2, 2])
})

t.test('the syllables in use a syllable typed may stand for', async (t) => {
  const vocabulary = ['an', 'anh', 'binh', 'khanh', 'khang', 'minh', 'nguyen', 'nguyet', 'thanh', 'van', 'vinh', 'vu']
  const cases: [string, boolean, string[], string][] = [
    ['vna', false, ['van'], 'a swap'],
    ['ngyuen', false, ['nguyen'], 'a swap in a long syllable'],
    ['nguyrn', false, ['nguyen'], 'a neighbouring key'],
    ['bihn', false, ['binh'], 'the nearest only: binh (1) not minh (2)'],
    ['xyz', false, [], 'nothing near'],
    ['kha', true, ['khang', 'khanh'], 'unfinished: the syllables it begins'],
    ['kha', false, [], 'not the last syllable: no completion'],
    ['nguye', true, ['nguyen', 'nguyet'], 'one slip away and begun alike'],
    ['vn', true, ['an', 'van', 'vu'], 'one slip each; nothing in use begins with it'],
    ['vi', true, ['vu', 'vinh'], 'one slip (vu) first, then begun (vinh)'],
  ]
  for (const [typed, unfinished, expected, why] of cases)
    t.same(nearestSyllables(typed, vocabulary, unfinished), expected, why)
  t.same(
    nearestSyllables('th', ['ta', 'te', 'tha', 'thac', 'thu', 'thuy', 'tho', 'thuong'], true),
    ['ta', 'te', 'tha', 'tho', 'thu', 'thac', 'thuy', 'thuong'],
    'the nearest first, then what it begins, shortest first',
  )
  const many = Array.from({ length: 30 }, (_, i) => `b${String(i).padStart(2, '0')}`)
  t.equal(nearestSyllables('b', many, true).length, 20, 'at most 20 stand in for one syllable')
})

t.test('the tiers a search runs', async (t) => {
  const corrected: Correction[] = [{ typed: 'vna', known: false, nearest: ['van'] }]
  const hopeless: Correction[] = [{ typed: 'xyz', known: false, nearest: [] }]
  const cases: [string, string, Parameters<typeof tiersToRun>[0], Correction[], string[]][] = [
    [
      'every syllable in use',
      'nguyen van an',
      'exact',
      [],
      ['exact', 'family_and_given', 'given_name', 'all_syllables', 'corrected', 'similar'],
    ],
    [
      'a given name alone: no family name to begin with',
      'an',
      'exact',
      [],
      ['exact', 'given_name', 'all_syllables', 'corrected', 'similar'],
    ],
    ['resuming in a tier', 'nguyen van an', 'all_syllables', [], ['all_syllables', 'corrected', 'similar']],
    ['a syllable corrected', 'nguyen vna an', 'exact', corrected, ['corrected', 'similar']],
    ['a syllable nothing is near', 'nguyen xyz', 'exact', hopeless, ['similar']],
    ['two, one beyond correction', 'vna xyz', 'exact', [...corrected, ...hopeless], ['similar']],
    ['resuming among the similar', 'nguyen vna an', 'similar', corrected, ['similar']],
  ]
  for (const [why, query, from, corrections, expected] of cases)
    t.same(tiersToRun(from, corrections, searchTerms(query)), expected, why)
})

t.test('a search cursor: a tier there is, and for the similar a distance', async (t) => {
  const cases: [string, string, boolean][] = [
    ['exact', 'nguyen van an', true],
    ['all_syllables', 'tran van an', true],
    ['similar', '0.42857143', true],
    ['similar', '1', true],
    ['similar', 'abc', false],
    ['similar', '1e99', false],
    ['similar', '-0.5', false],
    ['nowhere', 'x', false],
    ['4', 'x', false],
    ['constructor', 'x', false],
  ]
  for (const [tier, key, expected] of cases) t.equal(searchCursorFits(tier, key), expected, `${tier} ${key}`)
})
