import { readFileSync } from 'node:fs'
import t from 'tap'
import { loadCaseStepRules } from '../../../src/reference/index.js'
import { abuseKinds, CaseDeadlines } from '../../../src/modules/incidents/rules.js'
import {
  childLabourSupport,
  closedDay,
  closingDays,
  contentVersion,
  defaultPeriodsForYear,
  dhis2Period,
  earliestReceiptDueFrom,
  figureMet,
  figureValue,
  orderCells,
  parsePeriodCode,
  percentage,
  periodProblems,
  submissionTimeliness,
  sumBreakdowns,
  supportPlanTimeliness,
  targetMet,
  targetProblems,
  timelinessSummary,
  type BreakdownCell,
  type Comparator,
  type ReportingPeriod,
  type SupportOutcome,
  type Target,
  type Timeliness,
} from '../../../src/modules/indicators/rules.js'

interface IndicatorsFile {
  dataset: string
  version: string
  notes: string[]
  indicators: {
    code: string
    nameVi: string
    nameEn: string
    kind: 'count' | 'percentage'
    numerator: string
    denominator: string | null
    breakdowns: string[]
    source: string
    measure: string
  }[]
  targets: {
    planYear: number
    indicatorCode: string
    comparator: Comparator
    value: number
    unit: 'percent' | 'count' | 'wards'
  }[]
  periods: ReportingPeriod[]
}

const file = JSON.parse(
  readFileSync(new URL('../../../src/reference/indicators.json', import.meta.url), 'utf8'),
) as IndicatorsFile

t.test('target met', async (t) => {
  const cases: [number | null, Comparator, number, boolean | null][] = [
    [95, '>=', 90, true],
    [90, '>=', 90, true],
    [89.99, '>=', 90, false],
    [100, '=', 100, true],
    [99.99, '=', 100, false],
    [0, '=', 0, true],
    [1, '=', 0, false],
    [14, '<=', 14, true],
    [15, '<=', 14, false],
    [3, '<', 5, true],
    [5, '<', 5, false],
    [5, '>', 4, true],
    [4, '>', 4, false],
    [null, '>=', 90, null],
    [null, '=', 0, null],
  ]
  for (const [value, comparator, target, expected] of cases) {
    t.equal(targetMet(value, { comparator, value: target }), expected, `${value} ${comparator} ${target}`)
  }
})

t.test('percentage: 2 decimals, halves rounded up', async (t) => {
  const cases: [number, number, number | null][] = [
    [9, 10, 90],
    [999, 1000, 99.9],
    [1, 3, 33.33],
    [2, 3, 66.67],
    [5, 9, 55.56],
    [1, 6, 16.67],
    [0, 5, 0],
    [5, 5, 100],
    [1, 8, 12.5],
    [1, 32, 3.13], // 3.125
    [1, 800, 0.13], // 0.125
    [3, 64, 4.69], // 4.6875
    [1, 64, 1.56], // 1.5625
    [1840, 2000, 92],
    [0, 0, null],
    [7, 0, null],
    [11, 10, 110], // inconsistent data is shown, not clamped
  ]
  for (const [numerator, denominator, expected] of cases)
    t.equal(percentage(numerator, denominator), expected, `${numerator}/${denominator}`)
  t.throws(() => percentage(-1, 10), RangeError)
  t.throws(() => percentage(1, -10), RangeError)
  t.throws(() => percentage(1.5, 10), RangeError)
  t.throws(() => percentage(Number.NaN, 10), RangeError)
})

