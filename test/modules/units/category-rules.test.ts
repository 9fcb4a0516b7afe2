import t from 'tap'
import { thresholdClassOf, type WardCategory } from '../../../src/modules/criteria/criteria-set-rules.js'
import {
  categoryChangeProblems,
  dayBefore,
  entryInForce,
  withValidTo,
  type CategoryChange,
} from '../../../src/modules/units/category-rules.js'
import { unitCategoryKinds } from '../../../src/reference/unit-categories.js'

const history = [
  { validFrom: '2025-07-01', category: 'urban_ward_central_city' },
  { validFrom: '2027-01-01', category: 'township' },
  { validFrom: '2026-06-01', category: 'commune' },
]

t.test('entryInForce: the latest entry starting on or before the date, whatever the order', async (t) => {
  const cases: [string, string | undefined][] = [
    ['2025-06-30', undefined],
    ['2025-07-01', 'urban_ward_central_city'],
    ['2026-05-31', 'urban_ward_central_city'],
    ['2026-06-01', 'commune'],
    ['2026-12-31', 'commune'],
    ['2027-01-01', 'township'],
    ['2030-01-01', 'township'],
  ]
  for (const [date, expected] of cases) t.equal(entryInForce(history, date)?.category, expected, date)
})

t.test('withValidTo: oldest first, each ending the day before the next', async (t) => {
  t.same(
    withValidTo(history).map((e) => [e.validFrom, e.validTo]),
    [
      ['2025-07-01', '2026-05-31'],
      ['2026-06-01', '2026-12-31'],
      ['2027-01-01', null],
    ],
  )
  t.same(withValidTo([]), [])
  const cases: [string, string][] = [
    ['2026-03-01', '2026-02-28'],
    ['2024-03-01', '2024-02-29'],
    ['2026-01-01', '2025-12-31'],
  ]
  for (const [date, expected] of cases) t.equal(dayBefore(date), expected, date)
})

t.test('categoryChangeProblems', async (t) => {
  const city = { code: '01', level: 'province' as const, validFrom: '2008-08-01', validTo: null }
  const district = { code: '008', level: 'district' as const, validFrom: '2004-01-01', validTo: '2025-06-30' }
  const oldWard = { code: '00301', level: 'ward' as const, validFrom: '2004-01-01', validTo: '2025-06-30' }
  const newWard = { code: '00301-2025', level: 'ward' as const, validFrom: '2025-07-01', validTo: null }
  const known = unitCategoryKinds().map((k) => k.code)
  const cases: [string, typeof oldWard | typeof newWard | typeof district, CategoryChange, string[]][] = [
    ['a commune from a date in force', newWard, { category: 'commune', validFrom: '2026-06-01' }, []],
    [
      'the city recognising a new ward',
      newWard,
      { category: 'commune', validFrom: '2026-06-01', recognisingUnitCode: '01' },
      [],
    ],
    [
      'the district recognising an old ward',
      oldWard,
      { category: 'township', validFrom: '2020-01-01', recognisingUnitCode: '008' },
      [],
    ],
    ['not a ward', district, { category: 'commune', validFrom: '2020-01-01' }, ['not_a_ward']],
    ['an unknown category', newWard, { category: 'village', validFrom: '2026-06-01' }, ['unknown_category']],
    [
      'a Decision 06 class is not a category',
      newWard,
      { category: 'other', validFrom: '2026-06-01' },
      ['unknown_category'],
    ],
    ['before the ward existed', newWard, { category: 'commune', validFrom: '2025-06-30' }, ['outside_unit_validity']],
    ['after the ward ended', oldWard, { category: 'commune', validFrom: '2025-07-01' }, ['outside_unit_validity']],
    [
      'a recogniser that is not above the ward',
      newWard,
      { category: 'commune', validFrom: '2026-06-01', recognisingUnitCode: '008' },
      ['invalid_recognising_unit'],
    ],
    [
      'a ward cannot recognise itself',
      newWard,
      { category: 'commune', validFrom: '2026-06-01', recognisingUnitCode: '00301-2025' },
      ['invalid_recognising_unit'],
    ],
    [
      'the district is gone on the date',
      { ...oldWard, validTo: null },
      { category: 'commune', validFrom: '2025-07-01', recognisingUnitCode: '008' },
      ['recognising_unit_not_valid'],
    ],
    [
      'every problem at once',
      newWard,
      { category: 'village', validFrom: '2020-01-01', recognisingUnitCode: 'nowhere' },
      ['unknown_category', 'outside_unit_validity', 'invalid_recognising_unit'],
    ],
  ]
  for (const [name, unit, change, expected] of cases) {
    const ancestors = unit.code === '00301-2025' ? [city] : [district, city]
    t.same(
      categoryChangeProblems(unit, change, known, ancestors).map((p) => p.code),
      expected,
      name,
    )
  }
})

t.test('thresholdClassOf: each category to its Decision 06 class, as the reference maps it', async (t) => {
  const kinds = unitCategoryKinds()
  const cases: [string | null, WardCategory | null][] = [
    ['urban_ward_central_city', 'urban_ward_central_city'],
    ['urban_ward', 'other'],
    ['township', 'other'],
    ['commune', 'other'],
    ['disadvantaged_commune', 'disadvantaged'],
    ['other', 'other'],
    ['disadvantaged', 'disadvantaged'],
    ['village', null],
    [null, null],
  ]
  for (const [category, expected] of cases) t.equal(thresholdClassOf(category, kinds), expected, String(category))
})
