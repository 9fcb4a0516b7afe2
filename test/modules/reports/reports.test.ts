import { eq, inArray } from 'drizzle-orm'
import t, { type Test } from 'tap'
import { auditEvents } from '../../../src/modules/audit/tables.js'
import { events } from '../../../src/modules/webhooks/tables.js'
import { inScope, systemScope } from '../../../src/platform/scope.js'
import { createTestApp, onPostgres } from '../../support/app.js'
import { accountFor, clientFor, province, wardA, wardB, type TestAccount } from '../../support/auth.js'
import { ownerSession, waitForLockWaiter } from '../../support/owner.js'
import { registerChild } from '../../support/registry.js'
import { seedScenario } from '../indicators/scenario.js'

type Shown = number | { suppressed: true } | null
interface Counts {
  numerator: Shown
  denominator: Shown
  value: Shown
}
interface Figure extends Counts {
  unitCode: string
  met: boolean | null
  breakdowns: { dimensions: string[]; cells: (Counts & { key: Record<string, string> })[] }[]
}
interface Report {
  id: string
  unitCode: string
  state: string
  level: string
  version: number
  timeliness: string | null
  firstSubmittedAt: string | null
  submissionCount: number
  allowedActions: string[]
  reviewComments: string | null
  sections: { key: string; title: string; text: string }[]
  snapshot: {
    asOf: string
    windowFrom: string
    windowTo: string
    smallCellsWithheld: boolean
    indicators: { code: string; source: string; available: boolean; figure: Figure | null }[]
    consolidation?: { unitCode: string; state: string | null; included: boolean }[]
  }
  submissions: { number: number; outcome: string; reviewComments: string | null }[]
}