t.test('default reporting periods', async (t) => {
  t.same(defaultPeriodsForYear(2024), [
    {
      code: '2024-ward_plan',
      kind: 'ward_plan',
      year: 2024,
      dueDate: '2024-03-30',
      windowFrom: '2024-01-01',
      windowTo: '2024-03-29',
    },
    {
      code: '2024-six_month',
      kind: 'six_month',
      year: 2024,
      dueDate: '2024-05-15',
      windowFrom: '2024-01-01',
      windowTo: '2024-05-14',
    },
    {
      code: '2024-nine_month',
      kind: 'nine_month',
      year: 2024,
      dueDate: '2024-09-15',
      windowFrom: '2024-01-01',
      windowTo: '2024-09-14',
    },
    {
      code: '2024-annual',
      kind: 'annual',
      year: 2024,
      dueDate: '2024-11-10',
      windowFrom: '2024-01-01',
      windowTo: '2024-11-09',
    },
  ])
  const p2025 = defaultPeriodsForYear(2025)
  t.same(
    p2025.map((p) => [p.code, p.dueDate, p.windowFrom, p.windowTo]),
    [
      ['2025-ward_plan', '2025-03-30', '2025-01-01', '2025-03-29'],
      ['2025-six_month', '2025-05-15', '2025-01-01', '2025-05-14'],
      ['2025-nine_month', '2025-09-15', '2025-01-01', '2025-09-14'],
      ['2025-annual', '2025-11-10', '2025-01-01', '2025-11-09'],
    ],
  )
  t.throws(() => defaultPeriodsForYear(24), RangeError)
  t.throws(() => defaultPeriodsForYear(2024.5), RangeError)
})

t.test('the days a year closes on, and the one a withheld table is read as of', async (t) => {
  const days = closingDays(2024, defaultPeriodsForYear(2024))
  t.same(days, ['2024-03-29', '2024-05-14', '2024-09-14', '2024-11-09', '2024-12-31'])
  t.same(
    closingDays(2024, [{ windowTo: '2024-12-31' }, { windowTo: '2024-06-30' }, { windowTo: '2025-01-05' }]),
    ['2024-06-30', '2024-12-31'],
    'a period moved by an administrator, once, and only days of the year',
  )
  const cases: [string, string | undefined, string, ReturnType<typeof closedDay>][] = [
    ['the latest closed by default', undefined, '2024-06-20', '2024-05-14'],
    ['a closing day is closed only once it has passed', undefined, '2024-05-14', '2024-03-29'],
    ['the day after', undefined, '2024-05-15', '2024-05-14'],
    ['a past year: its last day', undefined, '2026-12-05', '2024-12-31'],
    ['an earlier closed day asked for', '2024-03-29', '2024-06-20', '2024-03-29'],
    [
      'any other day',
      '2024-06-19',
      '2024-06-20',
      { reason: 'not_a_closing_day', closed: ['2024-03-29', '2024-05-14'] },
    ],
    [
      'a closing day to come',
      '2024-09-14',
      '2024-06-20',
      { reason: 'not_closed', closed: ['2024-03-29', '2024-05-14'] },
    ],
    ['today, a closing day', '2024-05-14', '2024-05-14', { reason: 'not_closed', closed: ['2024-03-29'] }],
    ['nothing closed yet', undefined, '2024-02-01', { reason: 'none_closed', closed: [] }],
  ]
  for (const [name, requested, today, expected] of cases) t.same(closedDay(requested, days, today), expected, name)
})

