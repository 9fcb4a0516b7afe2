import t from 'tap'
import type { CriteriaSet, Threshold } from '../../../src/modules/criteria/criteria-set-rules.js'
import type { WardFigures } from '../../../src/modules/criteria/figure-rules.js'
import {
  meetsThreshold,
  suggestAbusedChildren,
  suggestBirthRegistration,
  suggestCollaboratorCoverage,
  suggestCriterion6,
  suggestInjuryDeaths,
  suggestionsFromFigures,
  type Suggestion,
} from '../../../src/modules/criteria/suggestion-rules.js'
import { clone, seed } from './fixtures/seed.js'

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