t.test('periodic reports: frozen figures, submission on time or late, review, consolidation', async (t) => {
  const ctx = await createTestApp(t, { now: '2024-05-10T03:00:00Z' })
  const { app, clock } = ctx
  await seedScenario(ctx, { reports: false })
  const officerA = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const officerB = await accountFor(ctx, { role: 'ward_officer', units: [wardB] })
  const district = await accountFor(ctx, { role: 'district_officer', units: [province] })
  const city = await clientFor(ctx, { role: 'city_system', units: [province] })

  const send = (
    account: TestAccount,
    method: 'GET' | 'POST' | 'PATCH' | 'PUT',
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ) =>
    app.inject({
      method,
      url,
      headers: { ...account.headers, ...headers },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    })
  const ok = async (response: Awaited<ReturnType<typeof send>>, status = 200): Promise<Report> => {
    if (response.statusCode !== status) throw new Error(`${response.statusCode} ${response.body}`)
    return response.json<Report>()
  }
  const figure = (report: Report, code: string) => report.snapshot.indicators.find((i) => i.code === code)!.figure

  const reportA = await ok(
    await send(
      officerA,
      'POST',
      '/v1/reports',
      { periodCode: '2024-six_month', unitCode: wardA },
      { 'idempotency-key': 'six-month-a' },
    ),
    201,
  )
  const reportB = await ok(
    await send(officerB, 'POST', '/v1/reports', { periodCode: '2024-six_month', unitCode: wardB }),
    201,
  )

  t.test('creating a report freezes the ward’s figures for the period window', async (t) => {
    t.match(reportA, {
      state: 'draft',
      level: 'ward',
      version: 1,
      submissionCount: 0,
      allowedActions: ['edit', 'submit'],
    })
    t.match(reportA.snapshot, {
      windowFrom: '2024-01-01',
      windowTo: '2024-05-14',
      asOf: '2024-05-10',
      smallCellsWithheld: false,
    })
    t.same(
      reportA.sections.map((s) => s.key),
      ['situation', 'results', 'difficulties', 'proposals'],
    )
    t.match(figure(reportA, 'SC_CHILDREN_CARED_PCT'), { numerator: 5, denominator: 6, value: 83.33, met: false })
    t.match(figure(reportA, 'CHILD_LABOUR_CASES'), { numerator: 1 }, 'the cases of 20 May and 19 June had not happened')
    t.match(figure(reportB, 'INJURY_DEATHS'), { numerator: 1, met: false })
    t.equal(
      reportA.snapshot.indicators.find((i) => i.code === 'WARDS_DATA_REVIEWED')!.figure,
      null,
      'no source yet: no figure',
    )
    const replay = await send(
      officerA,
      'POST',
      '/v1/reports',
      { periodCode: '2024-six_month', unitCode: wardA },
      { 'idempotency-key': 'six-month-a' },
    )
    t.equal(replay.json().id, reportA.id, 'an idempotent replay returns the first response')
    const again = await send(officerA, 'POST', '/v1/reports', { periodCode: '2024-six_month', unitCode: wardA })
    t.equal(again.statusCode, 409)
    t.match(again.json(), { code: 'report_exists', existingId: reportA.id })
    const periods = (await send(district, 'GET', '/v1/reporting-periods?year=2024')).json()
    t.ok(
      periods.items.every((p: { stored: boolean }) => p.stored),
      'the 2024 periods are stored reference data',
    )
  })

  t.test('who may create which report, and bad input', async (t) => {
    const cases: [string, TestAccount, Record<string, unknown>, number, string][] = [
      ['another ward’s report', officerB, { periodCode: '2024-nine_month', unitCode: wardA }, 403, 'unit_out_of_scope'],
      [
        'a ward report without reports:write',
        district,
        { periodCode: '2024-nine_month', unitCode: wardA },
        403,
        'forbidden',
      ],
      [
        'a district report without reports:review',
        officerA,
        { periodCode: '2024-nine_month', unitCode: '008' },
        403,
        'forbidden',
      ],
      ['a city system', city, { periodCode: '2024-nine_month', unitCode: wardA }, 403, 'forbidden'],
      ['an unknown unit', officerA, { periodCode: '2024-nine_month', unitCode: 'nowhere' }, 422, 'unknown_unit'],
      [
        'a level that does not fit the unit',
        officerA,
        { periodCode: '2024-nine_month', unitCode: wardA, level: 'district' },
        422,
        'level_mismatch',
      ],
      ['a period not started', officerA, { periodCode: '2025-six_month', unitCode: wardA }, 422, 'invalid_report'],
      ['a malformed period', officerA, { periodCode: '2024-monthly', unitCode: wardA }, 400, 'validation_failed'],
      [
        'an unknown member',
        officerA,
        { periodCode: '2024-nine_month', unitCode: wardA, colour: 'red' },
        400,
        'validation_failed',
      ],
      [
        'duplicate section keys',
        officerA,
        {
          periodCode: '2024-nine_month',
          unitCode: wardA,
          sections: [
            { key: 'a', title: 'A', text: '' },
            { key: 'a', title: 'B', text: '' },
          ],
        },
        422,
        'invalid_report',
      ],
    ]
    for (const [name, account, payload, status, code] of cases) {
      const response = await send(account, 'POST', '/v1/reports', payload)
      t.equal(response.statusCode, status, name)
      t.equal(response.json().code, code, name)
    }
    const list = (await send(district, 'GET', '/v1/reports?period=2024-nine_month')).json()
    t.same(list.items, [], 'nothing was created')
  })

  t.test('editing the narrative needs If-Match, and is for drafts', async (t) => {
    const sections = [{ key: 'situation', title: 'Tình hình', text: 'Tình hình trẻ em ổn định.' }]
    t.equal((await send(officerA, 'PATCH', `/v1/reports/${reportA.id}`, { sections })).statusCode, 428)
    t.equal(
      (await send(officerA, 'PATCH', `/v1/reports/${reportA.id}`, { sections }, { 'if-match': '"7"' })).statusCode,
      412,
    )
    t.equal(
      (await send(officerA, 'PATCH', `/v1/reports/${reportA.id}`, {}, { 'if-match': '"1"' })).statusCode,
      400,
      'an empty change',
    )
    t.equal(
      (await send(officerB, 'PATCH', `/v1/reports/${reportA.id}`, { sections }, { 'if-match': '"1"' })).statusCode,
      404,
      'another ward’s report is not found',
    )
    const edited = await ok(
      await send(officerA, 'PATCH', `/v1/reports/${reportA.id}`, { sections }, { 'if-match': '"1"' }),
    )
    t.match(edited, { version: 2, sections })
  })

  t.test('submission: stamped by the server, on time up to 23:59 local on the due date', async (t) => {
    clock.set('2024-05-15T23:59:00+07:00')
    // Drafted on 10 May: once the period has closed its figures are frozen again, as of its last day.
    const refreshedA = await ok(
      await send(officerA, 'PATCH', `/v1/reports/${reportA.id}`, { refreshFigures: true }, { 'if-match': '"2"' }),
    )
    t.equal(refreshedA.snapshot.asOf, '2024-05-14')
    const byDistrict = await send(district, 'POST', `/v1/reports/${reportA.id}/submit`)
    t.same(
      [byDistrict.statusCode, byDistrict.json().code],
      [403, 'forbidden'],
      'the district cannot submit a ward’s report',
    )
    const submittedA = await ok(await send(officerA, 'POST', `/v1/reports/${reportA.id}/submit`))
    t.match(submittedA, {
      state: 'submitted',
      timeliness: 'on_time',
      firstSubmittedAt: '2024-05-15T16:59:00.000Z',
      submissionCount: 1,
      allowedActions: ['approve', 'return'],
    })
    clock.set('2024-05-16T00:01:00+07:00')
    const submittedB = await ok(
      await send(officerB, 'POST', `/v1/reports/${reportB.id}/submit`, undefined, { 'if-match': '"1"' }),
    )
    t.match(submittedB, { state: 'submitted', timeliness: 'late' })
    const twice = await send(officerA, 'POST', `/v1/reports/${reportA.id}/submit`)
    t.equal(twice.statusCode, 409)
    t.match(twice.json(), { code: 'invalid_report_state', state: 'submitted', allowedActions: ['approve', 'return'] })
    t.equal(
      (
        await send(
          officerA,
          'PATCH',
          `/v1/reports/${reportA.id}`,
          { sections: [] },
          { 'if-match': `"${submittedA.version}"` },
        )
      ).statusCode,
      409,
      'no editing once submitted',
    )
    const recorded = await inScope(app.database.db, systemScope, (tx) =>
      tx
        .select()
        .from(events)
        .where(inArray(events.resourceId, [reportA.id, reportB.id])),
    )
    t.same(recorded.map((e) => e.type).sort(), ['report.submitted', 'report.submitted'])
    t.match(recorded.find((e) => e.resourceId === reportB.id)!.data, {
      periodCode: '2024-six_month',
      unitCode: wardB,
      timeliness: 'late',
      submissionNumber: 1,
      dueDate: '2024-05-15',
    })
  })

  t.test('the district approves or returns; the ward resubmits; versions are kept', async (t) => {
    clock.set('2024-05-17T09:00:00+07:00')
    t.equal(
      (await send(officerA, 'POST', `/v1/reports/${reportA.id}/approve`)).statusCode,
      403,
      'a ward cannot approve its own report',
    )
    const approved = await ok(await send(district, 'POST', `/v1/reports/${reportA.id}/approve`))
    t.match(approved, { state: 'approved', allowedActions: [] })
    t.equal(
      (await send(district, 'POST', `/v1/reports/${reportB.id}/return`, { comments: '' })).statusCode,
      400,
      'a return needs comments',
    )
    const returned = await ok(
      await send(district, 'POST', `/v1/reports/${reportB.id}/return`, {
        comments: 'Bổ sung số liệu trẻ em dưới 6 tuổi.',
      }),
    )
    t.match(returned, {
      state: 'returned',
      reviewComments: 'Bổ sung số liệu trẻ em dưới 6 tuổi.',
      allowedActions: ['edit', 'submit'],
    })
    const refreshed = await ok(
      await send(
        officerB,
        'PATCH',
        `/v1/reports/${reportB.id}`,
        { refreshFigures: true },
        { 'if-match': `"${returned.version}"` },
      ),
    )
    t.equal(refreshed.snapshot.asOf, '2024-05-14', 'figures frozen again, up to the end of the window')
    clock.set('2024-05-20T09:00:00+07:00')
    const resubmitted = await ok(await send(officerB, 'POST', `/v1/reports/${reportB.id}/submit`))
    t.match(
      resubmitted,
      { state: 'submitted', timeliness: 'late', submissionCount: 2, reviewComments: null },
      'the first submission decides timeliness',
    )
    t.match(resubmitted.submissions, [
      { number: 1, outcome: 'returned', reviewComments: 'Bổ sung số liệu trẻ em dưới 6 tuổi.' },
      { number: 2, outcome: 'pending', reviewComments: null },
    ])
    t.equal(
      (await send(district, 'POST', `/v1/reports/${reportB.id}/approve`, undefined, { 'if-match': '"1"' })).statusCode,
      412,
      'If-Match, when sent, must match',
    )
  })

  t.test('the district consolidates approved ward reports only, and lists the missing wards', async (t) => {
    const consolidation = await ok(
      await send(district, 'POST', '/v1/reports', { periodCode: '2024-six_month', unitCode: '008', level: 'district' }),
      201,
    )
    t.equal(consolidation.level, 'district')
    t.match(
      figure(consolidation, 'SC_CHILDREN_CARED_PCT'),
      { numerator: 5, denominator: 6 },
      'ward B’s report is not approved yet',
    )
    const wards = consolidation.snapshot.consolidation!
    t.equal(wards.length, 14)
    t.match(
      wards.find((w) => w.unitCode === wardA),
      { state: 'approved', included: true },
    )
    t.match(
      wards.find((w) => w.unitCode === wardB),
      { state: 'submitted', included: false },
    )
    t.equal(wards.filter((w) => w.state === null).length, 12, 'twelve wards have no report')

    await ok(await send(district, 'POST', `/v1/reports/${reportB.id}/approve`))
    const refreshed = await ok(
      await send(
        district,
        'PATCH',
        `/v1/reports/${consolidation.id}`,
        { refreshFigures: true },
        { 'if-match': `"${consolidation.version}"` },
      ),
    )
    t.match(figure(refreshed, 'SC_CHILDREN_CARED_PCT'), { numerator: 9, denominator: 10, value: 90, met: true })
    t.match(figure(refreshed, 'UNDER6_BHYT_PCT'), { numerator: 119, denominator: 120, value: 99.17, met: false })
    t.match(figure(refreshed, 'INJURY_DEATHS'), { numerator: 1, met: false })
    const submitted = await ok(await send(district, 'POST', `/v1/reports/${consolidation.id}/submit`))
    t.match(
      submitted,
      { state: 'submitted', timeliness: 'late', allowedActions: [] },
      'submitted after 15 May: late; final once submitted',
    )
    t.equal(
      (await send(district, 'POST', `/v1/reports/${consolidation.id}/approve`)).statusCode,
      409,
      'no one above the district reviews it here',
    )
    t.equal(
      (await send(officerA, 'GET', `/v1/reports/${consolidation.id}`)).statusCode,
      404,
      'a ward does not see the district’s report',
    )
  })

  t.test('timeliness per period and ward', async (t) => {
    const response = await send(district, 'GET', '/v1/reports/timeliness?year=2024&unit=008')
    t.equal(response.statusCode, 200)
    const periods = response.json().periods as {
      code: string
      expected: number
      submitted: number
      onTime: number
      late: number
      missing: number
      notDue: number
      onTimePercentage: number | null
      wards: { unitCode: string; timeliness: string }[]
    }[]
    t.same(
      periods.map((p) => p.code),
      ['2024-ward_plan', '2024-six_month', '2024-nine_month', '2024-annual'],
    )
    t.match(periods[0], { expected: 14, submitted: 0, missing: 14, onTimePercentage: 0 })
    t.match(periods[1], {
      expected: 14,
      submitted: 2,
      onTime: 1,
      late: 1,
      missing: 12,
      notDue: 0,
      onTimePercentage: 7.14,
    })
    t.match(
      periods[1]!.wards.find((w) => w.unitCode === wardA),
      { timeliness: 'on_time' },
    )
    t.match(
      periods[1]!.wards.find((w) => w.unitCode === wardB),
      { timeliness: 'late' },
    )
    t.match(periods[2], { expected: 14, notDue: 14, onTimePercentage: null })
    const own = (await send(officerA, 'GET', '/v1/reports/timeliness?year=2024')).json()
    t.same(
      own.periods[1].wards.map((w: { unitCode: string }) => w.unitCode),
      [wardA],
      'a ward sees its own',
    )
    t.equal((await send(officerA, 'GET', '/v1/reports/timeliness?year=2024&unit=008')).statusCode, 403)
  })

  t.test('city systems: aggregates only, small cells withheld, never a draft', async (t) => {
    const asCity = await ok(await send(city, 'GET', `/v1/reports/${reportB.id}`))
    t.equal(asCity.snapshot.smallCellsWithheld, true)
    t.same(figure(asCity, 'SC_CHILDREN_BY_GROUP')!.numerator, { suppressed: true }, 'ward B’s 4 children')
    t.same(figure(asCity, 'INJURY_DEATHS')!.numerator, { suppressed: true })
    const asOfficer = await ok(await send(officerB, 'GET', `/v1/reports/${reportB.id}`))
    t.equal(figure(asOfficer, 'SC_CHILDREN_BY_GROUP')!.numerator, 4, 'the ward’s officer sees the count')
    const draft = await ok(
      await send(officerA, 'POST', '/v1/reports', { periodCode: '2024-ward_plan', unitCode: wardA }),
      201,
    )
    t.equal((await send(city, 'GET', `/v1/reports/${draft.id}`)).statusCode, 404, 'a draft is not sent anywhere')
    const listed = (await send(city, 'GET', '/v1/reports?limit=200')).json().items.map((r: { id: string }) => r.id)
    t.notOk(listed.includes(draft.id))
    t.ok(listed.includes(reportB.id), 'a report sent with figures as of its period’s last day')
    const early = await ok(
      await send(officerA, 'POST', '/v1/reports', { periodCode: '2024-nine_month', unitCode: wardA }),
      201,
    )
    t.equal(early.snapshot.asOf, '2024-05-20', 'a 9-month report sent in May: figures as of that day')
    await ok(await send(officerA, 'POST', `/v1/reports/${early.id}/submit`))
    t.equal(
      (await send(city, 'GET', `/v1/reports/${early.id}`)).statusCode,
      404,
      'not for a city system: beside tables of other days it would tell what changed between',
    )
    t.equal((await send(district, 'GET', `/v1/reports/${early.id}`)).statusCode, 200)
    t.equal((await send(city, 'POST', `/v1/reports/${reportA.id}/return`, { comments: 'x' })).statusCode, 403)
  })

  t.test('DHIS2 data value sets', async (t) => {
    const consolidationId = (await send(district, 'GET', '/v1/reports?unit=008&period=2024-six_month'))
      .json()
      .items.find((r: { level: string }) => r.level === 'district').id
    const forCity = await send(city, 'GET', `/v1/reports/${consolidationId}/dhis2`)
    t.equal(forCity.statusCode, 200)
    const set = forCity.json<{
      period: string
      orgUnit: string
      completeDate: string
      dataValues: { dataElement: string; period: string; orgUnit: string; value: string }[]
    }>()
    t.match(
      set,
      { period: '2024S1', orgUnit: '008', completeDate: '2024-05-20' },
      'completed on the day of its latest submission',
    )
    const values = new Map(set.dataValues.map((v) => [v.dataElement, v]))
    t.ok(set.dataValues.length > 0, 'the figures that identify nobody are posted')
    t.notOk(values.has('INJURY_DEATHS'), 'one death: withheld from the city, so left out')
    t.notOk(values.has('SC_CHILDREN_CARED_PCT'), '90%, 9 of 10: the one child not cared for is a count of 1')
    t.notOk(values.has('UNDER6_BHYT_PCT'), '99.17%: one child under 6 without a card')
    t.notOk(values.has('WARDS_DATA_REVIEWED'), 'no figure, no value')
    const forOfficer = (await send(district, 'GET', `/v1/reports/${consolidationId}/dhis2`)).json<typeof set>()
    const officerValue = (code: string) => forOfficer.dataValues.find((v) => v.dataElement === code)?.value
    t.equal(officerValue('INJURY_DEATHS'), '1')
    t.same(
      forOfficer.dataValues.find((v) => v.dataElement === 'SC_CHILDREN_CARED_PCT'),
      {
        dataElement: 'SC_CHILDREN_CARED_PCT',
        period: '2024S1',
        orgUnit: '008',
        value: '90',
      },
    )
    t.equal(officerValue('UNDER6_BHYT_PCT'), '99.17')
    for (const shown of set.dataValues)
      t.same(
        shown,
        forOfficer.dataValues.find((v) => v.dataElement === shown.dataElement),
        `${shown.dataElement} as is`,
      )
  })

  /**
   * Reads a report as the city system, and beside it each breakdown of the period's table. Every count of
   * children or incidents the report shows, the table shows the same: beside the table, a report that showed a
   * count the table withholds (or one that differs from the table's by a few records) would give a small count
   * away. Returns how many counts the report showed and how many the table withheld.
   */
  const compareWithTable = async (t: Test, id: string) => {
    const withheld = (count: Shown) => typeof count === 'object' && count !== null
    const report = await ok(await send(city, 'GET', `/v1/reports/${id}`))
    let compared = 0
    let withheldInTable = 0
    const alike = (shown: Counts, inTable: Counts, where: string) => {
      for (const part of ['numerator', 'denominator', 'value'] as const) {
        if (inTable[part] === null || shown[part] === null) continue
        if (withheld(inTable[part])) withheldInTable++
        if (withheld(shown[part])) continue
        compared++
        t.same(inTable[part], shown[part], `${where} ${part}: shown in the report, the same in the table`)
      }
    }
    for (const breakdown of ['', 'sex', 'ageGroup', 'groupCode', 'kind', 'setting', 'urgency', 'closureReason']) {
      const year = report.snapshot.windowTo.slice(0, 4)
      const query = `year=${year}&unit=${report.unitCode}&asOf=${report.snapshot.windowTo}${breakdown ? `&breakdown=${breakdown}` : ''}`
      const table = (await send(city, 'GET', `/v1/indicators/values?${query}`)).json<{
        indicators: { code: string; values: Figure[] }[]
      }>()
      for (const indicator of table.indicators) {
        const inTable = indicator.values.find((value) => value.unitCode === report.unitCode)
        const shown = figure(report, indicator.code)
        const { source } = report.snapshot.indicators.find((each) => each.code === indicator.code)!
        // Counts of wards and reports identify nobody: shown as frozen, whatever the table says today.
        if (!inTable || !shown || (source !== 'registry' && source !== 'incidents')) continue
        const where = `${report.level} ${indicator.code}`
        if (!breakdown) {
          alike(shown, inTable, where)
          continue
        }
        const cells = inTable.breakdowns[0]?.cells ?? []
        const own = shown.breakdowns.find((each) => each.dimensions.join() === breakdown)
        for (const cell of own?.cells ?? []) {
          const counterpart = cells.find((each) => each.key[breakdown] === cell.key[breakdown])
          if (counterpart) alike(cell, counterpart, `${where} ${breakdown}=${cell.key[breakdown]}`)
        }
      }
    }
    return { report, compared, withheldInTable }
  }

  t.test('a city system’s report shows a count of children or incidents only as the period’s table does', async (t) => {
    const consolidationId = (await send(district, 'GET', '/v1/reports?unit=008&period=2024-six_month'))
      .json()
      .items.find((r: { level: string }) => r.level === 'district').id
    const ward = await compareWithTable(t, reportB.id)
    t.ok(
      ward.compared > 40 && ward.withheldInTable > 0,
      `ward: ${ward.compared} counts shown as in the table, ${ward.withheldInTable} withheld there`,
    )
    const consolidation = await compareWithTable(t, consolidationId)
    t.equal(
      consolidation.compared,
      0,
      'a consolidation of 2 of the 14 wards shows no count of children or incidents: one equal to the table’s would tell that the other 12 hold none of it',
    )
    t.ok(
      consolidation.report.snapshot.indicators.some(
        (indicator) => indicator.source === 'reports' && typeof indicator.figure?.numerator === 'number',
      ),
      'counts of reports identify nobody and are shown',
    )
  })

  t.test('every read of a report is audited, 404s included', async (t) => {
    for (const [account, id, outcome] of [
      [officerA, reportA.id, 'success'],
      [officerB, reportA.id, 'not_found'],
    ] as const) {
      const response = await send(account, 'GET', `/v1/reports/${id}`)
      const logged = await app.database.db
        .select()
        .from(auditEvents)
        .where(eq(auditEvents.requestId, response.headers['x-request-id'] as string))
      t.equal(logged.length, 1)
      t.match(logged[0], { action: 'report.read', resourceId: id, outcome })
    }
  })

  t.test('a city system reads a report once its period has closed, over a window from 1 January', async (t) => {
    const sendAnnual = async (periodCode: string, officer = officerA, unitCode = wardA) => {
      const created = await ok(await send(officer, 'POST', '/v1/reports', { periodCode, unitCode }), 201)
      return ok(await send(officer, 'POST', `/v1/reports/${created.id}/submit`))
    }
    clock.set('2024-11-09T09:00:00+07:00')
    const annual = await sendAnnual('2024-annual')
    const annualB = await sendAnnual('2024-annual', officerB, wardB)
    t.equal(annual.snapshot.asOf, '2024-11-09', 'frozen as of its last day')
    t.equal(
      (await send(city, 'GET', `/v1/reports/${annual.id}`)).statusCode,
      404,
      'not on that day itself: records of the day are still coming in, and the period’s table is not published',
    )
    // A child registered that afternoon counts in the day's table, not in the report frozen that morning.
    clock.set('2024-11-09T15:00:00+07:00')
    await registerChild(ctx, officerA, {
      fullName: 'Đỗ Minh Khang',
      dateOfBirth: '2021-03-02',
      sex: 'male',
      address: { wardCode: wardA },
    })
    clock.set('2024-11-10T09:00:00+07:00')
    t.equal((await send(city, 'GET', `/v1/reports/${annual.id}`)).statusCode, 200, 'the day after, it is')
    const { report: annualForCity, compared } = await compareWithTable(t, annual.id)
    const underSix = (report: Report) => figure(report, 'UNDER6_CHILDREN')!
    const frozen = underSix(await ok(await send(officerA, 'GET', `/v1/reports/${annual.id}`)))
    const table = (await send(officerA, 'GET', `/v1/indicators/values?year=2024&unit=${wardA}&asOf=2024-11-09`)).json<{
      indicators: { code: string; values: Figure[] }[]
    }>()
    const counted = table.indicators
      .find((indicator) => indicator.code === 'UNDER6_CHILDREN')!
      .values.find((value) => value.unitCode === wardA)!
    t.equal(counted.numerator, (frozen.numerator as number) + 1, 'the day’s table counts the boy, the report does not')
    t.ok(compared > 40, `${compared} counts shown, each as the table shows it`)
    t.equal(
      underSix(annualForCity).numerator,
      counted.numerator,
      'the report, frozen that morning, shows the day’s table’s count with the boy in it: whether it counted him does not show',
    )
    const quiet = await compareWithTable(t, annualB.id)
    t.ok(quiet.compared > 40, 'ward B’s, frozen that morning too, shows its table’s counts the same way')

    const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
    const period = (await send(admin, 'GET', '/v1/reporting-periods?year=2023'))
      .json()
      .items.find((item: { code: string }) => item.code === '2023-annual')
    await ok(
      await send(
        admin,
        'PUT',
        '/v1/reporting-periods/2023-annual',
        { dueDate: period.dueDate, windowFrom: '2023-07-01', windowTo: period.windowTo },
        { 'if-match': `"${period.version}"` },
      ),
    )
    const halfYear = await sendAnnual('2023-annual')
    t.equal(halfYear.snapshot.windowFrom, '2023-07-01')
    t.equal(
      (await send(city, 'GET', `/v1/reports/${halfYear.id}`)).statusCode,
      404,
      'a window from July is the year’s table less the half-year’s: not for a city system',
    )
    t.equal((await send(district, 'GET', `/v1/reports/${halfYear.id}`)).statusCode, 200, 'the district reads it')
  })

  t.test('a consolidation of every ward counts what the table counts, and shows it as the table does', async (t) => {
    const wards = Array.from({ length: 14 }, (_, index) => `003${String(1 + 3 * index).padStart(2, '0')}`)
    // Frozen after the ward plan's window closed (29 March), so each counts what the period's table counts.
    for (const ward of wards) {
      const officer = ward === wardA ? officerA : await accountFor(ctx, { role: 'ward_officer', units: [ward] })
      const found = await send(officer, 'GET', `/v1/reports?period=2024-ward_plan&unit=${ward}`)
      const existing = found.json().items.find((r: { unitCode: string }) => r.unitCode === ward)
      // Ward A's draft was frozen in May, before records were back-dated into the window: frozen again now.
      const { id } = existing
        ? await ok(
            await send(
              officer,
              'PATCH',
              `/v1/reports/${existing.id}`,
              { refreshFigures: true },
              { 'if-match': `"${existing.version}"` },
            ),
          )
        : await ok(await send(officer, 'POST', '/v1/reports', { periodCode: '2024-ward_plan', unitCode: ward }), 201)
      await ok(await send(officer, 'POST', `/v1/reports/${id}/submit`))
      await ok(await send(district, 'POST', `/v1/reports/${id}/approve`))
    }
    const consolidation = await ok(
      await send(district, 'POST', '/v1/reports', { periodCode: '2024-ward_plan', unitCode: '008', level: 'district' }),
      201,
    )
    t.ok(
      consolidation.snapshot.consolidation!.every((ward) => ward.included),
      'every ward’s report is in it',
    )
    await ok(await send(district, 'POST', `/v1/reports/${consolidation.id}/submit`))
    const { compared, withheldInTable } = await compareWithTable(t, consolidation.id)
    t.ok(
      compared > 40 && withheldInTable > 0,
      `${compared} counts shown as in the district’s table, ${withheldInTable} withheld there`,
    )
  })

  t.test(
    'a consolidation that sums a ward report frozen before the period closed shows the table’s counts',
    async (t) => {
      // Ward A's 9-month report, sent in May, is returned and frozen again on the morning of the period's last day.
      const early = (await send(officerA, 'GET', `/v1/reports?period=2024-nine_month&unit=${wardA}`)).json().items[0]
      await ok(
        await send(district, 'POST', `/v1/reports/${early.id}/return`, { comments: 'Cập nhật số liệu cuối kỳ.' }),
      )
      clock.set('2024-09-14T09:00:00+07:00')
      const returned = await ok(await send(officerA, 'GET', `/v1/reports/${early.id}`))
      await ok(
        await send(
          officerA,
          'PATCH',
          `/v1/reports/${early.id}`,
          { refreshFigures: true },
          { 'if-match': `"${returned.version}"` },
        ),
      )
      await ok(await send(officerA, 'POST', `/v1/reports/${early.id}/submit`))
      clock.set('2024-11-10T09:00:00+07:00')
      await ok(await send(district, 'POST', `/v1/reports/${early.id}/approve`))
      for (const ward of Array.from({ length: 14 }, (_, index) => `003${String(1 + 3 * index).padStart(2, '0')}`)) {
        if (ward === wardA) continue
        const officer = ward === wardB ? officerB : await accountFor(ctx, { role: 'ward_officer', units: [ward] })
        const { id } = await ok(
          await send(officer, 'POST', '/v1/reports', { periodCode: '2024-nine_month', unitCode: ward }),
          201,
        )
        await ok(await send(officer, 'POST', `/v1/reports/${id}/submit`))
        await ok(await send(district, 'POST', `/v1/reports/${id}/approve`))
      }
      const consolidation = await ok(
        await send(district, 'POST', '/v1/reports', {
          periodCode: '2024-nine_month',
          unitCode: '008',
          level: 'district',
        }),
        201,
      )
      t.equal(consolidation.snapshot.asOf, '2024-09-14', 'every ward’s figures stand as of the last day')
      await ok(await send(district, 'POST', `/v1/reports/${consolidation.id}/submit`))
      const { compared } = await compareWithTable(t, consolidation.id)
      t.ok(
        compared > 40,
        'ward A’s part was frozen before the day’s records were in: the sums are shown as the district’s table shows them',
      )
    },
  )

  t.test(
    'a report that differs from its table, records back-dated after it was frozen, shows the table’s counts',
    async (t) => {
      const wardC = '00307'
      const officerC = await accountFor(ctx, { role: 'ward_officer', units: [wardC] })
      clock.set('2024-11-10T09:00:00+07:00')
      const created = await ok(
        await send(officerC, 'POST', '/v1/reports', { periodCode: '2023-six_month', unitCode: wardC }),
        201,
      )
      const report = await ok(await send(officerC, 'POST', `/v1/reports/${created.id}/submit`))
      t.equal(figure(report, 'ABUSED_CHILDREN')!.numerator, 0, 'frozen after its period closed, with no abuse in it')
      // Paper records of spring 2023 (after the ward plans' closing day) entered the same morning: six girls' cases.
      const days = ['2023-04-03', '2023-04-10', '2023-04-17', '2023-04-24', '2023-05-02', '2023-05-08']
      for (const [index, day] of days.entries()) {
        clock.set(`2024-11-10T10:0${index}:00+07:00`)
        const child = await registerChild(ctx, officerC, {
          fullName: `Phạm Thị Hồi ${index}`,
          dateOfBirth: '2016-02-0' + (index + 1),
          address: { wardCode: wardC },
        })
        const response = await send(officerC, 'POST', '/v1/incidents', {
          kind: 'violence',
          occurredAt: `${day}T08:00:00+07:00`,
          occurredAtPrecision: 'exact',
          detectedAt: `${day}T08:30:00+07:00`,
          receivedAt: `${day}T09:00:00+07:00`,
          channel: 'phone',
          address: { wardCode: wardC },
          children: [{ childId: child.id }],
        })
        t.equal(response.statusCode, 201, `the case of ${day}`)
      }
      clock.set('2024-11-10T11:00:00+07:00')
      const { report: forCity, compared } = await compareWithTable(t, report.id)
      t.ok(compared > 20, `${compared} counts shown, each as the table shows it`)
      t.equal(
        figure(forCity, 'ABUSED_CHILDREN')!.numerator,
        6,
        'the table counts the six back-dated cases and the report shows its count: not the 0 it froze, and not a report withheld for differing',
      )
      t.equal(
        figure(await ok(await send(officerC, 'GET', `/v1/reports/${report.id}`)), 'ABUSED_CHILDREN')!.numerator,
        0,
        'its officers read it as frozen',
      )
    },
  )
})

