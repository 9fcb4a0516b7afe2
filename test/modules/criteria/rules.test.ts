import { readFileSync } from 'node:fs'
import t from 'tap'
import {
  abuseIncidentKinds,
  assessedOnProblems,
  assessmentStates,
  canTransition,
  criteriaSetForYear,
  criteriaSetProblems,
  decisionProblems,
  isTransition,
  meetsThreshold,
  nextStates,
  priorityCaseStanding,
  priorityIncidentKinds,
  resolveScore,
  scoreProblems,
  scoreRecordNotes,
  scoringSide,
  suggestAbusedChildren,
  suggestBirthRegistration,
  suggestCollaboratorCoverage,
  suggestCriterion6,
  suggestInjuryDeaths,
  suggestionsFromFigures,
  verdict,
  type AssessmentActor,
  type AssessmentState,
  type CriteriaSet,
  type CriterionScore,
  type Suggestion,
  type ScoreInput,
  type Threshold,
  type WardCategory,
  type WardFigures,
} from '../../../src/modules/criteria/rules.js'

const file = JSON.parse(
  readFileSync(new URL('../../../src/reference/criteria-decision-06.json', import.meta.url), 'utf8'),
) as {
  dataset: string
  version: string
  notes: string[]
  sets: CriteriaSet[]
}
const seed = file.sets[0]!
const clone = (set: CriteriaSet): CriteriaSet => structuredClone(set)

/** Full marks on every criterion, with some changed; `undefined` removes a score. */
function scores(changes: Record<string, number | undefined> = {}): Record<string, number | undefined> {
  const result: Record<string, number | undefined> = {}
  for (const criterion of seed.criteria) result[criterion.code] = criterion.maxPoints
  for (const [code, points] of Object.entries(changes)) {
    if (points === undefined) delete result[code]
    else result[code] = points
  }
  return result
}

t.test('the seed criteria set (Decision 06/2019)', async (t) => {
  t.equal(file.dataset, 'criteria-sets')
  t.equal(file.version, '2019.1')
  t.equal(file.sets.length, 1)
  t.equal(seed.id, 'QD06-2019')
  t.equal(seed.legalBasis, 'Quyết định 06/2019/QĐ-TTg ngày 03/01/2019')
  t.equal(seed.validFromYear, 2019)
  t.equal(seed.validToYear, null)
  t.same(seed.recognition, {
    thresholds: { urban_ward_central_city: 900, other: 850, disadvantaged: 800 },
    everyCriterionMet: true,
    noCriterionZero: true,
    criterionMetRule: { kind: 'min_points', confirmed: false },
  })
  t.same(criteriaSetProblems(seed), [], 'the seed is internally consistent')

  // code, maxPoints, minPointsToMeet (half, rounded up), confirmed
  const expected: [string, number, number, boolean][] = [
    ['1', 100, 50, true],
    ['2', 75, 38, false],
    ['3', 75, 38, false],
    ['4', 75, 38, false],
    ['5', 75, 38, false],
    ['6', 125, 63, true],
    ['7', 50, 25, true],
    ['8', 75, 38, false],
    ['9', 70, 35, false],
    ['10', 70, 35, false],
    ['11', 70, 35, false],
    ['12', 70, 35, false],
    ['13', 70, 35, false],
  ]
  t.same(
    seed.criteria.map((c) => [c.code, c.maxPoints, c.minPointsToMeet, c.confirmed]),
    expected,
  )
  t.equal(
    seed.criteria.reduce((sum, c) => sum + c.maxPoints, 0),
    1000,
    'the 13 criteria total 1,000',
  )

  const subItems = (code: string) =>
    seed.criteria.find((c) => c.code === code)!.subItems.map((s) => [s.code, s.maxPoints, s.confirmed])
  t.same(subItems('1'), [
    ['1.1', 50, true],
    ['1.2', 15, true],
    ['1.3', 15, true],
    ['1.4', 20, false],
  ])
  t.same(subItems('6'), [
    ['6.1', 50, true],
    ['6.2', 75, true],
  ])
  t.same(subItems('7'), [['7.1', 50, true]])
  const threshold = (code: string) => seed.criteria.flatMap((c) => c.subItems).find((s) => s.code === code)!.threshold
  t.same(threshold('6.1'), {
    measure: 'registry.special_circumstance_supported_share',
    comparator: '>=',
    value: 95,
    unit: 'percent',
  })
  t.same(threshold('6.2'), {
    measure: 'incidents.priority_cases_timely_plan_share',
    comparator: '=',
    value: 100,
    unit: 'percent',
  })
  t.same(threshold('7.1'), {
    measure: 'health.under1_fully_immunised_share',
    comparator: '>=',
    value: 98,
    unit: 'percent',
  })
  for (const criterion of seed.criteria) {
    t.ok(criterion.nameVi.length > 0 && criterion.nameEn.length > 0, `criterion ${criterion.code} is named`)
  }
  t.equal(seed.criteria.find((c) => c.code === '1')!.nameVi, 'Nguồn lực thực hiện quyền trẻ em')
  t.ok(
    file.notes.some((n) => n.includes('minPointsToMeet') && n.includes('NOT confirmed')),
    'the notes say the minimum is unconfirmed',
  )
})

