import t from 'tap'
import {
  dhis2PeriodsOfYear,
  gridKeys,
  isDhis2Uid,
  keyId,
  mappingProblems,
  parseDhis2Period,
  periodValues,
  postsIn,
  publishableWhenWithheld,
  timeBehaviour,
  type Dhis2Mapping,
  type IndicatorToPost,
} from '../../../src/modules/dhis2/rules.js'
import { closingDays, defaultPeriodsForYear } from '../../../src/modules/indicators/rules.js'

t.test('DHIS2 UIDs: 11 characters, a letter first, letters and digits', async (t) => {
  const cases: [string, boolean][] = [
    ['fbfJHSPpUQD', true],
    ['HllvX50cXC0', true],
    ['a0000000000', true],
    ['0bfJHSPpUQD', false],
    ['fbfJHSPpUQ', false],
    ['fbfJHSPpUQDx', false],
    ['fbfJHSPp-QD', false],
    ['fbfJHSPpUQĐ', false],
    ['', false],
  ]
  for (const [uid, valid] of cases) t.equal(isDhis2Uid(uid), valid, uid)
})

t.test('DHIS2 periods and the window each covers', async (t) => {
  const cases: [string, ReturnType<typeof parseDhis2Period>][] = [
    ['2026', { code: '2026', type: 'Yearly', year: 2026, windowFrom: '2026-01-01', windowTo: '2026-12-31' }],
    ['2026Q1', { code: '2026Q1', type: 'Quarterly', year: 2026, windowFrom: '2026-01-01', windowTo: '2026-03-31' }],
    ['2026Q2', { code: '2026Q2', type: 'Quarterly', year: 2026, windowFrom: '2026-04-01', windowTo: '2026-06-30' }],
    ['2026Q3', { code: '2026Q3', type: 'Quarterly', year: 2026, windowFrom: '2026-07-01', windowTo: '2026-09-30' }],
    ['2026Q4', { code: '2026Q4', type: 'Quarterly', year: 2026, windowFrom: '2026-10-01', windowTo: '2026-12-31' }],
    ['2026S1', { code: '2026S1', type: 'SixMonthly', year: 2026, windowFrom: '2026-01-01', windowTo: '2026-06-30' }],
    ['2026S2', { code: '2026S2', type: 'SixMonthly', year: 2026, windowFrom: '2026-07-01', windowTo: '2026-12-31' }],
    ['202602', { code: '202602', type: 'Monthly', year: 2026, windowFrom: '2026-02-01', windowTo: '2026-02-28' }],
    ['202402', { code: '202402', type: 'Monthly', year: 2024, windowFrom: '2024-02-01', windowTo: '2024-02-29' }],
    ['202612', { code: '202612', type: 'Monthly', year: 2026, windowFrom: '2026-12-01', windowTo: '2026-12-31' }],
    ['2026Q5', null],
    ['2026S3', null],
    ['202613', null],
    ['202600', null],
    ['2026-six_month', null],
    ['2026W10', null],
    ['0999', null],
  ]
  for (const [code, expected] of cases) t.same(parseDhis2Period(code), expected, code)
})

t.test('the periods of a year tile it: no day counted twice, none left out', async (t) => {
  for (const type of ['Monthly', 'Quarterly', 'SixMonthly', 'Yearly'] as const) {
    const periods = dhis2PeriodsOfYear(2028, type)
    t.equal(periods[0]!.windowFrom, '2028-01-01', `${type} starts the year`)
    t.equal(periods.at(-1)!.windowTo, '2028-12-31', `${type} ends it`)
    for (let index = 1; index < periods.length; index++) {
      const previousEnd = new Date(`${periods[index - 1]!.windowTo}T00:00:00Z`).getTime()
      const start = new Date(`${periods[index]!.windowFrom}T00:00:00Z`).getTime()
      t.equal(start - previousEnd, 86_400_000, `${periods[index]!.code} starts the day after the one before ends`)
    }
  }
  t.same(
    dhis2PeriodsOfYear(2026, 'Quarterly').map((period) => period.code),
    ['2026Q1', '2026Q2', '2026Q3', '2026Q4'],
  )
})

