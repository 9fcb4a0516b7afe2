import t from 'tap'
import {
  allowedActions,
  consolidate,
  defaultSections,
  firstSubmission,
  sectionProblems,
  stateAfter,
  type ReportLevel,
  type ReportState,
  type SnapshotIndicator,
} from '../../../src/modules/reports/rules.js'

t.test('what may happen to a report in each state', async (t) => {
  const cases: [ReportState, ReportLevel, string[]][] = [
    ['draft', 'ward', ['edit', 'submit']],
    ['submitted', 'ward', ['approve', 'return']],
    ['returned', 'ward', ['edit', 'submit']],
    ['approved', 'ward', []],
    ['draft', 'district', ['edit', 'submit']],
    ['submitted', 'district', []],
    ['approved', 'district', []],
  ]
  for (const [state, level, expected] of cases) t.same(allowedActions(state, level), expected, `${level} ${state}`)
  t.same(stateAfter, { submit: 'submitted', approve: 'approved', return: 'returned' })
})

t.test('sections', async (t) => {
  t.same(
    defaultSections('six_month').map((s) => s.key),
    ['situation', 'results', 'difficulties', 'proposals'],
  )
  t.same(
    defaultSections('ward_plan').map((s) => s.key),
    ['situation', 'targets', 'tasks', 'organisation'],
  )
  t.ok(defaultSections('annual').every((s) => s.text === '' && s.title.length > 0))
  t.same(sectionProblems(defaultSections('annual')), [])
  t.same(
    sectionProblems([
      { key: 'a', title: 'A', text: '' },
      { key: 'b', title: 'B', text: '' },
      { key: 'a', title: 'A again', text: '' },
    ]),
    [{ pointer: '/sections/2/key', message: 'appears twice', code: 'duplicate_section' }],
  )
})

function indicator(
  code: string,
  kind: 'count' | 'percentage',
  numerator: number,
  denominator: number,
  cells: [string, number, number][],
  available = true,
): SnapshotIndicator {
  return {
    code,
    version: 1,
    nameVi: code,
    nameEn: code,
    kind,
    source: 'registry',
    hasDenominator: kind === 'percentage',
    available,
    target: null,
    numerator,
    denominator,
    value: null,
    met: null,
    breakdowns: [
      {
        dimensions: ['sex'],
        cells: cells.map(([sex, n, d]) => ({ key: { sex }, numerator: n, denominator: d, value: null })),
      },
    ],
  }
}

t.test('the district consolidates its wards’ frozen figures', async (t) => {
  const wardA = [
    indicator('CARED', 'percentage', 5, 6, [
      ['male', 3, 3],
      ['female', 2, 3],
    ]),
    indicator('DEATHS', 'count', 0, 0, []),
    indicator('REVIEWED', 'count', 0, 0, [], false),
  ]
  const wardB = [
    indicator('CARED', 'percentage', 4, 4, [['male', 4, 4]]),
    indicator('DEATHS', 'count', 1, 0, [['male', 1, 0]]),
    indicator('REVIEWED', 'count', 0, 0, [], false),
  ]
  const targets = new Map([
    ['CARED', { comparator: '>=' as const, value: 90, unit: 'percent' as const }],
    ['DEATHS', { comparator: '=' as const, value: 0, unit: 'count' as const }],
  ])
  const [cared, deaths, reviewed] = consolidate(
    [
      { unitCode: 'A', indicators: wardA },
      { unitCode: 'B', indicators: wardB },
    ],
    targets,
  )
  t.match(cared, { numerator: 9, denominator: 10, value: 90, met: true, available: true })
  t.same(cared!.breakdowns[0]!.cells, [
    { key: { sex: 'male' }, numerator: 7, denominator: 7, value: 100 },
    { key: { sex: 'female' }, numerator: 2, denominator: 3, value: 66.67 },
  ])
  t.same(cared!.parts, [
    { unitCode: 'A', numerator: 5, denominator: 6 },
    { unitCode: 'B', numerator: 4, denominator: 4 },
  ])
  t.match(deaths, { numerator: 1, value: 1, met: false, target: { comparator: '=', value: 0 } })
  t.match(reviewed, { available: false, value: null, met: null, parts: [] })
  t.same(consolidate([], targets), [], 'no approved ward report, no figures')
})

t.test('the first submission decides timeliness; a resubmission keeps it', async (t) => {
  const period = { dueDate: '2024-05-15' }
  const atLocal = (local: string) => new Date(`${local}+07:00`)
  const fresh = { firstSubmittedAt: null, timeliness: null }
  const cases: [string, Parameters<typeof firstSubmission>[0], Date, ReturnType<typeof firstSubmission>][] = [
    [
      '23:59 local on the due date',
      fresh,
      atLocal('2024-05-15T23:59:00'),
      { firstSubmittedAt: atLocal('2024-05-15T23:59:00'), timeliness: 'on_time' },
    ],
    [
      '00:01 local the next day',
      fresh,
      atLocal('2024-05-16T00:01:00'),
      { firstSubmittedAt: atLocal('2024-05-16T00:01:00'), timeliness: 'late' },
    ],
    [
      'resubmitted after a return, past the due date: still on time',
      { firstSubmittedAt: atLocal('2024-05-14T10:00:00'), timeliness: 'on_time' },
      atLocal('2024-05-20T09:00:00'),
      { firstSubmittedAt: atLocal('2024-05-14T10:00:00'), timeliness: 'on_time' },
    ],
    [
      'late the first time, late for good',
      { firstSubmittedAt: atLocal('2024-05-17T08:00:00'), timeliness: 'late' },
      atLocal('2024-05-18T08:00:00'),
      { firstSubmittedAt: atLocal('2024-05-17T08:00:00'), timeliness: 'late' },
    ],
  ]
  for (const [name, report, now, expected] of cases) t.same(firstSubmission(report, period, now), expected, name)
})