t.test('problems in a criteria set', async (t) => {
  const cases: [string, (set: CriteriaSet) => void, { code: string; pointer: string }[]][] = [
    [
      'a duplicate criterion code',
      (s) => (s.criteria[3]!.code = '1'),
      [{ code: 'duplicate_criterion', pointer: '/criteria/3/code' }],
    ],
    [
      'a minimum above the maximum',
      (s) => (s.criteria[6]!.minPointsToMeet = 51),
      [{ code: 'invalid_minimum', pointer: '/criteria/6/minPointsToMeet' }],
    ],
    [
      'a negative minimum',
      (s) => (s.criteria[6]!.minPointsToMeet = -1),
      [{ code: 'invalid_minimum', pointer: '/criteria/6/minPointsToMeet' }],
    ],
    [
      'a sub-item outside its criterion',
      (s) => (s.criteria[0]!.subItems[3]!.code = '2.4'),
      [{ code: 'invalid_sub_item_code', pointer: '/criteria/0/subItems/3/code' }],
    ],
    [
      'sub-items that do not add up to the criterion',
      (s) => (s.criteria[0]!.subItems[3]!.maxPoints = 25),
      [{ code: 'sub_items_do_not_cover_criterion', pointer: '/criteria/0/subItems' }],
    ],
    [
      'a percentage threshold above 100',
      (s) => (s.criteria[5]!.subItems[0]!.threshold!.value = 120),
      [{ code: 'invalid_threshold', pointer: '/criteria/5/subItems/0/threshold/value' }],
    ],
    [
      'a negative sub-item balancing an inflated one',
      (s) => {
        s.criteria[0]!.subItems[2]!.maxPoints = -5
        s.criteria[0]!.subItems[3]!.maxPoints = 40
      },
      [{ code: 'invalid_max', pointer: '/criteria/0/subItems/2/maxPoints' }],
    ],
    ['years the wrong way round', (s) => (s.validToYear = 2018), [{ code: 'invalid_years', pointer: '/validToYear' }]],
    [
      'a total nobody can reach',
      (s) => (s.recognition.thresholds.urban_ward_central_city = 1001),
      [{ code: 'unreachable_threshold', pointer: '/recognition/thresholds/urban_ward_central_city' }],
    ],
  ]
  for (const [name, breakIt, expected] of cases) {
    const set = clone(seed)
    breakIt(set)
    t.same(
      criteriaSetProblems(set).map(({ code, pointer }) => ({ code, pointer })),
      expected,
      name,
    )
  }
})

t.test('the set that governs a year', async (t) => {
  const v2 = { ...clone(seed), version: 2, validToYear: 2024 }
  const next = { ...clone(seed), id: 'QD-2025', validFromYear: 2025 }
  const sets = [seed, v2, next]
  const cases: [number, string | null, number | null][] = [
    [2018, null, null],
    [2019, 'QD06-2019', 2],
    [2024, 'QD06-2019', 2],
    [2025, 'QD-2025', 1],
    [2030, 'QD-2025', 1],
  ]
  for (const [year, id, version] of cases) {
    const set = criteriaSetForYear(sets, year)
    t.same(set === null ? [null, null] : [set.id, set.version], [id, version], `${year}`)
  }
})

