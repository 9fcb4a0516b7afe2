import { readFileSync } from 'node:fs'
import { Ajv } from 'ajv'
import { eq } from 'drizzle-orm'
import t from 'tap'
import { auditEvents } from '../../../src/modules/audit/tables.js'
import { createTestApp } from '../../support/app.js'
import { accountFor, clientFor, province, wardA, wardB, type TestAccount } from '../../support/auth.js'
import { seedScenario } from '../indicators/scenario.js'

interface DataValue {
  dataElement: string
  period: string
  orgUnit: string
  categoryOptionCombo: string
  attributeOptionCombo: string
  value: string
}
interface DataValueSet {
  dataSet: string
  period: string
  attributeOptionCombo: string
  dataValues: DataValue[]
}
interface DryRun {
  ready: boolean
  values: number
  withheld: number
  smallCellsWithheld: boolean
  gaps: { reason: string; indicatorCode?: string; unitCode?: string; key?: Record<string, string>; values: number }[]
  skipped: { indicatorCode: string; reason: string }[]
}
interface Mapping {
  version: number
  updatedAt: string | null
  updatedBy: string | null
  dataElements: {
    indicatorCode: string
    dataElement: string
    denominatorDataElement: string | null
    breakdown: string[]
  }[]
  categoryOptionCombos: { key: Record<string, string>; categoryOptionCombo: string }[]
  orgUnits: { unitCode: string; orgUnit: string }[]
}

/** DHIS2's published dataValueSets import format, as a JSON Schema written from its documentation. */
const dhis2Format = new Ajv({ allErrors: true, strict: false }).compile(
  JSON.parse(readFileSync(new URL('./fixtures/dhis2-data-value-set.schema.json', import.meta.url), 'utf8')) as object,
)

/** Synthetic DHIS2 UIDs: a letter, then ten digits. */
const uid = (letter: string, n: number) => `${letter}${String(n).padStart(10, '0')}`
const dataSet = uid('D', 1)
const defaultCombo = uid('C', 0)
const district = '008'

