import t from 'tap'
import {
  assessmentMonthStart,
  assessmentYearsBetween,
  criteriaSetForYear,
  criteriaSetProblems,
  isAssessmentYear,
  type CriteriaSet,
} from '../../../src/modules/criteria/criteria-set-rules.js'
import { clone, file, seed } from './fixtures/seed.js'

t.test('the seed criteria set (Decision 06/QĐ-TTg of 2019)', async (t) => {
  t.equal(file.dataset, 'criteria-sets')
  t.equal(file.version, '2019.2')
  t.same(
    file.sets.map((set) => [set.id, set.version]),
    [
      ['QD06-2019', 1],
      ['QD06-2019', 2],
    ],
    'version 1 kept for the assessments made under it',
  )
  t.equal(seed.id, 'QD06-2019')
  t.equal(seed.legalBasis, 'Quyết định 06/QĐ-TTg ngày 03/01/2019')
  t.same(seed.assessmentSchedule, { cycleStartYear: 2021, cycleYears: 5, yearsOfCycle: [2, 4], month: 11 })
  t.same(file.sets[0]!.criteria, seed.criteria, 'version 2 changes the citation and the schedule, not the criteria')
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
  const v1 = clone(file.sets[0]!)
  const v2 = { ...clone(v1), version: 2, validToYear: 2024 }
  const next = { ...clone(v1), id: 'QD-2025', validFromYear: 2025 }
  const sets = [v1, v2, next]
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

t.test('assessment years: November of the 2nd and 4th year of each 5-year plan', async (t) => {
  const cases: [number, boolean][] = [
    [2017, true],
    [2019, true],
    [2021, false],
    [2022, true],
    [2023, false],
    [2024, true],
    [2025, false],
    [2026, false],
    [2027, true],
    [2029, true],
    [2030, false],
  ]
  for (const [year, expected] of cases) t.equal(isAssessmentYear(seed, year), expected, String(year))
  t.ok(isAssessmentYear(file.sets[0]!, 2023), 'a set with no schedule assesses in any year')
  t.same(assessmentYearsBetween(seed, 2020, 2030), [2022, 2024, 2027, 2029])
  t.equal(assessmentMonthStart(seed, 2024), '2024-11-01', 'the round’s month opens on its first day')
  t.equal(assessmentMonthStart(seed, 2025), null, 'no round outside the assessment years')
  t.equal(assessmentMonthStart(file.sets[0]!, 2024), null, 'nor under a set without a schedule')
  const wrong = clone(seed)
  wrong.assessmentSchedule = { cycleStartYear: 2021, cycleYears: 5, yearsOfCycle: [2, 6], month: 11 }
  t.same(
    criteriaSetProblems(wrong).map((problem) => [problem.pointer, problem.code]),
    [['/assessmentSchedule/yearsOfCycle/1', 'invalid_schedule']],
  )
})