t.test('score problems', async (t) => {
  const cases: [string, string, CriterionScore, { code: string; pointer: string; message?: string }[]][] = [
    ['full marks', '1', { points: 100 }, []],
    ['zero is a valid score', '1', { points: 0 }, []],
    [
      'fractional points are accepted',
      '6',
      {
        points: 62.5,
        subItems: [
          { code: '6.1', points: 50 },
          { code: '6.2', points: 12.5 },
        ],
      },
      [],
    ],
    [
      'an unknown criterion',
      '14',
      { points: 10 },
      [
        {
          code: 'unknown_criterion',
          pointer: '/criterionCode',
          message: 'criterion 14 is not part of criteria set QD06-2019',
        },
      ],
    ],
    [
      'above the maximum',
      '7',
      { points: 51 },
      [{ code: 'above_max', pointer: '/points', message: 'criterion 7 scored 51, above its maximum of 50' }],
    ],
    [
      'negative',
      '7',
      { points: -1 },
      [{ code: 'negative', pointer: '/points', message: 'criterion 7 cannot score below 0 (got -1)' }],
    ],
    ['not a number', '7', { points: Number.NaN }, [{ code: 'not_a_number', pointer: '/points' }]],
    [
      'sub-items that add up',
      '1',
      {
        points: 80,
        subItems: [
          { code: '1.1', points: 50 },
          { code: '1.2', points: 15 },
          { code: '1.3', points: 15 },
        ],
      },
      [],
    ],
    [
      'sub-items that do not add up',
      '1',
      {
        points: 90,
        subItems: [
          { code: '1.1', points: 50 },
          { code: '1.2', points: 15 },
          { code: '1.3', points: 15 },
        ],
      },
      [
        {
          code: 'sub_items_sum_mismatch',
          pointer: '/subItems',
          message: 'sub-items of criterion 1 add up to 80, not the 90 points given',
        },
      ],
    ],
    [
      'an unknown sub-item (no sum check on top)',
      '1',
      {
        points: 65,
        subItems: [
          { code: '1.1', points: 50 },
          { code: '1.9', points: 15 },
        ],
      },
      [{ code: 'unknown_sub_item', pointer: '/subItems/1/code', message: 'sub-item 1.9 is not part of criterion 1' }],
    ],
    [
      'a sub-item above its maximum',
      '1',
      {
        points: 70,
        subItems: [
          { code: '1.1', points: 50 },
          { code: '1.2', points: 20 },
        ],
      },
      [
        {
          code: 'above_max',
          pointer: '/subItems/1/points',
          message: 'sub-item 1.2 scored 20, above its maximum of 15',
        },
      ],
    ],
    [
      'a negative sub-item',
      '1',
      {
        points: 45,
        subItems: [
          { code: '1.1', points: 50 },
          { code: '1.2', points: -5 },
        ],
      },
      [{ code: 'negative', pointer: '/subItems/1/points' }],
    ],
    [
      'a sub-item scored twice',
      '1',
      {
        points: 50,
        subItems: [
          { code: '1.1', points: 25 },
          { code: '1.1', points: 25 },
        ],
      },
      [{ code: 'duplicate_sub_item', pointer: '/subItems/1/code' }],
    ],
    [
      'a sub-item on a criterion without any',
      '4',
      { points: 30, subItems: [{ code: '4.1', points: 30 }] },
      [{ code: 'unknown_sub_item', pointer: '/subItems/0/code' }],
    ],
    ['an empty sub-item list is no breakdown', '1', { points: 50, subItems: [] }, []],
    [
      'above the maximum and not matching its sub-items',
      '1',
      {
        points: 120,
        subItems: [
          { code: '1.1', points: 50 },
          { code: '1.2', points: 15 },
          { code: '1.3', points: 15 },
          { code: '1.4', points: 20 },
        ],
      },
      [
        { code: 'above_max', pointer: '/points' },
        {
          code: 'sub_items_sum_mismatch',
          pointer: '/subItems',
          message: 'sub-items of criterion 1 add up to 100, not the 120 points given',
        },
      ],
    ],
  ]
  for (const [name, code, score, expected] of cases) {
    const problems = scoreProblems(seed, code, score)
    t.same(
      problems.map((p, i) => (expected[i]?.message === undefined ? { code: p.code, pointer: p.pointer } : p)),
      expected,
      name,
    )
  }
})

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

t.test('thresholds compare exact figures, not rounded percentages', async (t) => {
  const atLeast95: Threshold = { measure: 'm', comparator: '>=', value: 95, unit: 'percent' }
  const all: Threshold = { measure: 'm', comparator: '=', value: 100, unit: 'percent' }
  const none: Threshold = { measure: 'm', comparator: '=', value: 0, unit: 'count' }
  const atMost2: Threshold = { measure: 'm', comparator: '<=', value: 2, unit: 'count' }
  const cases: [string, Threshold, number, number, boolean][] = [
    ['95 of 100', atLeast95, 95, 100, true],
    ['94 of 100', atLeast95, 94, 100, false],
    ['19 of 20 is 95%', atLeast95, 19, 20, true],
    ['949 of 1000 is 94.9%', atLeast95, 949, 1000, false],
    ['1899 of 1999 is 94.997%, shown as 95.00%', atLeast95, 1899, 1999, false],
    ['nothing to count', atLeast95, 0, 0, true],
    ['4 of 4', all, 4, 4, true],
    ['3 of 4', all, 3, 4, false],
    ['a count of 0', none, 0, 5230, true],
    ['a count of 1', none, 1, 5230, false],
    ['2 is at most 2', atMost2, 2, 0, true],
    ['3 is not', atMost2, 3, 0, false],
  ]
  for (const [name, threshold, numerator, denominator, met] of cases)
    t.equal(meetsThreshold(threshold, numerator, denominator), met, name)
  t.equal(meetsThreshold(atLeast95, 0, 0, 'not_met'), false, 'an empty denominator can be made to fail')
})

interface SuggestionCase {
  name: string
  run: (set?: CriteriaSet) => Suggestion
  expected: Suggestion
}

const item = (
  code: string,
  points: number | null,
  numerator: number,
  denominator: number,
  met: boolean,
  confirmed: boolean,
) => ({
  code,
  points,
  numerator,
  denominator,
  met,
  confirmed,
})