t.test('which periods a caller whose small counts are withheld may get', async (t) => {
  const planDefaults = closingDays(2026, defaultPeriodsForYear(2026))
  // Reporting windows an administrator set to end with the quarters (due dates after them).
  const quarterEnds = ['2026-03-31', '2026-06-30', '2026-09-30', '2026-12-31']
  const cases: [string, readonly string[], boolean][] = [
    ['2026', planDefaults, true],
    ['2026Q1', planDefaults, false],
    ['2026S1', planDefaults, false],
    ['202601', planDefaults, false],
    ['2026Q1', quarterEnds, true],
    ['2026Q2', quarterEnds, false],
    ['2026S2', quarterEnds, false],
    ['2026S1', quarterEnds, true],
    ['202603', quarterEnds, false],
    ['2026Q2', ['2026-06-30', '2026-12-31'], false],
  ]
  for (const [code, closing, expected] of cases)
    t.equal(publishableWhenWithheld(parseDhis2Period(code)!, closing), expected, `${code} with ${closing.join(' ')}`)
})

t.test('what is posted in which period type', async (t) => {
  const cases: [string, 'flow' | 'stock' | 'annual_only', boolean, boolean][] = [
    ['incidents.injury_cases_count', 'flow', true, true],
    ['incidents.child_labour_cases_count', 'flow', true, true],
    ['registry.children_count', 'stock', true, true],
    ['incidents.abused_children_count', 'annual_only', false, true],
    ['incidents.written_report_on_time_share', 'annual_only', false, true],
    ['incidents.support_plan_on_time_share', 'flow', true, true],
    ['incidents.referrals_answered_on_time_share', 'flow', true, true],
    ['incidents.closed_cases_count', 'flow', true, true],
    ['registry.special_circumstance_cared_share', 'annual_only', false, true],
    ['a.measure_added_later', 'annual_only', false, true],
  ]
  for (const [measure, behaviour, quarterly, yearly] of cases) {
    t.equal(timeBehaviour(measure), behaviour, measure)
    t.equal(postsIn(timeBehaviour(measure), 'Quarterly'), quarterly, `${measure} quarterly`)
    t.equal(postsIn(timeBehaviour(measure), 'Monthly'), quarterly, `${measure} monthly`)
    t.equal(postsIn(timeBehaviour(measure), 'Yearly'), yearly, `${measure} yearly`)
  }
})

t.test('breakdown keys and grids', async (t) => {
  t.equal(keyId({ sex: 'male', ageGroup: '0-2' }), keyId({ ageGroup: '0-2', sex: 'male' }), 'order does not matter')
  t.same(
    gridKeys(['sex']).map((key) => key.sex),
    ['male', 'female', 'unknown'],
  )
  t.equal(gridKeys(['sex', 'ageGroup']).length, 3 * 5, 'sexes × age groups, unknown included')
  t.same(gridKeys([]), [{}], 'no breakdown: the total')
})

const indicators = [
  { code: 'INJURY_ACCIDENTS', kind: 'count' as const, hasDenominator: false, breakdowns: ['sex', 'ageGroup'] },
  { code: 'UNDER6_BHYT_PCT', kind: 'percentage' as const, hasDenominator: true, breakdowns: ['sex'] },
]
const emptyMapping: Dhis2Mapping = {
  dataSets: { Monthly: null, Quarterly: 'pBOMPrpg1QX', SixMonthly: null, Yearly: 'QX4ZTUbOt3a' },
  attributeOptionCombo: 'HllvX50cXC0',
  defaultCategoryOptionCombo: 'HllvX50cXC0',
  dataElements: [],
  categoryOptionCombos: [],
  orgUnits: [],
}