t.test('submission timeliness (due 15/5/2024, Asia/Ho_Chi_Minh)', async (t) => {
  const period = defaultPeriodsForYear(2024)[1]!
  t.equal(period.dueDate, '2024-05-15')
  const later = new Date('2024-12-31T00:00:00+07:00')
  const cases: [string, string | null, string, Timeliness][] = [
    ['at 23:59 local on the due date', '2024-05-15T23:59:00+07:00', later.toISOString(), 'on_time'],
    ['at 00:01 local the next day', '2024-05-16T00:01:00+07:00', later.toISOString(), 'late'],
    ['at 23:59:59 local, written in UTC', '2024-05-15T16:59:59Z', later.toISOString(), 'on_time'],
    ['at midnight local, written in UTC', '2024-05-15T17:00:00Z', later.toISOString(), 'late'],
    ['well before the due date', '2024-03-01T09:00:00+07:00', later.toISOString(), 'on_time'],
    ['a week late', '2024-05-22T08:00:00+07:00', later.toISOString(), 'late'],
    ['not submitted, before the due date', null, '2024-05-01T08:00:00+07:00', 'not_due'],
    ['not submitted, 23:59 on the due date', null, '2024-05-15T23:59:00+07:00', 'not_due'],
    ['not submitted, midnight after the due date', null, '2024-05-16T00:00:00+07:00', 'missing'],
    ['not submitted, months later', null, later.toISOString(), 'missing'],
  ]
  for (const [name, submittedAt, now, expected] of cases) {
    t.equal(
      submissionTimeliness(period, submittedAt === null ? null : new Date(submittedAt), new Date(now)),
      expected,
      name,
    )
  }
  t.equal(
    submissionTimeliness({ dueDate: '2024-11-10' }, new Date('2024-11-10T20:00:00+07:00'), later),
    'on_time',
    'a due date on a Sunday is kept as written',
  )
})

t.test('timeliness summary', async (t) => {
  const cases: [
    Timeliness[],
    { onTime: number; late: number; missing: number; notDue: number; due: number; onTimePercentage: number | null },
  ][] = [
    [
      ['on_time', 'late', 'missing', 'not_due', 'on_time'],
      { onTime: 2, late: 1, missing: 1, notDue: 1, due: 4, onTimePercentage: 50 },
    ],
    [['on_time', 'on_time', 'late'], { onTime: 2, late: 1, missing: 0, notDue: 0, due: 3, onTimePercentage: 66.67 }],
    [['not_due', 'not_due'], { onTime: 0, late: 0, missing: 0, notDue: 2, due: 0, onTimePercentage: null }],
    [[], { onTime: 0, late: 0, missing: 0, notDue: 0, due: 0, onTimePercentage: null }],
  ]
  for (const [values, expected] of cases) t.same(timelinessSummary(values), expected, values.join(',') || 'nothing')
})

t.test('sum breakdowns', async (t) => {
  const cells: BreakdownCell[] = [
    { key: { ward: 'A', sex: 'male' }, numerator: 10, denominator: 12 },
    { key: { ward: 'A', sex: 'female' }, numerator: 8, denominator: 9 },
    { key: { ward: 'B', sex: 'male' }, numerator: 5, denominator: 5 },
    { key: { ward: 'B', sex: 'female' }, numerator: 7, denominator: 10 },
    { key: { ward: 'C', sex: 'male' }, numerator: 0, denominator: 0 },
    { key: { ward: 'C', sex: 'female' }, numerator: 3, denominator: 4 },
  ]
  const cases: [string[], BreakdownCell[]][] = [
    [[], [{ key: {}, numerator: 33, denominator: 40 }]],
    [
      ['sex'],
      [
        { key: { sex: 'male' }, numerator: 15, denominator: 17 },
        { key: { sex: 'female' }, numerator: 18, denominator: 23 },
      ],
    ],
    [
      ['ward'],
      [
        { key: { ward: 'A' }, numerator: 18, denominator: 21 },
        { key: { ward: 'B' }, numerator: 12, denominator: 15 },
        { key: { ward: 'C' }, numerator: 3, denominator: 4 },
      ],
    ],
    [
      ['sex', 'ward'],
      cells.map((c) => ({
        key: { sex: c.key.sex!, ward: c.key.ward! },
        numerator: c.numerator,
        denominator: c.denominator,
      })),
    ],
  ]
  for (const [by, expected] of cases) t.same(sumBreakdowns(cells, by), expected, `by [${by.join(', ')}]`)
  t.same(sumBreakdowns([], ['sex']), [], 'no cells, no groups')
  t.same(cells[0], { key: { ward: 'A', sex: 'male' }, numerator: 10, denominator: 12 }, 'input cells are not modified')
  t.throws(() => sumBreakdowns(cells, ['ageGroup']), /no "ageGroup" breakdown/)
  // Values that would collide if keys were joined with a separator.
  t.same(
    sumBreakdowns(
      [
        { key: { a: 'x,y', b: 'z' }, numerator: 1, denominator: 1 },
        { key: { a: 'x', b: 'y,z' }, numerator: 2, denominator: 2 },
      ],
      ['a', 'b'],
    ).length,
    2,
  )
})