const suggestionCases: SuggestionCase[] = [
  {
    name: 'criterion 6: 95 of 100 supported, 4 of 4 plans in time',
    run: (set) =>
      suggestCriterion6(
        { specialCircumstanceChildren: 100, supported: 95, priorityCases: 4, priorityCasesWithTimelyApprovedPlan: 4 },
        set,
      ),
    expected: {
      criterionCode: '6',
      subItems: [item('6.1', 50, 95, 100, true, true), item('6.2', 75, 4, 4, true, true)],
      points: 125,
      partial: false,
    },
  },
  {
    name: 'criterion 6: 94 of 100 supported',
    run: (set) =>
      suggestCriterion6(
        { specialCircumstanceChildren: 100, supported: 94, priorityCases: 4, priorityCasesWithTimelyApprovedPlan: 4 },
        set,
      ),
    expected: {
      criterionCode: '6',
      subItems: [item('6.1', 0, 94, 100, false, true), item('6.2', 75, 4, 4, true, true)],
      points: 75,
      partial: false,
    },
  },
  {
    name: 'criterion 6: 19 of 20 supported, 2 of 3 plans in time',
    run: (set) =>
      suggestCriterion6(
        { specialCircumstanceChildren: 20, supported: 19, priorityCases: 3, priorityCasesWithTimelyApprovedPlan: 2 },
        set,
      ),
    expected: {
      criterionCode: '6',
      subItems: [item('6.1', 50, 19, 20, true, true), item('6.2', 0, 2, 3, false, true)],
      points: 50,
      partial: false,
    },
  },
  {
    name: 'criterion 6: no such children and no such cases',
    run: (set) =>
      suggestCriterion6(
        { specialCircumstanceChildren: 0, supported: 0, priorityCases: 0, priorityCasesWithTimelyApprovedPlan: 0 },
        set,
      ),
    expected: {
      criterionCode: '6',
      subItems: [item('6.1', 50, 0, 0, true, true), item('6.2', 75, 0, 0, true, true)],
      points: 125,
      partial: false,
    },
  },
  {
    name: 'criterion 6: 949 of 1000 does not round up to 95%',
    run: (set) =>
      suggestCriterion6(
        { specialCircumstanceChildren: 1000, supported: 949, priorityCases: 0, priorityCasesWithTimelyApprovedPlan: 0 },
        set,
      ),
    expected: {
      criterionCode: '6',
      subItems: [item('6.1', 0, 949, 1000, false, true), item('6.2', 75, 0, 0, true, true)],
      points: 75,
      partial: false,
    },
  },
  {
    name: 'criterion 1.2: every residential group has a collaborator',
    run: (set) => suggestCollaboratorCoverage({ residentialGroups: 12, groupsWithCollaborator: 12 }, set),
    expected: { criterionCode: '1', subItems: [item('1.2', 15, 12, 12, true, true)], points: 15, partial: true },
  },
  {
    name: 'criterion 1.2: one group without',
    run: (set) => suggestCollaboratorCoverage({ residentialGroups: 12, groupsWithCollaborator: 11 }, set),
    expected: { criterionCode: '1', subItems: [item('1.2', 0, 11, 12, false, true)], points: 0, partial: true },
  },
  {
    name: 'criterion 1.2: no residential group on record',
    run: (set) => suggestCollaboratorCoverage({ residentialGroups: 0, groupsWithCollaborator: 0 }, set),
    expected: { criterionCode: '1', subItems: [item('1.2', 0, 0, 0, false, true)], points: 0, partial: true },
  },
  {
    name: 'criterion 2: 98 of 100 births registered',
    run: (set) => suggestBirthRegistration({ births: 100, registeredBirths: 98 }, set),
    expected: { criterionCode: '2', subItems: [item('2.1', 75, 98, 100, true, false)], points: 75, partial: false },
  },
  {
    name: 'criterion 2: 49 of 50 is 98%',
    run: (set) => suggestBirthRegistration({ births: 50, registeredBirths: 49 }, set),
    expected: { criterionCode: '2', subItems: [item('2.1', 75, 49, 50, true, false)], points: 75, partial: false },
  },
  {
    name: 'criterion 2: 97 of 100, unconfirmed rule, no proposal',
    run: (set) => suggestBirthRegistration({ births: 100, registeredBirths: 97 }, set),
    expected: {
      criterionCode: '2',
      subItems: [item('2.1', null, 97, 100, false, false)],
      points: null,
      partial: false,
    },
  },
  {
    name: 'criterion 3: no abused child',
    run: (set) => suggestAbusedChildren({ children: 5230, abusedChildren: 0 }, set),
    expected: { criterionCode: '3', subItems: [item('3.1', 75, 0, 5230, true, false)], points: 75, partial: false },
  },
  {
    name: 'criterion 3: two abused children',
    run: (set) => suggestAbusedChildren({ children: 5230, abusedChildren: 2 }, set),
    expected: {
      criterionCode: '3',
      subItems: [item('3.1', null, 2, 5230, false, false)],
      points: null,
      partial: false,
    },
  },
  {
    name: 'criterion 5: injuries but no death',
    run: (set) => suggestInjuryDeaths({ injuryCases: 12, injuryDeaths: 0 }, set),
    expected: { criterionCode: '5', subItems: [item('5.1', 75, 0, 12, true, false)], points: 75, partial: false },
  },
  {
    name: 'criterion 5: one death',
    run: (set) => suggestInjuryDeaths({ injuryCases: 12, injuryDeaths: 1 }, set),
    expected: { criterionCode: '5', subItems: [item('5.1', null, 1, 12, false, false)], points: null, partial: false },
  },
]