t.test('mapping problems, each at its pointer', async (t) => {
  const units = new Set(['01', '00301'])
  const cases: [string, Partial<Dhis2Mapping>, { pointer: string; code: string }[]][] = [
    ['an empty mapping', {}, []],
    [
      'a sound mapping',
      {
        dataElements: [
          {
            indicatorCode: 'INJURY_ACCIDENTS',
            dataElement: 'fbfJHSPpUQD',
            denominatorDataElement: null,
            breakdown: ['sex'],
          },
          {
            indicatorCode: 'UNDER6_BHYT_PCT',
            dataElement: 'cYeuwXTCPkU',
            denominatorDataElement: 'Jtf34kNZhzP',
            breakdown: [],
          },
        ],
        categoryOptionCombos: [{ key: { sex: 'male' }, categoryOptionCombo: 'Prlt0C1RF0s' }],
        orgUnits: [{ unitCode: '00301', orgUnit: 'DiszpKrYNg8' }],
      },
      [],
    ],
    [
      'an unknown indicator and one twice',
      {
        dataElements: [
          { indicatorCode: 'NOPE', dataElement: 'fbfJHSPpUQD', denominatorDataElement: null, breakdown: [] },
          { indicatorCode: 'UNDER6_BHYT_PCT', dataElement: 'cYeuwXTCPkU', denominatorDataElement: null, breakdown: [] },
          { indicatorCode: 'UNDER6_BHYT_PCT', dataElement: 'Jtf34kNZhzP', denominatorDataElement: null, breakdown: [] },
        ],
      },
      [
        { pointer: '/dataElements/0/indicatorCode', code: 'unknown_indicator' },
        { pointer: '/dataElements/2/indicatorCode', code: 'duplicate_indicator' },
      ],
    ],
    [
      'one data element for two figures',
      {
        dataElements: [
          {
            indicatorCode: 'INJURY_ACCIDENTS',
            dataElement: 'fbfJHSPpUQD',
            denominatorDataElement: null,
            breakdown: [],
          },
          {
            indicatorCode: 'UNDER6_BHYT_PCT',
            dataElement: 'cYeuwXTCPkU',
            denominatorDataElement: 'fbfJHSPpUQD',
            breakdown: [],
          },
        ],
      },
      [{ pointer: '/dataElements/1/denominatorDataElement', code: 'duplicate_data_element' }],
    ],
    [
      'a denominator for a count without one, a breakdown not offered',
      {
        dataElements: [
          {
            indicatorCode: 'INJURY_ACCIDENTS',
            dataElement: 'fbfJHSPpUQD',
            denominatorDataElement: 'cYeuwXTCPkU',
            breakdown: ['sex', 'kind'],
          },
        ],
      },
      [
        { pointer: '/dataElements/0/denominatorDataElement', code: 'no_denominator' },
        { pointer: '/dataElements/0/breakdown/1', code: 'breakdown_not_offered' },
      ],
    ],
    [
      'an unknown breakdown value, a key twice (in another order), a combination for two cells',
      {
        categoryOptionCombos: [
          { key: { sex: 'other' }, categoryOptionCombo: 'Prlt0C1RF0s' },
          { key: { sex: 'male', ageGroup: '0-2' }, categoryOptionCombo: 'V6L425pT3A0' },
          { key: { ageGroup: '0-2', sex: 'male' }, categoryOptionCombo: 'hEFKSsPV5et' },
          { key: { sex: 'female' }, categoryOptionCombo: 'V6L425pT3A0' },
        ],
      },
      [
        { pointer: '/categoryOptionCombos/0/key/sex', code: 'unknown_breakdown_value' },
        { pointer: '/categoryOptionCombos/2/key', code: 'duplicate_key' },
        { pointer: '/categoryOptionCombos/3/categoryOptionCombo', code: 'duplicate_category_option_combo' },
      ],
    ],
    [
      'an unknown unit, a unit twice, an org unit for two units',
      {
        orgUnits: [
          { unitCode: 'nowhere', orgUnit: 'DiszpKrYNg8' },
          { unitCode: '00301', orgUnit: 'g8upMTyEZGZ' },
          { unitCode: '00301', orgUnit: 'DiszpKrYNg8' },
        ],
      },
      [
        { pointer: '/orgUnits/0/unitCode', code: 'unknown_unit' },
        { pointer: '/orgUnits/2/unitCode', code: 'duplicate_unit' },
        { pointer: '/orgUnits/2/orgUnit', code: 'duplicate_org_unit' },
      ],
    ],
    [
      'one data set for two period types',
      { dataSets: { Monthly: null, Quarterly: 'pBOMPrpg1QX', SixMonthly: null, Yearly: 'pBOMPrpg1QX' } },
      [{ pointer: '/dataSets/Yearly', code: 'duplicate_data_set' }],
    ],
  ]
  for (const [name, change, expected] of cases) {
    const problems = mappingProblems({ ...emptyMapping, ...change }, indicators, units)
    t.same(
      problems.map(({ pointer, code }) => ({ pointer, code })),
      expected,
      name,
    )
  }
})