t.test('indicators.json', async (t) => {
  t.equal(file.dataset, 'indicators')
  t.equal(file.version, '2024.4')
  const codes = file.indicators.map((i) => i.code)
  t.equal(new Set(codes).size, codes.length, 'codes are unique')
  t.equal(new Set(file.indicators.map((i) => i.measure)).size, codes.length, 'measures are unique')
  for (const required of [
    'CHILDREN_BY_AGE_SEX',
    'SC_CHILDREN_BY_GROUP',
    'SC_CHILDREN_CARED_PCT',
    'UNDER6_CHILDREN',
    'UNDER6_BHYT_PCT',
    'ABUSED_CHILDREN',
    'INJURY_ACCIDENTS',
    'INJURY_DEATHS',
    'CHILD_LABOUR_CASES',
    'CHILD_LABOUR_SUPPORTED_PCT',
    'WRITTEN_REPORT_ON_TIME_PCT',
    'SUPPORT_PLAN_ON_TIME_PCT',
    'REFERRALS_ANSWERED_ON_TIME_PCT',
    'CLOSED_CASES',
    'WARDS_WITH_PLAN',
    'WARDS_CHILD_FRIENDLY',
  ]) {
    t.ok(codes.includes(required), required)
  }
  for (const indicator of file.indicators) {
    t.ok(['count', 'percentage'].includes(indicator.kind), `${indicator.code} kind`)
    t.ok(['registry', 'incidents', 'assessments', 'reports'].includes(indicator.source), `${indicator.code} source`)
    t.ok(/^[a-z]+\.[a-z0-9_]+$/.test(indicator.measure), `${indicator.code} measure is a machine key`)
    t.ok(
      indicator.breakdowns.every((b) =>
        ['sex', 'ageGroup', 'groupCode', 'kind', 'setting', 'urgency', 'closureReason'].includes(b),
      ),
      `${indicator.code} breakdowns`,
    )
    if (indicator.kind === 'percentage') t.ok(indicator.denominator, `${indicator.code} has a denominator`)
    t.ok(
      file.notes.some((n) => n.includes(indicator.measure)),
      `${indicator.code} measure is listed in the notes`,
    )
  }
  t.same(file.indicators.find((i) => i.code === 'ABUSED_CHILDREN')!.breakdowns, ['kind', 'sex', 'ageGroup', 'setting'])

  t.same(
    file.targets.map((x) => [x.planYear, x.indicatorCode, x.comparator, x.value, x.unit]),
    [
      [2024, 'SC_CHILDREN_CARED_PCT', '>=', 90, 'percent'],
      [2024, 'UNDER6_BHYT_PCT', '=', 100, 'percent'],
      [2024, 'INJURY_DEATHS', '=', 0, 'count'],
      [2024, 'CHILD_LABOUR_SUPPORTED_PCT', '=', 100, 'percent'],
      [2024, 'WARDS_WITH_PLAN', '=', 14, 'wards'],
      [2024, 'WARDS_DATA_REVIEWED', '=', 14, 'wards'],
      [2024, 'WARDS_CHILD_FRIENDLY', '=', 14, 'wards'],
    ],
  )
  for (const target of file.targets) {
    const indicator = file.indicators.find((i) => i.code === target.indicatorCode)
    t.ok(indicator, `${target.indicatorCode} exists`)
    t.equal(target.unit === 'percent', indicator?.kind === 'percentage', `${target.indicatorCode} unit fits its kind`)
  }
  t.same(file.periods, defaultPeriodsForYear(2024), 'the 2024 periods are the defaults')

  // The district's 2024 figures against the targets, by hand.
  const target = (code: string) => file.targets.find((x) => x.indicatorCode === code)!
  t.equal(targetMet(percentage(1840, 2000), target('SC_CHILDREN_CARED_PCT')), true, '92% cared for')
  t.equal(targetMet(percentage(1799, 2000), target('SC_CHILDREN_CARED_PCT')), false, '89.95% cared for')
  t.equal(targetMet(percentage(4999, 5000), target('UNDER6_BHYT_PCT')), false, '99.98% with a card')
  t.equal(targetMet(0, target('INJURY_DEATHS')), true)
  t.equal(targetMet(13, target('WARDS_CHILD_FRIENDLY')), false)
  t.equal(
    targetMet(percentage(0, 0), target('CHILD_LABOUR_SUPPORTED_PCT')),
    null,
    'no child labour case: nothing to judge',
  )
})