t.test('suggestions from figures', async (t) => {
  for (const { name, run, expected } of suggestionCases) {
    t.same(run(), expected, `${name} (built-in rules)`)
    t.same(run(seed), expected, `${name} (seed data gives the same)`)
  }
})

t.test('suggestions follow corrected data', async (t) => {
  const set = clone(seed)
  set.criteria[5]!.subItems[0]!.threshold!.value = 90
  set.criteria[5]!.subItems[0]!.maxPoints = 60
  set.criteria[5]!.subItems[1]!.maxPoints = 65
  const result = suggestCriterion6(
    { specialCircumstanceChildren: 100, supported: 94, priorityCases: 1, priorityCasesWithTimelyApprovedPlan: 1 },
    set,
  )
  t.same(
    result.subItems.map((s) => [s.code, s.points, s.met]),
    [
      ['6.1', 60, true],
      ['6.2', 65, true],
    ],
  )
  t.equal(result.points, 125)

  const withoutSubItem = clone(seed)
  withoutSubItem.criteria[1]!.subItems = []
  t.throws(() => suggestBirthRegistration({ births: 10, registeredBirths: 10 }, withoutSubItem), /has no sub-item 2\.1/)
  const withoutThreshold = clone(seed)
  delete withoutThreshold.criteria[1]!.subItems[0]!.threshold
  t.throws(() => suggestBirthRegistration({ births: 10, registeredBirths: 10 }, withoutThreshold), /has no threshold/)
})

t.test('suggestions refuse inconsistent figures', async (t) => {
  const cases: [string, () => unknown][] = [
    [
      'more supported than children',
      () =>
        suggestCriterion6({
          specialCircumstanceChildren: 5,
          supported: 6,
          priorityCases: 0,
          priorityCasesWithTimelyApprovedPlan: 0,
        }),
    ],
    [
      'more timely plans than cases',
      () =>
        suggestCriterion6({
          specialCircumstanceChildren: 5,
          supported: 5,
          priorityCases: 1,
          priorityCasesWithTimelyApprovedPlan: 2,
        }),
    ],
    ['a negative count', () => suggestBirthRegistration({ births: 10, registeredBirths: -1 })],
    ['a fractional count', () => suggestBirthRegistration({ births: 10.5, registeredBirths: 10 })],
    [
      'more groups covered than exist',
      () => suggestCollaboratorCoverage({ residentialGroups: 3, groupsWithCollaborator: 4 }),
    ],
    ['more deaths than injuries', () => suggestInjuryDeaths({ injuryCases: 0, injuryDeaths: 1 })],
    ['more abused than children', () => suggestAbusedChildren({ children: 0, abusedChildren: 1 })],
  ]
  for (const [name, run] of cases) t.throws(run, RangeError, name)
})

t.test('assessment workflow', async (t) => {
  t.same([...assessmentStates], ['draft', 'submitted', 'appraised', 'decided'])
  const actors: Record<string, AssessmentActor> = {
    ward: { isWardOfAssessment: true, isDistrict: false },
    district: { isWardOfAssessment: false, isDistrict: true },
    otherWard: { isWardOfAssessment: false, isDistrict: false },
    // An account acting for both sides must not appraise its own ward.
    districtAndWard: { isWardOfAssessment: true, isDistrict: true },
  }
  const allowed = new Set([
    'draft>submitted:ward',
    'draft>submitted:districtAndWard',
    'submitted>appraised:district',
    'submitted>draft:district',
    'appraised>decided:district',
  ])
  for (const from of assessmentStates) {
    for (const to of assessmentStates) {
      for (const [name, actor] of Object.entries(actors)) {
        t.equal(canTransition(from, to, actor), allowed.has(`${from}>${to}:${name}`), `${from} → ${to} by ${name}`)
      }
    }
  }
  const next: [AssessmentState, string, AssessmentState[]][] = [
    ['draft', 'ward', ['submitted']],
    ['draft', 'district', []],
    ['submitted', 'district', ['draft', 'appraised']],
    ['submitted', 'ward', []],
    ['appraised', 'district', ['decided']],
    ['decided', 'district', []],
    ['decided', 'ward', []],
  ]
  for (const [from, name, expected] of next)
    t.same(nextStates(from, actors[name]!), expected, `from ${from} for ${name}`)
})

t.test('which transitions exist at all', async (t) => {
  const existing = ['draft>submitted', 'submitted>draft', 'submitted>appraised', 'appraised>decided']
  for (const from of assessmentStates) {
    for (const to of assessmentStates)
      t.equal(isTransition(from, to), existing.includes(`${from}>${to}`), `${from} → ${to}`)
  }
  t.same(
    assessmentStates.map((state) => scoringSide(state)),
    ['ward', 'district', 'district', null],
    'the ward drafts, the district adjusts while it holds the dossier, nobody after the decision',
  )
})

