import t from 'tap'
import type { WardCategory } from '../../../src/modules/criteria/criteria-set-rules.js'
import { verdict } from '../../../src/modules/criteria/verdict-rules.js'
import { clone, scores, seed } from './fixtures/seed.js'

t.test('verdict: the required cases (urban ward, threshold 900)', async (t) => {
  const cases: [string, Record<string, number | undefined>, number, boolean, string[]][] = [
    // 1000 − 25 (6) − 10 (7) − 30 (9) − 30 (10) = 905
    ['905, every criterion met', { '6': 100, '7': 40, '9': 40, '10': 40 }, 905, true, []],
    // 1000 − 50 (7) − 45 (6) = 905
    ['905 with one criterion at 0', { '6': 80, '7': 0 }, 905, false, ['criterion 7 scored 0']],
    // 905 − 10 (1) = 895
    [
      '895, every criterion met',
      { '1': 90, '6': 100, '7': 40, '9': 40, '10': 40 },
      895,
      false,
      ['total 895 is below 900 required for this ward'],
    ],
    // 1000 − 25 − 10 − 30 − 35 = 900
    ['exactly 900', { '6': 100, '7': 40, '9': 40, '10': 35 }, 900, true, []],
    ['full marks', {}, 1000, true, []],
  ]
  for (const [name, changes, total, recognised, reasons] of cases) {
    const result = verdict(seed, 'urban_ward_central_city', scores(changes))
    t.equal(result.total, total, `${name}: total`)
    t.equal(result.requiredTotal, 900, `${name}: required`)
    t.equal(result.recognised, recognised, `${name}: recognised`)
    t.same(result.reasons, reasons, `${name}: reasons`)
  }
})

t.test('verdict: the threshold depends on the ward category', async (t) => {
  // Criteria 9–13 scored at their minimum of 35 count as met.
  const at860 = { '9': 35, '10': 35, '11': 35, '12': 35 } // 1000 − 4 × 35
  const cases: [Record<string, number>, number, Record<WardCategory, boolean>][] = [
    [at860, 860, { urban_ward_central_city: false, other: true, disadvantaged: true }],
    [{ ...at860, '13': 60 }, 850, { urban_ward_central_city: false, other: true, disadvantaged: true }],
    [{ ...at860, '13': 59 }, 849, { urban_ward_central_city: false, other: false, disadvantaged: true }],
    // 860 − 35 (13) − 5 (1) − 20 (6) = 800
    [
      { ...at860, '13': 35, '1': 95, '6': 105 },
      800,
      { urban_ward_central_city: false, other: false, disadvantaged: true },
    ],
    [
      { ...at860, '13': 35, '1': 95, '6': 104 },
      799,
      { urban_ward_central_city: false, other: false, disadvantaged: false },
    ],
  ]
  const required: Record<WardCategory, number> = { urban_ward_central_city: 900, other: 850, disadvantaged: 800 }
  for (const [changes, total, expected] of cases) {
    for (const category of ['urban_ward_central_city', 'other', 'disadvantaged'] as const) {
      const result = verdict(seed, category, scores(changes))
      t.equal(result.total, total, `${total} total`)
      t.equal(result.requiredTotal, required[category])
      t.equal(result.recognised, expected[category], `${total} for ${category}`)
      t.same(
        result.reasons,
        expected[category] ? [] : [`total ${total} is below ${required[category]} required for this ward`],
      )
    }
  }
})

t.test('verdict: statuses and reasons', async (t) => {
  const notMet = verdict(seed, 'other', scores({ '7': 20 }))
  t.equal(notMet.total, 970)
  t.equal(notMet.recognised, false)
  t.same(notMet.reasons, ['criterion 7 is not met (20 of 50, needs 25)'])
  t.same(notMet.criteria[6], { code: '7', maxPoints: 50, points: 20, status: 'not_met' })

  const missing = verdict(seed, 'other', scores({ '9': undefined }))
  t.equal(missing.total, 930, 'a missing score adds nothing')
  t.same(missing.reasons, ['criterion 9 has no score'])
  t.same(missing.criteria[8], { code: '9', maxPoints: 70, points: null, status: 'missing' })

  const zero = verdict(seed, 'other', scores({ '5': 0 }))
  t.same(zero.criteria[4], { code: '5', maxPoints: 75, points: 0, status: 'zero' })
  t.same(zero.reasons, ['criterion 5 scored 0'], 'one reason for a zero, not a second "not met"')

  const atMinimum = verdict(seed, 'other', scores({ '7': 25 }))
  t.equal(atMinimum.criteria[6]!.status, 'met', 'the minimum itself meets the criterion')

  // 1000 − 90 (1) − 75 (5) − 30 (7) − 70 (9 missing) = 735
  const many = verdict(seed, 'urban_ward_central_city', scores({ '1': 10, '5': 0, '7': 20, '9': undefined }))
  t.equal(many.total, 735)
  t.same(many.reasons, [
    'criterion 1 is not met (10 of 100, needs 50)',
    'criterion 5 scored 0',
    'criterion 7 is not met (20 of 50, needs 25)',
    'criterion 9 has no score',
    'total 735 is below 900 required for this ward',
  ])
  t.same(
    many.criteria.map((c) => c.status),
    ['not_met', 'met', 'met', 'met', 'zero', 'met', 'not_met', 'met', 'missing', 'met', 'met', 'met', 'met'],
  )

  const extra = verdict(seed, 'urban_ward_central_city', { ...scores(), '14': 50 })
  t.equal(extra.total, 1000, 'scores outside the set are ignored')
  t.equal(extra.criteria.length, 13)
})

t.test('verdict: the recognition rules are data', async (t) => {
  const cases: [string, boolean, boolean, Record<string, number>, boolean, string[]][] = [
    ['zero allowed, still not met', true, false, { '5': 0 }, false, ['criterion 5 is not met (0 of 75, needs 38)']],
    ['unmet criteria allowed', false, true, { '7': 20 }, true, []],
    ['unmet allowed, zero still barred', false, true, { '5': 0 }, false, ['criterion 5 scored 0']],
    ['neither rule', false, false, { '5': 0 }, true, []],
  ]
  for (const [name, everyCriterionMet, noCriterionZero, changes, recognised, reasons] of cases) {
    const set = clone(seed)
    set.recognition.everyCriterionMet = everyCriterionMet
    set.recognition.noCriterionZero = noCriterionZero
    const result = verdict(set, 'other', scores(changes))
    t.equal(result.recognised, recognised, name)
    t.same(result.reasons, reasons, name)
  }
  const corrected = clone(seed)
  corrected.criteria[6]!.minPointsToMeet = 40
  t.same(
    verdict(corrected, 'other', scores({ '7': 30 })).reasons,
    ['criterion 7 is not met (30 of 50, needs 40)'],
    'a corrected minimum applies',
  )
})