t.test('child labour supported promptly', async (t) => {
  // Received Monday 6 May 2024 at 09:00: the plan is due by the end of Monday 13 May (5 working days); 12 hours for emergency protection.
  const receivedAt = new Date('2024-05-06T09:00:00+07:00')
  const calendar = { holidays: new Set<string>(), workingWeekendDays: new Set<string>() }
  const { rules, writtenReportKinds } = loadCaseStepRules().data
  const stepRules = [{ version: 1, effectiveFrom: '2017-06-15', rules, writtenReportKinds }]
  const at = (local: string) => new Date(`${local}+07:00`)
  const cases: [
    string,
    { emergency: boolean; plan: string | null; protection: string | null },
    string,
    SupportOutcome,
  ][] = [
    [
      'plan on the 4th working day',
      { emergency: false, plan: '2024-05-10T09:00:00', protection: null },
      '2024-06-01T00:00:00',
      'prompt',
    ],
    [
      'plan at 23:59 on the 5th working day',
      { emergency: false, plan: '2024-05-13T23:59:00', protection: null },
      '2024-06-01T00:00:00',
      'prompt',
    ],
    [
      'plan the next morning',
      { emergency: false, plan: '2024-05-14T08:00:00', protection: null },
      '2024-06-01T00:00:00',
      'late',
    ],
    ['no plan, deadline passed', { emergency: false, plan: null, protection: null }, '2024-05-14T00:00:01', 'late'],
    [
      'no plan, still within the deadline',
      { emergency: false, plan: null, protection: null },
      '2024-05-13T20:00:00',
      'pending',
    ],
    [
      'a plan recorded after the cutoff is not yet known',
      { emergency: false, plan: '2024-05-10T09:00:00', protection: null },
      '2024-05-08T00:00:00',
      'pending',
    ],
    [
      'emergency: protected within 12 hours, plan late',
      { emergency: true, plan: '2024-05-20T09:00:00', protection: '2024-05-06T20:00:00' },
      '2024-06-01T00:00:00',
      'prompt',
    ],
    [
      'emergency: protected after 12 hours, plan late',
      { emergency: true, plan: '2024-05-20T09:00:00', protection: '2024-05-06T22:00:00' },
      '2024-06-01T00:00:00',
      'late',
    ],
    [
      'not an emergency: protection does not count',
      { emergency: false, plan: null, protection: '2024-05-06T10:00:00' },
      '2024-06-01T00:00:00',
      'late',
    ],
  ]
  for (const [name, input, cutoff, expected] of cases) {
    const outcome = childLabourSupport(
      {
        receivedAt,
        emergency: input.emergency,
        supportPlanAt: input.plan ? at(input.plan) : null,
        emergencyProtectionAt: input.protection ? at(input.protection) : null,
      },
      new CaseDeadlines({ calendar, stepRules }),
      at(cutoff),
    )
    t.equal(outcome, expected, name)
  }
  const withHoliday = { holidays: new Set(['2024-05-13']), workingWeekendDays: new Set<string>() }
  t.equal(
    childLabourSupport(
      { receivedAt, emergency: false, supportPlanAt: at('2024-05-14T09:00:00'), emergencyProtectionAt: null },
      new CaseDeadlines({ calendar: withHoliday, stepRules }),
      at('2024-06-01T00:00:00'),
    ),
    'prompt',
    'a holiday moves the deadline a working day on',
  )
})