t.test('incident kinds behind criteria 3 and 6.2', async (t) => {
  t.same([...priorityIncidentKinds].sort(), ['abandonment', 'sexual_abuse', 'trafficking'])
  for (const kind of priorityIncidentKinds) t.ok(abuseIncidentKinds.includes(kind), `${kind} is abuse`)
  for (const kind of ['injury_accident', 'drowning', 'other_rights_violation'] as const)
    t.notOk(abuseIncidentKinds.includes(kind), `${kind} is not abuse`)
})

t.test('where a priority case stands for criterion 6.2', async (t) => {
  const due = new Date('2024-03-13T16:59:59Z') // 23:59:59 in Hanoi
  const asOf = new Date('2024-11-15T16:59:59.999Z')
  const at = (iso: string) => new Date(iso)
  const cases: [string, { approvedAt: Date | null; closedAt: Date | null }, Date, string][] = [
    ['approved before the deadline', { approvedAt: at('2024-03-08T03:00:00Z'), closedAt: null }, asOf, 'timely'],
    ['approved at the last second', { approvedAt: due, closedAt: null }, asOf, 'timely'],
    ['approved a second late', { approvedAt: at('2024-03-13T17:00:00Z'), closedAt: null }, asOf, 'late'],
    ['never approved, deadline passed', { approvedAt: null, closedAt: null }, asOf, 'late'],
    ['not approved yet, deadline ahead', { approvedAt: null, closedAt: null }, at('2024-03-10T00:00:00Z'), 'pending'],
    ['approved after the assessment date', { approvedAt: at('2024-11-18T03:00:00Z'), closedAt: null }, asOf, 'late'],
    [
      'closed without a plan before it was due',
      { approvedAt: null, closedAt: at('2024-03-05T03:00:00Z') },
      asOf,
      'not_applicable',
    ],
    [
      'closed without a plan after it was due',
      { approvedAt: null, closedAt: at('2024-04-01T03:00:00Z') },
      asOf,
      'late',
    ],
    [
      'closed after the assessment date',
      { approvedAt: null, closedAt: at('2024-11-20T03:00:00Z') },
      at('2024-03-12T00:00:00Z'),
      'pending',
    ],
    [
      'approved in time, then closed',
      { approvedAt: at('2024-03-08T03:00:00Z'), closedAt: at('2024-09-01T03:00:00Z') },
      asOf,
      'timely',
    ],
  ]
  for (const [name, steps, when, standing] of cases) t.equal(priorityCaseStanding(steps, due, when), standing, name)
})

const wardFigures = (changes: Partial<WardFigures> = {}): WardFigures => ({
  residentialGroups: 12,
  groupsWithCollaborator: 12,
  children: 400,
  registeredBirths: 400,
  childrenOrVictims: 400,
  abusedChildren: 0,
  injuryCases: 3,
  injuryDeaths: 0,
  specialCircumstanceChildren: 20,
  supported: 19,
  priorityCases: 2,
  priorityCasesWithTimelyApprovedPlan: 2,
  ...changes,
})

t.test('suggestions from a ward’s figures', async (t) => {
  const all = suggestionsFromFigures(seed, wardFigures())
  t.same(
    all.map((s) => [s.criterionCode, s.points, s.partial]),
    [
      ['1', 15, true],
      ['2', 75, false],
      ['3', 75, false],
      ['5', 75, false],
      ['6', 125, false],
    ],
    'criterion 7 needs health-centre figures the service does not hold',
  )
  const weak = suggestionsFromFigures(
    seed,
    wardFigures({
      groupsWithCollaborator: 11,
      registeredBirths: 390,
      abusedChildren: 2,
      injuryDeaths: 1,
      supported: 18,
      priorityCasesWithTimelyApprovedPlan: 1,
    }),
  )
  t.same(
    weak.map((s) => [s.criterionCode, s.points, s.subItems.map((i) => [i.numerator, i.denominator])]),
    [
      ['1', 0, [[11, 12]]],
      ['2', null, [[390, 400]]],
      ['3', null, [[2, 400]]],
      ['5', null, [[1, 3]]],
      [
        '6',
        0,
        [
          [18, 20],
          [1, 2],
        ],
      ],
    ],
  )
  const corrected = clone(seed)
  corrected.criteria[1]!.subItems = []
  corrected.criteria[5]!.subItems = [{ ...corrected.criteria[5]!.subItems[0]!, maxPoints: 125 }]
  delete corrected.criteria[0]!.subItems[1]!.threshold
  t.same(
    suggestionsFromFigures(corrected, wardFigures()).map((s) => s.criterionCode),
    ['3', '5'],
    'a set that drops a modelled sub-item (or its threshold) gets no suggestion for it',
  )
  t.throws(
    () => suggestionsFromFigures(seed, wardFigures({ supported: 21 })),
    RangeError,
    'inconsistent figures are a bug, never a score',
  )
})