t.test('a period’s values resolved through the mapping', async (t) => {
  const withheld = { suppressed: true as const }
  const injuries: IndicatorToPost = {
    code: 'INJURY_ACCIDENTS',
    kind: 'count',
    measure: 'incidents.injury_cases_count',
    available: true,
    figures: [
      {
        unitCode: '00301',
        numerator: 7,
        denominator: null,
        cells: [
          { key: { sex: 'male' }, numerator: 5, denominator: null },
          { key: { sex: 'female' }, numerator: 2, denominator: null },
        ],
      },
      {
        unitCode: '00304',
        numerator: withheld,
        denominator: null,
        cells: [{ key: { sex: 'male' }, numerator: withheld, denominator: null }],
      },
    ],
  }
  const cards: IndicatorToPost = {
    code: 'UNDER6_BHYT_PCT',
    kind: 'percentage',
    measure: 'registry.under6_bhyt_share',
    available: true,
    figures: [{ unitCode: '00301', numerator: 70, denominator: 70, cells: null }],
  }
  const abused: IndicatorToPost = {
    code: 'ABUSED_CHILDREN',
    kind: 'count',
    measure: 'incidents.abused_children_count',
    available: true,
    figures: [{ unitCode: '00301', numerator: 9, denominator: null, cells: null }],
  }
  const reviewed: IndicatorToPost = {
    code: 'WARDS_DATA_REVIEWED',
    kind: 'count',
    measure: 'registry.wards_reviewed_count',
    available: false,
    figures: [],
  }
  const mapping: Dhis2Mapping = {
    ...emptyMapping,
    dataElements: [
      {
        indicatorCode: 'INJURY_ACCIDENTS',
        dataElement: 'fbfJHSPpUQD',
        denominatorDataElement: null,
        breakdown: ['sex'],
      },
      { indicatorCode: 'UNDER6_BHYT_PCT', dataElement: 'cYeuwXTCPkU', denominatorDataElement: null, breakdown: [] },
      { indicatorCode: 'ABUSED_CHILDREN', dataElement: 'Jtf34kNZhzP', denominatorDataElement: null, breakdown: [] },
    ],
    categoryOptionCombos: [
      { key: { sex: 'male' }, categoryOptionCombo: 'Prlt0C1RF0s' },
      { key: { sex: 'female' }, categoryOptionCombo: 'V6L425pT3A0' },
    ],
    orgUnits: [{ unitCode: '00301', orgUnit: 'DiszpKrYNg8' }],
  }

  const quarter = periodValues({ code: '2026Q2', type: 'Quarterly' }, mapping, [injuries, cards, abused, reviewed])
  const common = { period: '2026Q2', orgUnit: 'DiszpKrYNg8', attributeOptionCombo: 'HllvX50cXC0' }
  t.same(quarter.dataValues, [
    { ...common, dataElement: 'fbfJHSPpUQD', categoryOptionCombo: 'Prlt0C1RF0s', value: '5' },
    { ...common, dataElement: 'fbfJHSPpUQD', categoryOptionCombo: 'V6L425pT3A0', value: '2' },
    { ...common, dataElement: 'cYeuwXTCPkU', categoryOptionCombo: 'HllvX50cXC0', value: '70' },
  ])
  t.same(
    quarter.gaps,
    [
      {
        reason: 'category_option_combo_missing',
        indicatorCode: 'INJURY_ACCIDENTS',
        key: { sex: 'unknown' },
        values: 1,
      },
      { reason: 'org_unit_not_mapped', unitCode: '00304', values: 2 },
      { reason: 'no_denominator_data_element', indicatorCode: 'UNDER6_BHYT_PCT', values: 1 },
    ],
    'the full grid is checked: a cell with nothing counted still needs its combination',
  )
  t.equal(quarter.withheld, 1, 'the withheld cell is not posted; the cells around it on the full grid are 0s')
  t.same(quarter.skipped, [
    { indicatorCode: 'ABUSED_CHILDREN', reason: 'annual_only' },
    { indicatorCode: 'WARDS_DATA_REVIEWED', reason: 'not_available' },
  ])

  const year = periodValues({ code: '2026', type: 'Yearly' }, mapping, [abused])
  t.same(
    year.dataValues.map((value) => [value.dataElement, value.period, value.value]),
    [['Jtf34kNZhzP', '2026', '9']],
  )
  const crossed = periodValues({ code: '2026', type: 'Yearly' }, mapping, [{ ...abused, breakdownNotPublished: true }])
  t.same(crossed.dataValues, [], 'a cross not published to the caller posts nothing of the indicator')
  t.same(crossed.gaps, [], 'and is no gap of the mapping')
  t.same(crossed.skipped, [{ indicatorCode: 'ABUSED_CHILDREN', reason: 'breakdown_not_published' }])

  const bare = periodValues(
    { code: '2026', type: 'Yearly' },
    {
      ...mapping,
      dataSets: { ...mapping.dataSets, Yearly: null },
      attributeOptionCombo: null,
      dataElements: [],
    },
    [abused],
  )
  t.same(bare.gaps, [
    { reason: 'no_data_set', values: 0 },
    { reason: 'no_attribute_option_combo', values: 0 },
    { reason: 'indicator_not_mapped', indicatorCode: 'ABUSED_CHILDREN', values: 1 },
  ])
})