t.test('support plans judged in the window their deadline falls in', async (t) => {
  const calendar = { holidays: new Set(['2024-04-30', '2024-05-01']), workingWeekendDays: new Set<string>() }
  const { rules, writtenReportKinds } = loadCaseStepRules().data
  const deadlines = { calendar, stepRules: [{ version: 1, effectiveFrom: '2017-06-15', rules, writtenReportKinds }] }
  const at = (local: string) => new Date(`${local}+07:00`)
  // Received Tuesday 23 April: 5 working days past the 30 April and 1 May holidays end on Thursday 2 May.
  const receivedAt = at('2024-04-23T09:00:00')
  const may = { from: at('2024-05-01T00:00:00'), to: at('2024-06-01T00:00:00') }
  const april = { from: at('2024-04-01T00:00:00'), to: at('2024-05-01T00:00:00') }
  const cases: [string, { plan?: string; closed?: string }, typeof may, string, 'on_time' | 'late' | null][] = [
    ['plan made on the deadline day', { plan: '2024-05-02T17:00:00' }, may, '2024-06-01T00:00:00', 'on_time'],
    [
      'a plan made in April counts in May, with its deadline',
      { plan: '2024-04-25T09:00:00' },
      may,
      '2024-06-01T00:00:00',
      'on_time',
    ],
    ['and not in April', { plan: '2024-04-25T09:00:00' }, april, '2024-05-01T00:00:00', null],
    ['plan a day late', { plan: '2024-05-03T08:00:00' }, may, '2024-06-01T00:00:00', 'late'],
    ['no plan, deadline passed', {}, may, '2024-05-03T00:00:00', 'late'],
    ['no plan, deadline not passed at the cutoff', {}, may, '2024-05-02T12:00:00', null],
    [
      'a plan recorded after the cutoff is not yet known',
      { plan: '2024-05-02T17:00:00' },
      may,
      '2024-05-02T12:00:00',
      null,
    ],
    [
      'closed by the deadline without a plan: none owed',
      { closed: '2024-04-24T10:00:00' },
      may,
      '2024-06-01T00:00:00',
      null,
    ],
    ['closed after the deadline without a plan', { closed: '2024-05-20T10:00:00' }, may, '2024-06-01T00:00:00', 'late'],
  ]
  for (const [name, input, window, cutoff, expected] of cases) {
    const outcome = supportPlanTimeliness(
      {
        receivedAt,
        supportPlanAt: input.plan ? at(input.plan) : null,
        closedAt: input.closed ? at(input.closed) : null,
      },
      new CaseDeadlines(deadlines),
      window,
      at(cutoff),
    )
    t.equal(outcome, expected, name)
  }
  t.equal(
    earliestReceiptDueFrom('support_plan', '2024-05-01', deadlines).toISOString(),
    at('2024-04-23T00:00:00').toISOString(),
    'the first cases due in May were received on 23 April',
  )
  t.equal(
    supportPlanTimeliness(
      { receivedAt: at('2024-04-22T23:00:00'), supportPlanAt: null, closedAt: null },
      new CaseDeadlines(deadlines),
      may,
      at('2024-06-01T00:00:00'),
    ),
    null,
    'one received on 22 April is due on 29 April',
  )
  const hours = [
    {
      version: 2,
      effectiveFrom: '2030-01-01',
      rules: [{ step: 'support_plan' as const, kind: 'hours' as const, amount: 200 }],
      writtenReportKinds,
    },
  ]
  t.equal(
    earliestReceiptDueFrom('support_plan', '2024-05-01', {
      calendar,
      stepRules: [...deadlines.stepRules, ...hours],
    }).toISOString(),
    new Date(at('2024-05-01T00:00:00').getTime() - 200 * 3_600_000).toISOString(),
    'the widest reach of any version of the rules',
  )
})