t.test('resolving a score change', async (t) => {
  const suggestion6 = suggestCriterion6(
    { specialCircumstanceChildren: 20, supported: 19, priorityCases: 2, priorityCasesWithTimelyApprovedPlan: 1 },
    seed,
  )
  const suggestion1 = suggestCollaboratorCoverage({ residentialGroups: 12, groupsWithCollaborator: 12 }, seed)
  const suggestion2 = suggestBirthRegistration({ births: 100, registeredBirths: 90 }, seed)
  type Case = [
    string,
    string,
    ScoreInput,
    Suggestion | null,
    'ward' | 'district',
    CriterionScore | null,
    [string, string][],
  ]
  const cases: Case[] = [
    ['points by hand, no suggestion', '7', { points: 40 }, null, 'ward', { points: 40, subItems: [] }, []],
    [
      'accepting',
      '6',
      { acceptSuggestion: true },
      suggestion6,
      'ward',
      {
        points: 50,
        subItems: [
          { code: '6.1', points: 50 },
          { code: '6.2', points: 0 },
        ],
      },
      [],
    ],
    [
      'departing with a reason',
      '6',
      { points: 125, overrideReason: 'Plan approved on paper in time' },
      suggestion6,
      'ward',
      { points: 125, subItems: [] },
      [],
    ],
    [
      'departing without one',
      '6',
      { points: 125 },
      suggestion6,
      'ward',
      { points: 125, subItems: [] },
      [['/overrideReason', 'override_reason_required']],
    ],
    [
      'a blank reason is none',
      '6',
      { points: 125, overrideReason: '  ' },
      suggestion6,
      'ward',
      { points: 125, subItems: [] },
      [['/overrideReason', 'override_reason_required']],
    ],
    ['no proposal to depart from', '2', { points: 40 }, suggestion2, 'ward', { points: 40, subItems: [] }, []],
    [
      'nothing to accept',
      '2',
      { acceptSuggestion: true },
      suggestion2,
      'ward',
      null,
      [['/acceptSuggestion', 'suggestion_without_points']],
    ],
    [
      'accepting with a reason',
      '6',
      { acceptSuggestion: true, overrideReason: 'x' },
      suggestion6,
      'ward',
      {
        points: 50,
        subItems: [
          { code: '6.1', points: 50 },
          { code: '6.2', points: 0 },
        ],
      },
      [['/overrideReason', 'override_reason_not_applicable']],
    ],
    [
      'a partial suggestion completed',
      '1',
      {
        acceptSuggestion: true,
        subItems: [
          { code: '1.4', points: 10 },
          { code: '1.1', points: 50 },
          { code: '1.3', points: 15 },
        ],
      },
      suggestion1,
      'ward',
      {
        points: 90,
        subItems: [
          { code: '1.1', points: 50 },
          { code: '1.2', points: 15 },
          { code: '1.3', points: 15 },
          { code: '1.4', points: 10 },
        ],
      },
      [],
    ],
    [
      'a partial suggestion alone',
      '1',
      { acceptSuggestion: true },
      suggestion1,
      'ward',
      { points: 15, subItems: [{ code: '1.2', points: 15 }] },
      [['/subItems', 'incomplete_sub_items']],
    ],
    [
      'a suggested sub-item given again',
      '1',
      {
        acceptSuggestion: true,
        subItems: [
          { code: '1.2', points: 10 },
          { code: '1.1', points: 50 },
          { code: '1.3', points: 15 },
          { code: '1.4', points: 20 },
        ],
      },
      suggestion1,
      'ward',
      {
        points: 95,
        subItems: [
          { code: '1.1', points: 50 },
          { code: '1.2', points: 10 },
          { code: '1.3', points: 15 },
          { code: '1.4', points: 20 },
        ],
      },
      [['/subItems/0/code', 'suggested_sub_item_given']],
    ],
    [
      'the district adjusts with a reason',
      '6',
      { points: 100, adjustmentReason: 'Case file shows late approval' },
      suggestion6,
      'district',
      { points: 100, subItems: [] },
      [],
    ],
    [
      'the district adjusts without one',
      '6',
      { points: 100 },
      suggestion6,
      'district',
      { points: 100, subItems: [] },
      [['/adjustmentReason', 'adjustment_reason_required']],
    ],
    [
      'the ward cannot adjust',
      '7',
      { points: 40, adjustmentReason: 'x' },
      null,
      'ward',
      { points: 40, subItems: [] },
      [['/adjustmentReason', 'adjustment_reason_not_applicable']],
    ],
    ['above the maximum', '7', { points: 51 }, null, 'ward', { points: 51, subItems: [] }, [['/points', 'above_max']]],
    ['no points given', '7', {}, null, 'ward', null, [['/points', 'points_required']]],
    ['an unknown criterion', '14', { points: 1 }, null, 'ward', null, [['/criterionCode', 'unknown_criterion']]],
  ]
  for (const [name, criterion, input, suggestion, side, score, problems] of cases) {
    const result = resolveScore(seed, criterion, input, suggestion, side)
    t.same(result.score, score, `${name}: score`)
    t.same(
      result.problems.map((p) => [p.pointer, p.code]),
      problems,
      `${name}: problems`,
    )
  }
})