t.test('DHIS2: the mapping, the dry run and per-period exports', async (t) => {
  const ctx = await createTestApp(t, { now: '2024-07-05T03:00:00Z' })
  const { app } = ctx
  await seedScenario(ctx, { reports: false })
  const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
  const officer = await accountFor(ctx, { role: 'district_officer', units: [province] })
  const officerA = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const officerB = await accountFor(ctx, { role: 'ward_officer', units: [wardB] })
  const city = await clientFor(ctx, { role: 'city_system', units: [province] })

  const send = (account: TestAccount, method: 'GET' | 'PUT' | 'POST', url: string, payload?: unknown, headers = {}) =>
    app.inject({
      method,
      url,
      headers: { ...account.headers, ...headers },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    })
  const ok = async <T>(response: Awaited<ReturnType<typeof send>>, status = 200): Promise<T> => {
    if (response.statusCode !== status) throw new Error(`${response.statusCode} ${response.body}`)
    return response.json<T>()
  }
  const dryRun = (account: TestAccount, period: string, unit: string) =>
    send(account, 'GET', `/v1/dhis2/data-value-sets/dry-run?period=${period}&unit=${unit}`)
  const exported = (account: TestAccount, period: string, unit: string) =>
    send(account, 'GET', `/v1/dhis2/data-value-sets?period=${period}&unit=${unit}`)

  // The plan's reporting windows aligned with the quarters (due dates after them): the 6-month report then
  // covers January–June, and a city system may be given the year-to-date periods that end with them.
  const periods = await ok<{ items: { code: string; version: number }[] }>(
    await send(admin, 'GET', '/v1/reporting-periods?year=2024'),
  )
  for (const [code, dueDate, windowTo] of [
    ['2024-ward_plan', '2024-04-05', '2024-03-31'],
    ['2024-six_month', '2024-07-04', '2024-06-30'],
  ] as const) {
    const version = periods.items.find((period) => period.code === code)!.version
    await ok(
      await send(
        admin,
        'PUT',
        `/v1/reporting-periods/${code}`,
        { dueDate, windowFrom: '2024-01-01', windowTo },
        {
          'if-match': `"${version}"`,
        },
      ),
    )
  }

  const indicators = (
    await ok<{ items: { code: string; kind: string; denominator: string | null; breakdowns: string[] }[] }>(
      await send(admin, 'GET', '/v1/indicators'),
    )
  ).items
  const partialMapping = {
    dataSets: { Monthly: uid('D', 2), Quarterly: dataSet, SixMonthly: uid('D', 3), Yearly: uid('D', 4) },
    attributeOptionCombo: defaultCombo,
    defaultCategoryOptionCombo: defaultCombo,
    dataElements: [
      { indicatorCode: 'INJURY_ACCIDENTS', dataElement: uid('E', 1), denominatorDataElement: null, breakdown: ['sex'] },
    ],
    categoryOptionCombos: [
      { key: { sex: 'male' }, categoryOptionCombo: uid('C', 1) },
      { key: { sex: 'female' }, categoryOptionCombo: uid('C', 2) },
    ],
    orgUnits: [{ unitCode: wardA, orgUnit: uid('O', 1) }],
  }

  t.test(
    'an administrator sets the mapping; others may read it, not change it; bad input changes nothing',
    async (t) => {
      const initial = await send(officer, 'GET', '/v1/dhis2/mapping')
      t.equal(initial.statusCode, 200)
      t.equal(initial.headers.etag, '"1"')
      t.match(initial.json(), {
        version: 1,
        dataSets: { Monthly: null, Quarterly: null, SixMonthly: null, Yearly: null },
        dataElements: [],
        orgUnits: [],
        updatedBy: null,
      })

      const refused = await send(officer, 'PUT', '/v1/dhis2/mapping', partialMapping, { 'if-match': '"1"' })
      t.equal(refused.statusCode, 403)
      t.match(refused.json(), { code: 'forbidden', requiredPermission: 'catalogues:manage' })
      t.equal((await send(city, 'PUT', '/v1/dhis2/mapping', partialMapping, { 'if-match': '"1"' })).statusCode, 403)

      const bad: [string, unknown, Record<string, string>, number, string, string | undefined][] = [
        ['no If-Match', partialMapping, {}, 428, 'precondition_required', undefined],
        ['a stale If-Match', partialMapping, { 'if-match': '"9"' }, 412, 'version_mismatch', undefined],
        [
          'a UID with a digit first',
          { ...partialMapping, dataSets: { ...partialMapping.dataSets, Yearly: '1bcdefghijk' } },
          { 'if-match': '"1"' },
          400,
          'validation_failed',
          '/dataSets/Yearly',
        ],
        [
          'a UID of 10 characters',
          { ...partialMapping, orgUnits: [{ unitCode: wardA, orgUnit: 'O000000001' }] },
          { 'if-match': '"1"' },
          400,
          'validation_failed',
          '/orgUnits/0/orgUnit',
        ],
        [
          'an unknown member',
          { ...partialMapping, dataSet: dataSet },
          { 'if-match': '"1"' },
          400,
          'validation_failed',
          undefined,
        ],
        [
          'an unknown indicator',
          {
            ...partialMapping,
            dataElements: [
              { indicatorCode: 'NOPE', dataElement: uid('E', 9), denominatorDataElement: null, breakdown: [] },
            ],
          },
          { 'if-match': '"1"' },
          422,
          'invalid_dhis2_mapping',
          '/dataElements/0/indicatorCode',
        ],
        [
          'a breakdown value that does not exist',
          { ...partialMapping, categoryOptionCombos: [{ key: { sex: 'x' }, categoryOptionCombo: uid('C', 3) }] },
          { 'if-match': '"1"' },
          422,
          'invalid_dhis2_mapping',
          '/categoryOptionCombos/0/key/sex',
        ],
      ]
      for (const [name, payload, headers, status, code, pointer] of bad) {
        const response = await send(admin, 'PUT', '/v1/dhis2/mapping', payload, headers)
        t.equal(response.statusCode, status, name)
        t.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8', name)
        t.equal(response.json().code, code, name)
        if (pointer)
          t.ok(
            response.json().errors.some((e: { pointer: string }) => e.pointer === pointer),
            name,
          )
      }
      t.match(
        (await send(admin, 'GET', '/v1/dhis2/mapping')).json(),
        { version: 1, dataSets: { Quarterly: null } },
        'nothing changed',
      )

      const saved = await send(admin, 'PUT', '/v1/dhis2/mapping', partialMapping, { 'if-match': '"1"' })
      t.equal(saved.statusCode, 200)
      t.equal(saved.headers.etag, '"2"')
      t.match(saved.json(), { ...partialMapping, version: 2, updatedBy: admin.id })
      const logged = await app.database.db
        .select()
        .from(auditEvents)
        .where(eq(auditEvents.requestId, saved.headers['x-request-id'] as string))
      t.match(logged, [{ action: 'dhis2_mapping.replace', outcome: 'success', details: { version: 2, orgUnits: 1 } }])
    },
  )

  t.test('the dry run lists every value that cannot be posted, and why', async (t) => {
    const report = await ok<DryRun>(await dryRun(officer, '2024Q2', district))
    t.equal(report.ready, false)
    t.match(report, { smallCellsWithheld: false, withheld: 0 })
    const reasons = (reason: string) => report.gaps.filter((gap) => gap.reason === reason)
    t.ok(
      reasons('indicator_not_mapped').some((gap) => gap.indicatorCode === 'CHILD_LABOUR_CASES'),
      'an indicator without data element',
    )
    t.match(reasons('category_option_combo_missing'), [{ indicatorCode: 'INJURY_ACCIDENTS', key: { sex: 'unknown' } }])
    const unmappedWards = reasons('org_unit_not_mapped').map((gap) => gap.unitCode!)
    t.ok(unmappedWards.includes(wardB), 'a ward without org unit')
    t.notOk(unmappedWards.includes(wardA), 'the mapped ward is not listed')
    const annualOnly = report.skipped.filter((skip) => skip.reason === 'annual_only').map((skip) => skip.indicatorCode)
    t.ok(annualOnly.includes('ABUSED_CHILDREN'), 'distinct children: yearly only')
    t.ok(annualOnly.includes('SC_CHILDREN_CARED_PCT'), 'children cared for in the window: yearly only')
    t.ok(report.skipped.some((skip) => skip.indicatorCode === 'WARDS_DATA_REVIEWED' && skip.reason === 'not_available'))

    // The administrator fills the gaps the dry run listed: every ward, every indicator, every cell.
    const current = await ok<Mapping>(await send(admin, 'GET', '/v1/dhis2/mapping'))
    const cells = [
      ...['male', 'female', 'unknown'].map((sex) => ({ sex })),
      ...['0-2', '3-5', '6-10', '11-15', 'unknown'].map((ageGroup) => ({ ageGroup })),
    ]
    const full = {
      ...partialMapping,
      dataElements: indicators.map((indicator, index) => ({
        indicatorCode: indicator.code,
        dataElement: uid('E', index + 1),
        denominatorDataElement: indicator.kind === 'percentage' ? uid('N', index + 1) : null,
        breakdown:
          indicator.code === 'INJURY_ACCIDENTS'
            ? ['sex']
            : indicator.breakdowns.includes('ageGroup')
              ? ['ageGroup']
              : [],
      })),
      categoryOptionCombos: cells.map((key, index) => ({ key, categoryOptionCombo: uid('C', index + 1) })),
      orgUnits: [wardA, ...unmappedWards].map((unitCode, index) => ({ unitCode, orgUnit: uid('O', index + 1) })),
    }
    await ok(await send(admin, 'PUT', '/v1/dhis2/mapping', full, { 'if-match': `"${current.version}"` }))
    const fixed = await ok<DryRun>(await dryRun(officer, '2024Q2', district))
    t.same(fixed.gaps, [], 'no gap left')
    t.equal(fixed.ready, true)
    t.ok(fixed.values > 0)
  })

  const elementOf = async (code: string) =>
    (await ok<Mapping>(await send(admin, 'GET', '/v1/dhis2/mapping'))).dataElements.find(
      (entry) => entry.indicatorCode === code,
    )!
  const orgUnitOf = async (unitCode: string) =>
    (await ok<Mapping>(await send(admin, 'GET', '/v1/dhis2/mapping'))).orgUnits.find(
      (entry) => entry.unitCode === unitCode,
    )!.orgUnit
  const sumOf = (set: DataValueSet, dataElement: string, orgUnit: string) =>
    set.dataValues
      .filter((value) => value.dataElement === dataElement && value.orgUnit === orgUnit)
      .reduce((sum, value) => sum + Number(value.value), 0)

  t.test('a quarterly export: DHIS2’s format, period, data set, combinations, org units', async (t) => {
    const set = await ok<DataValueSet>(await exported(officer, '2024Q2', district))
    t.ok(dhis2Format(set), `valid DHIS2 dataValueSets JSON: ${JSON.stringify(dhis2Format.errors)}`)
    t.match(set, { dataSet, period: '2024Q2', attributeOptionCombo: defaultCombo })
    t.ok(
      set.dataValues.every((value) => value.period === '2024Q2' && value.attributeOptionCombo === defaultCombo),
      'every value carries the period and the attribute option combo',
    )
    const injuries = await elementOf('INJURY_ACCIDENTS')
    const orgA = await orgUnitOf(wardA)
    t.same(
      set.dataValues
        .filter((value) => value.dataElement === injuries.dataElement && value.orgUnit === orgA)
        .map((value) => [value.categoryOptionCombo, value.value]),
      [
        [uid('C', 1), '0'],
        [uid('C', 2), '1'],
        [uid('C', 3), '0'],
      ],
      'ward A: the girl injured on 12 April, by sex on the full grid',
    )
    const deaths = await elementOf('INJURY_DEATHS')
    t.match(
      set.dataValues.filter((value) => value.dataElement === deaths.dataElement && value.orgUnit === orgA),
      [{ categoryOptionCombo: uid('C', 4) }],
      'a breakdown by age group posts its age cells',
    )
    const abused = await elementOf('ABUSED_CHILDREN')
    t.notOk(
      set.dataValues.some((value) => value.dataElement === abused.dataElement),
      'distinct children are not posted for a quarter',
    )
    const cards = await elementOf('UNDER6_BHYT_PCT')
    t.equal(sumOf(set, cards.dataElement, orgA), 70, 'a percentage: its numerator…')
    t.equal(sumOf(set, cards.denominatorDataElement!, orgA), 70, '…and its denominator, each to its data element')

    const ward = await ok<DataValueSet>(await exported(officerA, '2024Q2', wardA))
    t.ok(dhis2Format(ward))
    t.ok(
      ward.dataValues.every((value) => value.orgUnit === orgA),
      'a ward’s export is its own org unit',
    )
  })

  t.test('quarters are not year to date: Q1 + Q2 equals the 6-month report', async (t) => {
    const q1 = await ok<DataValueSet>(await exported(officer, '2024Q1', district))
    const q2 = await ok<DataValueSet>(await exported(officer, '2024Q2', district))
    const s1 = await ok<DataValueSet>(await exported(officer, '2024S1', district))
    const orgA = await orgUnitOf(wardA)
    const orgB = await orgUnitOf(wardB)
    const frozenFigures = async (account: TestAccount, unitCode: string) => {
      const report = await ok<{
        snapshot: { windowTo: string; indicators: { code: string; figure: { numerator: number } }[] }
      }>(await send(account, 'POST', '/v1/reports', { periodCode: '2024-six_month', unitCode }), 201)
      t.equal(report.snapshot.windowTo, '2024-06-30')
      return (code: string) => report.snapshot.indicators.find((indicator) => indicator.code === code)!.figure.numerator
    }
    const reportA = await frozenFigures(officerA, wardA)
    const reportB = await frozenFigures(officerB, wardB)
    for (const [code, orgUnit, fromReport] of [
      ['CHILD_LABOUR_CASES', orgA, reportA('CHILD_LABOUR_CASES')],
      ['INJURY_ACCIDENTS', orgA, reportA('INJURY_ACCIDENTS')],
      ['INJURY_DEATHS', orgB, reportB('INJURY_DEATHS')],
    ] as const) {
      const { dataElement } = await elementOf(code)
      const quarters = [sumOf(q1, dataElement, orgUnit), sumOf(q2, dataElement, orgUnit)]
      t.equal(quarters[0]! + quarters[1]!, fromReport, `${code}: Q1 + Q2 is the 6-month report’s figure`)
      t.equal(sumOf(s1, dataElement, orgUnit), fromReport, `${code}: so is 2024S1, posted over its own window`)
    }
    const labour = (await elementOf('CHILD_LABOUR_CASES')).dataElement
    const months = []
    for (const month of ['202404', '202405', '202406'])
      months.push(sumOf(await ok<DataValueSet>(await exported(officer, month, district)), labour, orgA))
    t.same(months, [0, 2, 1], 'each month counts its own cases (6 and 20 May, 19 June), not those before it')
    t.equal(sumOf(q2, labour, orgA), 3, 'the months add up to the quarter')
    const reports = await ok<{ items: { id: string }[] }>(
      await send(officer, 'GET', '/v1/reports?period=2024-six_month'),
    )
    const legacy = await ok<{ period: string }>(await send(officer, 'GET', `/v1/reports/${reports.items[0]!.id}/dhis2`))
    t.equal(legacy.period, '2024S1', 'the deprecated report-based document still answers')
  })

  t.test('a city system: withheld cells are not posted; only periods bounded by closing days', async (t) => {
    const forCity = await ok<DataValueSet>(await exported(city, '2024S1', district))
    t.ok(dhis2Format(forCity), `valid DHIS2 dataValueSets JSON: ${JSON.stringify(dhis2Format.errors)}`)
    t.equal(forCity.dataSet, uid('D', 3), 'posted for the six-monthly data set')
    const forOfficer = await ok<DataValueSet>(await exported(officer, '2024S1', district))
    const injuries = await elementOf('INJURY_ACCIDENTS')
    const orgA = await orgUnitOf(wardA)
    const girlsInjured = (set: DataValueSet) =>
      set.dataValues.find(
        (value) =>
          value.dataElement === injuries.dataElement &&
          value.orgUnit === orgA &&
          value.categoryOptionCombo === uid('C', 2),
      )
    t.match(girlsInjured(forOfficer)?.value, /^[1-4]$/, 'the officer’s document has the small count')
    t.equal(girlsInjured(forCity), undefined, 'the city system’s has no value there at all')
    const mapping = await ok<Mapping>(await send(admin, 'GET', '/v1/dhis2/mapping'))
    const childCounts = new Set(
      mapping.dataElements
        .filter(
          (entry) =>
            ![
              'WARDS_WITH_PLAN',
              'WARDS_CHILD_FRIENDLY',
              'WARDS_DATA_REVIEWED',
              'PERIODIC_REPORTS_ON_TIME_PCT',
            ].includes(entry.indicatorCode),
        )
        .flatMap((entry) => [entry.dataElement, entry.denominatorDataElement]),
    )
    t.notOk(
      forCity.dataValues.some(
        (value) => childCounts.has(value.dataElement) && ['1', '2', '3', '4'].includes(value.value),
      ),
      'no count of 1 to 4 children is posted',
    )
    t.ok(forCity.dataValues.length < forOfficer.dataValues.length)
    const check = await ok<DryRun>(await dryRun(city, '2024S1', district))
    t.match(check, { smallCellsWithheld: true, ready: true })
    t.equal(check.values, forCity.dataValues.length)
    t.ok(check.withheld > 0, 'the dry run counts what is withheld')

    // The document is the indicator table of the same window as published to the city system: every value
    // posted is the table's, and nothing the table withholds is posted. Protected apart, the two would
    // withhold different cells beside the same small counts, and side by side give them away.
    type Shown = number | { suppressed: true } | null
    interface Published {
      unitCode: string
      numerator: Shown
      denominator: Shown
      breakdowns: { cells: { key: Record<string, string>; numerator: Shown; denominator: Shown }[] }[]
    }
    const tables = new Map<string, { indicators: { code: string; values: Published[] }[] }>()
    for (const breakdown of ['', 'sex', 'ageGroup']) {
      const query = `year=2024&unit=${district}&asOf=2024-06-30${breakdown ? `&breakdown=${breakdown}` : ''}`
      tables.set(breakdown, await ok(await send(city, 'GET', `/v1/indicators/values?${query}`)))
    }
    const keyOf = (key: Record<string, string>) => JSON.stringify(Object.entries(key).sort())
    const comboOf = new Map(mapping.categoryOptionCombos.map((entry) => [keyOf(entry.key), entry.categoryOptionCombo]))
    const unitOf = new Map(mapping.orgUnits.map((entry) => [entry.orgUnit, entry.unitCode]))
    const postedValue = new Map(
      forCity.dataValues.map((value) => [
        [value.dataElement, unitOf.get(value.orgUnit), value.categoryOptionCombo].join(' '),
        value.value,
      ]),
    )
    let compared = 0
    let withheldInTable = 0
    const matched = new Set<string>()
    for (const entry of mapping.dataElements) {
      const indicator = tables
        .get(entry.breakdown.join(','))!
        .indicators.find((each) => each.code === entry.indicatorCode)!
      for (const figure of indicator.values.filter((value) => value.unitCode !== district)) {
        const cells =
          entry.breakdown.length > 0
            ? figure.breakdowns[0]!.cells.map((cell) => ({ ...cell, combo: comboOf.get(keyOf(cell.key))! }))
            : [{ numerator: figure.numerator, denominator: figure.denominator, combo: defaultCombo }]
        for (const cell of cells) {
          for (const [count, element] of [
            [cell.numerator, entry.dataElement],
            [cell.denominator, entry.denominatorDataElement],
          ] as const) {
            if (element === null || count === null) continue
            const key = [element, figure.unitCode, cell.combo].join(' ')
            const posted = postedValue.get(key)
            if (posted !== undefined) matched.add(key)
            if (typeof count === 'number') {
              if (posted !== undefined) {
                t.equal(posted, String(count), `${entry.indicatorCode} ${figure.unitCode} ${cell.combo}`)
                compared++
              }
            } else {
              withheldInTable++
              t.equal(
                posted,
                undefined,
                `${entry.indicatorCode} ${figure.unitCode} ${cell.combo}: withheld in the table`,
              )
            }
          }
        }
      }
    }
    t.ok(compared > 100 && withheldInTable > 0, `${compared} values compared, ${withheldInTable} withheld in both`)
    t.same(
      [...postedValue.keys()].filter((key) => !matched.has(key)),
      [],
      'every value posted is a cell of the table',
    )

    // A data element whose category combination crosses breakdowns the city system is not published.
    const crossed = {
      ...mapping,
      dataElements: mapping.dataElements.map((entry) =>
        entry.indicatorCode === 'CLOSED_CASES' ? { ...entry, breakdown: ['closureReason', 'kind'] } : entry,
      ),
    }
    const { version: _version, updatedAt: _at, updatedBy: _by, ...body } = crossed
    await ok(await send(admin, 'PUT', '/v1/dhis2/mapping', body, { 'if-match': `"${mapping.version}"` }))
    const closedCases = (check: DryRun) => check.skipped.find((skip) => skip.indicatorCode === 'CLOSED_CASES')
    t.match(closedCases(await ok<DryRun>(await dryRun(city, '2024S1', district))), {
      reason: 'breakdown_not_published',
      message: /not published to this caller/,
    })
    t.equal(closedCases(await ok<DryRun>(await dryRun(officer, '2024S1', district))), undefined, 'officers have it')

    const month = await exported(city, '202405', district)
    t.equal(month.statusCode, 400)
    t.match(month.json(), {
      code: 'invalid_window',
      errors: [{ pointer: '/period', code: 'period_not_closed' }],
      publishablePeriods: ['2024Q1', '2024S1', '2024'],
    })
    t.equal((await exported(officer, '202405', district)).statusCode, 200, 'an officer may have the month')
    const secondQuarter = await exported(city, '2024Q2', district)
    t.equal(secondQuarter.statusCode, 400, 'nor a quarter that is the difference of two tables it can read')
  })

  t.test('bad requests answer problem+json with a stable code', async (t) => {
    const cases: [string, TestAccount, string, number, string][] = [
      [
        'a period not ended',
        officer,
        `/v1/dhis2/data-value-sets?period=2024Q3&unit=${district}`,
        400,
        'invalid_window',
      ],
      [
        'a malformed period',
        officer,
        `/v1/dhis2/data-value-sets?period=2024-Q2&unit=${district}`,
        400,
        'validation_failed',
      ],
      ['a week', officer, `/v1/dhis2/data-value-sets?period=2024W10&unit=${district}`, 400, 'validation_failed'],
      ['an unknown parameter', officer, '/v1/dhis2/data-value-sets?period=2024Q2&colour=red', 400, 'validation_failed'],
      ['another ward', officerA, `/v1/dhis2/data-value-sets?period=2024Q2&unit=${wardB}`, 403, 'unit_out_of_scope'],
      ['an unknown unit', officer, '/v1/dhis2/data-value-sets/dry-run?period=2024Q2&unit=nowhere', 400, 'unknown_unit'],
    ]
    for (const [name, account, url, status, code] of cases) {
      const response = await send(account, 'GET', url)
      t.equal(response.statusCode, status, name)
      t.equal(response.json().code, code, name)
    }
  })
})

t.test('an export before the mapping names a data set answers 409', async (t) => {
  const ctx = await createTestApp(t, { now: '2024-07-05T03:00:00Z' })
  const officer = await accountFor(ctx, { role: 'district_officer', units: [province] })
  const response = await ctx.app.inject({
    url: `/v1/dhis2/data-value-sets?period=2024Q2&unit=${district}`,
    headers: officer.headers,
  })
  t.equal(response.statusCode, 409)
  t.equal(response.json().code, 'dhis2_mapping_incomplete')
  const logged = await ctx.app.database.db
    .select()
    .from(auditEvents)
    .where(eq(auditEvents.requestId, response.headers['x-request-id'] as string))
  t.notOk(
    logged.some((event) => event.action === 'dhis2.export' && event.outcome === 'success'),
    'no export is audited as made',
  )
  const check = await ctx.app.inject({
    url: `/v1/dhis2/data-value-sets/dry-run?period=2024Q2&unit=${district}`,
    headers: officer.headers,
  })
  t.match(check.json(), { ready: false, gaps: [{ reason: 'no_data_set' }, { reason: 'no_attribute_option_combo' }] })
})