t.test('what the incident measures count', async (t) => {
  t.same([...abuseKinds].sort(), [
    'abandonment',
    'child_labour',
    'exploitation',
    'neglect',
    'other_harm',
    'sexual_abuse',
    'trafficking',
    'violence',
  ])
})

t.test('figures and verdicts', async (t) => {
  t.equal(figureValue('count', 7, 0), 7)
  t.equal(figureValue('percentage', 9, 10), 90)
  t.equal(figureValue('percentage', 0, 0), null)
  const wards: Target = { comparator: '=', value: 14, unit: 'wards' }
  const cases: [
    Target | null,
    { value: number | null; numerator: number; denominator: number },
    string,
    boolean | null,
  ][] = [
    [wards, { value: 14, numerator: 14, denominator: 14 }, 'district', true],
    [wards, { value: 13, numerator: 13, denominator: 14 }, 'district', false],
    [wards, { value: 1, numerator: 1, denominator: 1 }, 'ward', true],
    [wards, { value: 0, numerator: 0, denominator: 1 }, 'ward', false],
    [wards, { value: 0, numerator: 0, denominator: 0 }, 'ward', null],
    [{ comparator: '=', value: 0, unit: 'count' }, { value: 0, numerator: 0, denominator: 0 }, 'ward', true],
    [{ comparator: '=', value: 0, unit: 'count' }, { value: 1, numerator: 1, denominator: 0 }, 'district', false],
    [{ comparator: '>=', value: 90, unit: 'percent' }, { value: 90, numerator: 9, denominator: 10 }, 'ward', true],
    [{ comparator: '=', value: 100, unit: 'percent' }, { value: null, numerator: 0, denominator: 0 }, 'district', null],
    [null, { value: 5, numerator: 5, denominator: 0 }, 'district', null],
  ]
  for (const [target, figure, level, expected] of cases)
    t.equal(figureMet(target, figure, level), expected, `${JSON.stringify(target)} ${JSON.stringify(figure)} ${level}`)
})

t.test('target problems', async (t) => {
  const indicators = new Map([
    ['PCT', { kind: 'percentage' as const }],
    ['COUNT', { kind: 'count' as const }],
  ])
  const cases: [(Target & { indicatorCode: string })[], string[]][] = [
    [
      [
        { indicatorCode: 'PCT', comparator: '>=', value: 90, unit: 'percent' },
        { indicatorCode: 'COUNT', comparator: '=', value: 14, unit: 'wards' },
      ],
      [],
    ],
    [
      [{ indicatorCode: 'NOPE', comparator: '=', value: 1, unit: 'count' }],
      ['/targets/0/indicatorCode unknown_indicator'],
    ],
    [[{ indicatorCode: 'PCT', comparator: '=', value: 90, unit: 'count' }], ['/targets/0/unit unit_mismatch']],
    [[{ indicatorCode: 'COUNT', comparator: '=', value: 90, unit: 'percent' }], ['/targets/0/unit unit_mismatch']],
    [[{ indicatorCode: 'PCT', comparator: '>=', value: 120, unit: 'percent' }], ['/targets/0/value out_of_range']],
    [[{ indicatorCode: 'COUNT', comparator: '<=', value: 2.5, unit: 'count' }], ['/targets/0/value out_of_range']],
    [
      [
        { indicatorCode: 'COUNT', comparator: '=', value: 0, unit: 'count' },
        { indicatorCode: 'COUNT', comparator: '=', value: 1, unit: 'count' },
      ],
      ['/targets/1/indicatorCode duplicate_target'],
    ],
  ]
  for (const [targets, expected] of cases)
    t.same(
      targetProblems(targets, indicators).map((p) => `${p.pointer} ${p.code}`),
      expected,
      JSON.stringify(targets),
    )
})

