import t from 'tap'
import { createTestApp } from '../../support/app.js'
import { accountFor, wardA } from '../../support/auth.js'
import { csv, postImport } from './helpers.js'

// A catch-up import: children who have been in special circumstances since the start of the year, loaded
// in July. With their start dates, the memberships keep their history, and a report of the first half
// of the year frozen afterwards counts them as the live figure of the same window does.
const ctx = await createTestApp(t, { now: '2024-07-05T03:00:00Z' })
const { app } = ctx
const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
const header = ['externalId', 'fullName', 'sex', 'dateOfBirth', 'wardCode', 'groupCodes', 'Thuộc nhóm từ ngày']
const row = (n: number, since: string, born = '12/03/2016') => [
  `H-${n}`,
  `Trẻ Lịch Sử ${n}`,
  'female',
  born,
  wardA,
  'a',
  since,
]

t.test('start dates: validated, kept, and said when assumed', async (t) => {
  const response = await postImport(
    ctx,
    officer,
    csv([
      header,
      row(1, '10/01/2024'),
      row(2, '2024-02-01'),
      row(3, ''),
      row(4, '01/08/2024'),
      row(5, '01/01/2015'),
      row(6, 'hôm qua'),
    ]),
    { query: 'mode=partial' },
  )
  t.equal(response.statusCode, 201)
  t.match(response.json().counts, { created: 3, rejected: 3 })
  const problems = response
    .json()
    .problems.map((item: { row: number; problems: { code: string; column: string | null }[] }) => [
      item.row,
      item.problems.map((problem) => [problem.column, problem.code]),
    ])
  t.same(problems, [
    [4, [['Thuộc nhóm từ ngày', 'start_date_assumed']]],
    [5, [['Thuộc nhóm từ ngày', 'date_in_future']]],
    [6, [['Thuộc nhóm từ ngày', 'before_birth']]],
    [7, [['Thuộc nhóm từ ngày', 'invalid_date']]],
  ])

  const children = await app.inject({ url: '/v1/children?limit=50', headers: officer.headers })
  const startDates: string[] = []
  for (const child of children.json().items) {
    const detail = await app.inject({ url: `/v1/children/${child.id}`, headers: officer.headers })
    for (const membership of detail.json().circumstances ?? []) startDates.push(membership.startDate)
  }
  t.same(startDates.sort(), ['2024-01-10', '2024-02-01', '2024-07-05'], 'the dates given, and the import day')
})

t.test('a report frozen after the catch-up counts what the live figure counts', async (t) => {
  const periods = await app.inject({ url: '/v1/reporting-periods?year=2024', headers: officer.headers })
  const period = periods.json().items.find((item: { code: string }) => item.code === '2024-six_month')
  const report = await app.inject({
    method: 'POST',
    url: '/v1/reports',
    headers: officer.headers,
    payload: { periodCode: period.code, unitCode: wardA },
  })
  t.equal(report.statusCode, 201)
  const frozen = report
    .json()
    .snapshot.indicators.find((indicator: { code: string }) => indicator.code === 'SC_CHILDREN_BY_GROUP')
  const live = await app.inject({
    url: `/v1/indicators/values?year=2024&unit=${wardA}&asOf=${period.windowTo}`,
    headers: officer.headers,
  })
  const liveFigure = live
    .json()
    .indicators.find((indicator: { code: string }) => indicator.code === 'SC_CHILDREN_BY_GROUP')
    .values.at(-1)
  t.equal(frozen.figure.numerator, liveFigure.numerator)
  t.equal(frozen.figure.numerator, 2, 'the two children with start dates in the window; the third starts today')
})