t.test(
  'a report is not created over a data window that moved while it was being created',
  { skip: !onPostgres && 'needs two connections' },
  async (t) => {
    const ctx = await createTestApp(t, { now: '2024-05-10T03:00:00Z' })
    const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
    const owner = await ownerSession(t, ctx.app.database)
    // An administrator's change of the window holds the period's lock while the officer creates the report.
    await owner.query('begin')
    await owner.query(`select pg_advisory_xact_lock(hashtext('reporting_period'), hashtext('2024-six_month'))`)
    const creating = ctx.app.inject({
      method: 'POST',
      url: '/v1/reports',
      headers: officer.headers,
      payload: { periodCode: '2024-six_month', unitCode: wardA },
    })
    await waitForLockWaiter(owner, 'advisory')
    await owner.query(`insert into reporting_periods (code, year, kind, due_date, window_from, window_to)
                     values ('2024-six_month', 2024, 'six_month', '2024-05-15', '2024-02-01', '2024-06-30')
                     on conflict (code) do update set window_from = excluded.window_from`)
    await owner.query('commit')
    const response = await creating
    t.equal(response.statusCode, 409)
    t.match(response.json(), { code: 'period_changed', windowFrom: '2024-02-01' })
    const [{ reports }] = (
      await owner.query<{ reports: number }>(
        `select count(*)::int as reports from reports where period_code = '2024-six_month'`,
      )
    ).rows as [{ reports: number }]
    t.equal(reports, 0, 'nothing was written')
  },
)