t.test('content versions', async (t) => {
  t.equal(contentVersion({ a: 1, b: 2 }), contentVersion({ b: 2, a: 1 }), 'key order does not matter')
  t.not(contentVersion({ a: 1, b: 2 }), contentVersion({ a: 1, b: 3 }))
  for (const content of [[], {}, 'x', [1, 2, 3], { big: 'y'.repeat(1000) }]) {
    const version = contentVersion(content)
    t.ok(
      Number.isInteger(version) && version >= 0 && version <= 268_435_455,
      `${JSON.stringify(content).slice(0, 20)} fits an entity tag`,
    )
  }
})

t.test('reporting periods as data', async (t) => {
  t.same(parsePeriodCode('2024-six_month'), { year: 2024, kind: 'six_month' })
  t.same(parsePeriodCode('2031-annual'), { year: 2031, kind: 'annual' })
  for (const bad of ['2024-monthly', '24-annual', '2024-annual-x', '']) t.equal(parsePeriodCode(bad), null, bad)
  const cases: [{ dueDate: string; windowFrom: string; windowTo: string }, string[]][] = [
    [{ dueDate: '2025-05-20', windowFrom: '2025-01-01', windowTo: '2025-05-14' }, []],
    [{ dueDate: '2026-01-10', windowFrom: '2025-01-01', windowTo: '2025-12-31' }, []],
    [{ dueDate: '2025-05-20', windowFrom: '2024-12-01', windowTo: '2025-05-14' }, ['/windowFrom out_of_range']],
    [{ dueDate: '2025-05-20', windowFrom: '2025-06-01', windowTo: '2025-05-14' }, ['/windowTo invalid_range']],
    [{ dueDate: '2025-05-10', windowFrom: '2025-01-01', windowTo: '2025-05-14' }, ['/dueDate invalid_range']],
    [{ dueDate: '2027-01-01', windowFrom: '2025-01-01', windowTo: '2025-05-14' }, ['/dueDate out_of_range']],
  ]
  for (const [period, expected] of cases)
    t.same(
      periodProblems(2025, period).map((p) => `${p.pointer} ${p.code}`),
      expected,
      JSON.stringify(period),
    )
})

t.test('DHIS2 periods: where each window ends', async (t) => {
  t.same(
    defaultPeriodsForYear(2024).map((period) => dhis2Period(period)),
    ['2024Q1', '2024S1', '2024Q3', '2024'],
  )
})

t.test('cells in reading order', async (t) => {
  const cells = [
    { key: { sex: 'unknown', ageGroup: '0-2' } },
    { key: { sex: 'female', ageGroup: '11-15' } },
    { key: { sex: 'female', ageGroup: 'unknown' } },
    { key: { sex: 'male', ageGroup: '6-10' } },
    { key: { sex: 'female', ageGroup: '3-5' } },
  ]
  t.same(
    orderCells([...cells], ['sex', 'ageGroup']).map((c) => `${c.key.sex} ${c.key.ageGroup}`),
    ['male 6-10', 'female 3-5', 'female 11-15', 'female unknown', 'unknown 0-2'],
  )
  t.same(
    orderCells(
      [
        { key: { groupCode: 'o' } },
        { key: { groupCode: 'đ' } },
        { key: { groupCode: 'd' } },
        { key: { groupCode: 'a' } },
      ],
      ['groupCode'],
    ).map((c) => c.key.groupCode),
    ['a', 'd', 'đ', 'o'],
    'groups in legal order, đ after d',
  )
  t.same(
    orderCells(
      [{ key: { kind: 'neglect' } }, { key: { kind: 'sexual_abuse' } }, { key: { kind: 'unheard_of' } }],
      ['kind'],
    ).map((c) => c.key.kind),
    ['sexual_abuse', 'neglect', 'unheard_of'],
    'an unknown value goes last',
  )
})