t.test('dates of an assessment and its decision', async (t) => {
  const dateCases: [string, number, string, string[]][] = [
    ['in November of its year', 2024, '2024-11-15', []],
    ['today', 2024, '2024-11-20', []],
    ['another year', 2024, '2023-12-31', ['outside_year']],
    ['tomorrow', 2024, '2024-11-21', ['date_in_future']],
    ['another year, and ahead of today', 2024, '2025-01-02', ['outside_year', 'date_in_future']],
  ]
  for (const [name, year, assessedOn, codes] of dateCases) {
    t.same(
      assessedOnProblems(year, assessedOn, '2024-11-20').map((p) => p.code),
      codes,
      name,
    )
  }
  const met = verdict(seed, 'other', scores())
  const failing = verdict(seed, 'other', scores({ '5': 0 }))
  const decisionCases: [string, boolean, string, typeof met, string[]][] = [
    ['recognised on a supporting verdict', true, '2024-11-19', met, []],
    ['not recognised on a supporting verdict', false, '2024-11-19', met, []],
    ['recognised against the verdict', true, '2024-11-19', failing, ['verdict_not_met']],
    ['not recognised on a failing verdict', false, '2024-11-19', failing, []],
    ['dated before the assessment', false, '2024-11-14', met, ['before_assessment']],
    ['dated tomorrow', false, '2024-11-21', met, ['date_in_future']],
  ]
  for (const [name, recognised, decisionDate, result, codes] of decisionCases) {
    const problems = decisionProblems(
      { recognised, decisionDate },
      { assessedOn: '2024-11-15', verdict: result },
      '2024-11-20',
    )
    t.same(
      problems.map((p) => p.code),
      codes,
      name,
    )
  }
  t.equal(
    decisionProblems(
      { recognised: true, decisionDate: '2024-11-19' },
      { assessedOn: '2024-11-15', verdict: failing },
      '2024-11-20',
    )[0]!.message,
    'the scores do not support recognition: criterion 5 scored 0',
  )
})

t.test('what a score entry keeps besides its points', async (t) => {
  const photo = { name: 'biên bản.pdf', reference: 'doc-1' }
  const district = { name: 'thẩm định.pdf', reference: 'doc-2' }
  const wardEntry = {
    points: 40,
    evidenceNote: 'sổ theo dõi',
    attachments: [photo],
    overrideReason: 'số liệu phường',
    adjustedByDistrict: false,
    adjustmentReason: null,
    wardPoints: null,
  }
  const adjusted = {
    ...wardEntry,
    points: 30,
    adjustedByDistrict: true,
    adjustmentReason: 'thiếu minh chứng',
    wardPoints: 40,
  }
  const cases: [string, Parameters<typeof scoreRecordNotes>, ReturnType<typeof scoreRecordNotes>][] = [
    [
      'the ward says only what it says, even over its earlier entry',
      ['ward', { evidenceNote: 'mới' }, wardEntry],
      {
        evidenceNote: 'mới',
        attachments: [],
        overrideReason: null,
        adjustedByDistrict: false,
        adjustmentReason: null,
        wardPoints: null,
      },
    ],
    [
      'the district keeps the ward’s evidence and remembers its points',
      ['district', { adjustmentReason: 'thiếu minh chứng' }, wardEntry],
      {
        evidenceNote: 'sổ theo dõi',
        attachments: [photo],
        overrideReason: 'số liệu phường',
        adjustedByDistrict: true,
        adjustmentReason: 'thiếu minh chứng',
        wardPoints: 40,
      },
    ],
    [
      'the district’s own evidence replaces the ward’s',
      ['district', { evidenceNote: 'kiểm tra thực tế', attachments: [district], adjustmentReason: 'r' }, wardEntry],
      {
        evidenceNote: 'kiểm tra thực tế',
        attachments: [district],
        overrideReason: 'số liệu phường',
        adjustedByDistrict: true,
        adjustmentReason: 'r',
        wardPoints: 40,
      },
    ],
    [
      'adjusting an adjustment keeps the ward’s points, not the district’s first figure',
      ['district', { adjustmentReason: 'lần hai' }, adjusted],
      {
        evidenceNote: 'sổ theo dõi',
        attachments: [photo],
        overrideReason: 'số liệu phường',
        adjustedByDistrict: true,
        adjustmentReason: 'lần hai',
        wardPoints: 40,
      },
    ],
    [
      'a criterion the ward never scored',
      ['district', { adjustmentReason: 'bổ sung' }, undefined],
      {
        evidenceNote: null,
        attachments: [],
        overrideReason: null,
        adjustedByDistrict: true,
        adjustmentReason: 'bổ sung',
        wardPoints: null,
      },
    ],
  ]
  for (const [name, args, expected] of cases) t.same(scoreRecordNotes(...args), expected, name)
})
