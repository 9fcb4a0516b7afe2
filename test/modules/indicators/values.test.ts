import { eq } from 'drizzle-orm'
import t from 'tap'
import { auditEvents } from '../../../src/modules/audit/tables.js'
import { ageGroupOf, ageInYears, circumstanceGroupCodes } from '../../../src/modules/children/rules.js'
import { createTestApp } from '../../support/app.js'
import { accountFor, clientFor, province, wardA, wardB } from '../../support/auth.js'
import { disclosures, withEveryBreakdown } from '../../support/disclosure-audit.js'
import { registerChild } from '../../support/registry.js'
import { seedScenario } from './scenario.js'

const now = '2024-06-20T03:00:00Z' // 10:00 in Hanoi

type Count = number | { suppressed: true } | null
interface UnitFigure {
  unitCode: string
  numerator: Count
  denominator: Count
  value: number | { suppressed: true } | null
  met: boolean | null
  breakdowns: {
    dimensions: string[]
    cells: {
      key: Record<string, string>
      numerator: Count
      denominator: Count
      value: number | { suppressed: true } | null
    }[]
  }[]
}
interface Table {
  year: number
  publishedAt: string | null
  windowFrom: string
  asOf: string
  unit: { code: string }
  wards: { code: string }[]
  smallCellsWithheld: boolean
  indicators: {
    code: string
    version: number
    source: string
    available: boolean
    target: { comparator: string; value: number } | null
    values: UnitFigure[]
  }[]
}

t.test('indicator values, computed live, against hand-worked figures', async (t) => {
  const ctx = await createTestApp(t, { now })
  const { app } = ctx
  const scenario = await seedScenario(ctx)
  const district = await accountFor(ctx, { role: 'district_officer', units: [province] })
  const officerA = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const officerB = await accountFor(ctx, { role: 'ward_officer', units: [wardB] })
  const city = await clientFor(ctx, { role: 'city_system', units: [province] })

  const table = async (query: string, account = district): Promise<Table> => {
    const response = await app.inject({ url: `/v1/indicators/values?${query}`, headers: account.headers })
    if (response.statusCode !== 200) throw new Error(`${query}: ${response.statusCode} ${response.body}`)
    return response.json<Table>()
  }
  const figure = (data: Table, code: string, unit: string) => {
    const found = data.indicators.find((i) => i.code === code)?.values.find((v) => v.unitCode === unit)
    if (!found) throw new Error(`no figure for ${code} in ${unit}`)
    return found
  }

  const districtTable = await table('year=2024&unit=008')

  t.test('the plan’s headline figures, worked out by hand', async (t) => {
    const cases: [string, string, Count, Count, number | null, boolean | null][] = [
      // 10 special-circumstance children, 9 cared for: 90%, target ≥ 90% met.
      ['SC_CHILDREN_CARED_PCT', '008', 9, 10, 90, true],
      ['SC_CHILDREN_CARED_PCT', wardA, 5, 6, 83.33, false],
      ['SC_CHILDREN_CARED_PCT', wardB, 4, 4, 100, true],
      // 120 children under 6, one without a card: 99.17%, target = 100% not met.
      ['UNDER6_BHYT_PCT', '008', 119, 120, 99.17, false],
      ['UNDER6_BHYT_PCT', wardA, 70, 70, 100, true],
      ['UNDER6_BHYT_PCT', wardB, 49, 50, 98, false],
      // One injury death: the zero-death target is not met (in ward B and the district).
      ['INJURY_DEATHS', '008', 1, null, 1, false],
      ['INJURY_DEATHS', wardA, 0, null, 0, true],
      ['INJURY_DEATHS', wardB, 1, null, 1, false],
      ['INJURY_ACCIDENTS', '008', 2, null, 2, null],
      // Two violence incidents against one child count her once; with a sexual abuse and three child-labour cases: 5 children.
      ['ABUSED_CHILDREN', wardA, 5, null, 5, null],
      ['CHILD_LABOUR_CASES', wardA, 3, null, 3, null],
      // One plan in time, one late, one not yet due: 1 of 2 judged.
      ['CHILD_LABOUR_SUPPORTED_PCT', '008', 1, 2, 50, false],
      ['CHILD_LABOUR_SUPPORTED_PCT', wardB, 0, 0, null, null],
      // Written reports: 5 of 6 abuse and labour incidents in time (the injuries are not under the duty).
      ['WRITTEN_REPORT_ON_TIME_PCT', '008', 5, 6, 83.33, null],
      ['SC_CHILDREN_BY_GROUP', '008', 10, null, 10, null],
      ['UNDER6_CHILDREN', '008', 120, null, 120, null],
      ['CHILDREN_BY_AGE_SEX', '008', 134, null, 134, null],
      ['CHILDREN_BY_AGE_SEX', wardA, 80, null, 80, null],
      // Ward plans: ward A’s only, 1 of 14.
      ['WARDS_WITH_PLAN', '008', 1, 14, 1, false],
      ['WARDS_WITH_PLAN', wardA, 1, 1, 1, true],
      ['WARDS_WITH_PLAN', wardB, 0, 1, 0, false],
      // Ward A recognised in 2022 (the latest decided round), ward B not recognised in 2024.
      ['WARDS_CHILD_FRIENDLY', '008', 1, 14, 1, false],
      ['WARDS_CHILD_FRIENDLY', wardB, 0, 1, 0, false],
      // Periodic reports due by 20 June: ward plan and 6-month for 14 wards; only ward A’s plan was on time.
      ['PERIODIC_REPORTS_ON_TIME_PCT', '008', 1, 28, 3.57, null],
      ['PERIODIC_REPORTS_ON_TIME_PCT', wardA, 1, 2, 50, null],
    ]
    for (const [code, unit, numerator, denominator, value, met] of cases) {
      t.match(figure(districtTable, code, unit), { numerator, denominator, value, met }, `${code} in ${unit}`)
    }
    const reviewed = districtTable.indicators.find((i) => i.code === 'WARDS_DATA_REVIEWED')!
    t.equal(reviewed.available, false, 'no registry review is recorded yet: shown as not available')
    t.same(reviewed.values, [])
    t.same(districtTable.indicators.find((i) => i.code === 'SC_CHILDREN_CARED_PCT')!.target, {
      comparator: '>=',
      value: 90,
      unit: 'percent',
    })
  })

  t.test(
    'the 24-hour rule has one scope: the compliance endpoint and the indicator agree, accidents aside',
    async (t) => {
      const response = await app.inject({
        url: '/v1/incidents/compliance?from=2024-01-01&to=2024-06-20',
        headers: district.headers,
      })
      t.equal(response.statusCode, 200)
      const report = response.json()
      const indicator = figure(districtTable, 'WRITTEN_REPORT_ON_TIME_PCT', '008')
      t.equal(Math.round(report.total.onTimeRate * 10000) / 100, indicator.value, 'the district: 5 of 6')
      const decided = report.total.counts.on_time + report.total.counts.late + report.total.counts.overdue
      t.equal(decided, indicator.denominator, 'the same incidents judged')
      t.notOk(
        report.wards.some((ward: { wardCode: string }) => ward.wardCode === wardB),
        'ward B’s only incident of the window is an injury accident, not under the duty',
      )
      t.equal(figure(districtTable, 'WRITTEN_REPORT_ON_TIME_PCT', wardB).value, null, 'nor in the indicator')
      const accidents = await app.inject({ url: '/v1/incidents?kind=injury_accident', headers: district.headers })
      t.ok(accidents.json().items.length > 0)
      for (const accident of accidents.json().items) {
        t.match(accident.writtenReport, { required: false, compliance: 'not_required' })
      }
      const overdue = await app.inject({ url: '/v1/incidents?compliance=overdue', headers: district.headers })
      t.notOk(
        overdue.json().items.some((item: { kind: string }) => item.kind === 'injury_accident'),
        'an accident is never listed as overdue',
      )
    },
  )

  t.test('ward figures add up to the district’s, for every indicator', async (t) => {
    t.equal(districtTable.wards.length, 14)
    for (const indicator of districtTable.indicators.filter((i) => i.available)) {
      const total = indicator.values[indicator.values.length - 1]!
      t.equal(total.unitCode, '008')
      const wards = indicator.values.slice(0, -1)
      t.equal(wards.length, 14, `${indicator.code}: every ward`)
      t.equal(
        wards.reduce((sum, w) => sum + (w.numerator as number), 0),
        total.numerator,
        `${indicator.code} numerators`,
      )
      if (total.denominator !== null)
        t.equal(
          wards.reduce((sum, w) => sum + (w.denominator as number), 0),
          total.denominator,
          `${indicator.code} denominators`,
        )
    }
  })

  t.test('breakdowns: by sex and age group, by group, by kind', async (t) => {
    const data = await table('year=2024&unit=008&breakdown=sex,ageGroup')
    const children = figure(data, 'CHILDREN_BY_AGE_SEX', '008').breakdowns[0]!
    t.same(children.dimensions, ['sex', 'ageGroup'])
    const expected = new Map<string, number>()
    for (const child of scenario.registered) {
      const key = `${child.sex} ${ageGroupOf(ageInYears(child.dateOfBirth, '2024-06-20'))}`
      expected.set(key, (expected.get(key) ?? 0) + 1)
    }
    t.same(
      new Map(children.cells.map((c) => [`${c.key.sex} ${c.key.ageGroup}`, c.numerator])),
      expected,
      'each child in its sex and age group',
    )
    t.equal(children.cells[0]!.key.sex, 'male', 'cells in reading order: male first')
    const under6 = figure(data, 'UNDER6_BHYT_PCT', wardB).breakdowns[0]!
    t.same(under6.dimensions, ['sex'], 'an indicator splits by the breakdowns it allows only')
    t.same(figure(data, 'WARDS_WITH_PLAN', '008').breakdowns, [], 'ward counts have no breakdown')

    const byGroup = await table('year=2024&unit=008&breakdown=groupCode')
    t.same(
      figure(byGroup, 'SC_CHILDREN_CARED_PCT', '008').breakdowns[0]!.cells.map((c) => [
        c.key.groupCode,
        c.numerator,
        c.denominator,
        c.value,
      ]),
      [
        ['a', 5, 5, 100],
        ['b', 4, 4, 100],
        ['d', 1, 2, 50],
      ],
      'a child in two groups counts in each group, once in the total',
    )
    const byKind = await table(`year=2024&unit=${wardA}&breakdown=kind`)
    t.same(
      figure(byKind, 'ABUSED_CHILDREN', wardA).breakdowns[0]!.cells.map((c) => [c.key.kind, c.numerator]),
      [
        ['sexual_abuse', 1],
        ['violence', 1],
        ['child_labour', 3],
      ],
    )
  })

  t.test('a record written a moment ago is counted', async (t) => {
    await registerChild(ctx, officerA, {
      fullName: 'Đỗ Minh Khang',
      sex: 'male',
      dateOfBirth: '2023-02-02',
      address: { wardCode: wardA },
    })
    const after = await table(`year=2024&unit=${wardA}`, officerA)
    t.match(figure(after, 'UNDER6_BHYT_PCT', wardA), { numerator: 70, denominator: 71, value: 98.59, met: false })
    t.same(
      after.wards.map((w) => w.code),
      [wardA],
    )
    t.equal(after.indicators[0]!.values.length, 1, 'a ward’s table has its own figures only')
  })

  t.test('asOf: the registry as it stood that day', async (t) => {
    const before = await table(`year=2024&unit=${wardB}&asOf=2024-02-01`, officerB)
    t.equal(before.asOf, '2024-02-01')
    t.equal(
      figure(before, 'CHILDREN_BY_AGE_SEX', wardB).numerator,
      55,
      'the child who moved out on 1 March still counts',
    )
    t.equal(figure(before, 'INJURY_DEATHS', wardB).numerator, 0, 'the April accident had not happened')
    t.equal(figure(before, 'INJURY_DEATHS', wardB).met, true)
  })

  t.test('small cells are withheld from city systems only', async (t) => {
    const cityTable = await table('year=2024&unit=008', city)
    t.equal(cityTable.smallCellsWithheld, true)
    t.equal(districtTable.smallCellsWithheld, false)
    const withheld = { suppressed: true }
    t.same(figure(cityTable, 'SC_CHILDREN_BY_GROUP', wardB).numerator, withheld, '4 children in ward B')
    t.same(
      figure(cityTable, 'SC_CHILDREN_BY_GROUP', wardA).numerator,
      withheld,
      'and ward A’s 6, or ward B’s could be read as 10 − 6',
    )
    t.same(
      figure(cityTable, 'SC_CHILDREN_BY_GROUP', '008').numerator,
      withheld,
      'and, in a district of ten such children protected by every breakdown a city system may ask for together, the district’s 10',
    )
    t.match(
      figure(cityTable, 'INJURY_DEATHS', '008'),
      { numerator: withheld, value: withheld, met: null },
      'one death: withheld, and the verdict with it ("no deaths" not met would say at least one)',
    )
    t.match(
      figure(cityTable, 'UNDER6_BHYT_PCT', wardA),
      { numerator: withheld, denominator: withheld, value: withheld },
      '70 of 71 children under 6 with a card: the one without is a count of 1, so neither count is shown',
    )
    t.equal(figure(cityTable, 'WARDS_WITH_PLAN', '008').numerator, 1, 'counts of wards identify no child')
    t.equal(figure(districtTable, 'SC_CHILDREN_BY_GROUP', wardB).numerator, 4, 'officers see every figure')
    for (const indicator of cityTable.indicators.filter((i) => i.source === 'registry' || i.source === 'incidents')) {
      t.notMatch(
        JSON.stringify(indicator.values),
        /"(numerator|denominator)":[1-4][,}]/,
        `${indicator.code}: no count of 1 to 4 reaches the city`,
      )
    }
    const breakdown = await table('year=2024&unit=008&breakdown=groupCode', city)
    const cells = figure(breakdown, 'SC_CHILDREN_BY_GROUP', '008').breakdowns[0]!.cells
    t.same(
      cells.map((c) => c.key.groupCode),
      circumstanceGroupCodes,
      'every group is listed, so that which are listed tells nothing',
    )
    t.same(
      cells.filter((c) => typeof c.numerator === 'number'),
      [],
      'so small a table shows no group’s count, nor the zeros that would tell the groups apart',
    )
  })

  t.test('a city system reads closed periods only: no two of its tables differ by a day', async (t) => {
    const latest = await table('year=2024&unit=008', city)
    t.same([latest.windowFrom, latest.asOf], ['2024-01-01', '2024-05-14'], 'the latest period closed by default')
    const earlier = await table('year=2024&unit=008&asOf=2024-03-29', city)
    t.equal(earlier.asOf, '2024-03-29', 'an earlier closed period on request')
    for (const asOf of ['2024-05-15', '2024-06-19']) {
      const refused = await app.inject({
        url: `/v1/indicators/values?year=2024&unit=008&asOf=${asOf}`,
        headers: city.headers,
      })
      t.equal(refused.statusCode, 400, asOf)
      t.match(refused.json(), {
        code: 'invalid_window',
        closedDays: ['2024-03-29', '2024-05-14'],
        errors: [{ pointer: '/asOf', code: 'period_not_closed' }],
      })
    }
    const exported = await app.inject({
      url: '/v1/indicators/values/export?year=2024&unit=008&format=csv&asOf=2024-06-19',
      headers: city.headers,
    })
    t.equal(exported.statusCode, 400, 'the export too')
    t.equal((await table('year=2024&unit=008&asOf=2024-06-19')).asOf, '2024-06-19', 'officers read any day')
    const partner = await accountFor(ctx, { role: 'agency_viewer', units: [province] })
    const forPartner = await table('year=2024&unit=008', partner)
    t.equal(forPartner.smallCellsWithheld, true, 'a partner agency without registry:sensitive is protected against too')
    t.equal(forPartner.asOf, '2024-05-14')
    t.same(forPartner.indicators, latest.indicators, 'and sees what a city system sees')
  })

  t.test('an attacker with every figure a city system can read learns no count of 1 to 4', async (t) => {
    const breakdowns = [
      '',
      'sex',
      'ageGroup',
      'groupCode',
      'kind',
      'setting',
      'urgency',
      'closureReason',
      'sex,ageGroup',
    ]
    const read: Record<string, { published: Table; truth: Table }[]> = { '008': [], [wardA]: [] }
    for (const breakdown of breakdowns) {
      const tables: Record<string, Table> = {}
      for (const unit of ['008', wardA]) {
        const query = `year=2024&unit=${unit}${breakdown ? `&breakdown=${breakdown}` : ''}`
        tables[unit] = await table(query, city)
        t.equal(tables[unit].asOf, '2024-05-14', 'as of the last period closed')
        // The truth the attacker is measured against: the officers' table of the same day. Every breakdown
        // is attacked at once below, which finds whatever one of them alone would give away.
        read[unit]!.push({ published: tables[unit], truth: await table(`${query}&asOf=2024-05-14`) })
      }
      // The ward read on its own shows what the district's table shows of it, so that the two side by side
      // give away nothing either does not.
      for (const indicator of tables[wardA]!.indicators) {
        const inDistrict = tables['008']!.indicators.find((candidate) => candidate.code === indicator.code)!
        t.same(
          indicator.values,
          inDistrict.values.filter((value) => value.unitCode === wardA),
          `${indicator.code} ${breakdown}`,
        )
      }
    }
    // Every breakdown of the period read side by side.
    for (const [unit, tables] of Object.entries(read)) {
      t.same(
        await disclosures(
          withEveryBreakdown(tables.map((each) => each.published)),
          withEveryBreakdown(tables.map((each) => each.truth)),
        ),
        [],
        `${unit}: every breakdown together`,
      )
    }
  })

  t.test('a closed period is served as first published; officers count what came in since', async (t) => {
    const query = `year=2024&unit=008&breakdown=sex,ageGroup&asOf=2024-03-29`
    const first = await app.inject({ url: `/v1/indicators/values?${query}`, headers: city.headers })
    t.equal(first.statusCode, 200)
    const published = first.json<Table>()
    t.equal(published.publishedAt, new Date(now).toISOString(), 'published on the first request for the period')
    const officersBefore = await table(query)
    t.equal(officersBefore.publishedAt, null, 'officers read live')
    // A child registered late, back-dated into the period: officers count it, the published table stays.
    await registerChild(ctx, district, {
      fullName: 'Trẻ Ghi Muộn',
      dateOfBirth: '2020-02-02',
      address: { wardCode: wardA },
    })
    const officersAfter = await table(query)
    t.equal(
      figure(officersAfter, 'CHILDREN_BY_AGE_SEX', '008').numerator,
      (figure(officersBefore, 'CHILDREN_BY_AGE_SEX', '008').numerator as number) + 1,
    )
    // A new version of the definition that computes nothing differently (its official code corrected)
    // reads the same table, rather than publishing the period again with the back-dated child in it.
    const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
    const catalogue = await app.inject({ url: '/v1/indicators', headers: admin.headers })
    const definition = catalogue
      .json<{ items: { code: string; version: number; official: unknown }[] }>()
      .items.find((item) => item.code === 'CHILDREN_BY_AGE_SEX')!
    const corrected = await app.inject({
      method: 'PUT',
      url: '/v1/indicators/CHILDREN_BY_AGE_SEX/official',
      headers: { ...admin.headers, 'if-match': `"${definition.version}"` },
      payload: { official: null },
    })
    t.equal(corrected.json().version, definition.version + 1, 'a new version of the definition')
    const again = await app.inject({ url: `/v1/indicators/values?${query}`, headers: city.headers })
    const withoutVersion = ({ version: _version, ...indicator }: Table['indicators'][number]) => indicator
    t.same(
      again.json<Table>().indicators.map(withoutVersion),
      published.indicators.map(withoutVersion),
      'the city system reads the same cells again',
    )
    const crossExport = await app.inject({
      url: '/v1/indicators/values/export?year=2024&unit=008&format=csv&breakdown=kind,sex',
      headers: city.headers,
    })
    t.equal(crossExport.statusCode, 400)
    t.equal(crossExport.json().code, 'breakdown_not_published', 'the export publishes the same breakdowns')
    const bySex = await table(`year=2024&unit=008&breakdown=sex&asOf=2024-03-29`, city)
    const cross = figure(published, 'CHILDREN_BY_AGE_SEX', '008').breakdowns[0]!.cells
    for (const cell of figure(bySex, 'CHILDREN_BY_AGE_SEX', '008').breakdowns[0]!.cells) {
      const parts = cross.filter((part) => part.key.sex === cell.key.sex).map((part) => part.numerator)
      t.same(
        cell.numerator,
        parts.every((part) => typeof part === 'number')
          ? parts.reduce((sum, part) => sum + part, 0)
          : { suppressed: true },
        `${cell.key.sex}: read off the cross by sex and age group, shown only where every cell of it is`,
      )
    }
    const events = await app.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.requestId, again.headers['x-request-id'] as string))
    t.match(events[0]?.details, { publishedAt: new Date(now).toISOString(), firstPublished: false, withheld: true })
  })

  t.test('jurisdiction, permissions and bad input', async (t) => {
    const collaborator = await accountFor(ctx, { role: 'collaborator', units: [wardA] })
    const cases: [string, typeof district, number, string][] = [
      [`year=2024&unit=${wardA}`, officerB, 403, 'unit_out_of_scope'],
      ['year=2024&unit=008', officerA, 403, 'unit_out_of_scope'],
      ['year=2024', collaborator, 403, 'forbidden'],
      ['year=2024&unit=nowhere', district, 400, 'unknown_unit'],
      ['year=2024&unit=00301-TDP99', district, 400, 'unknown_unit'],
      ['year=1999', district, 400, 'validation_failed'],
      ['year=2024&asOf=2025-01-01', district, 400, 'invalid_window'],
      ['year=2024&asOf=2024-06-21', district, 400, 'invalid_window'],
      ['year=2024&unit=008&asOf=2024-06-19', city, 400, 'invalid_window'],
      ['year=2024&unit=008&asOf=2024-09-14', city, 400, 'invalid_window'],
      ['year=2025', district, 400, 'invalid_window'],
      ['year=2024&breakdown=colour', district, 400, 'validation_failed'],
      ['year=2024&unit=008&breakdown=kind,sex', city, 400, 'breakdown_not_published'],
      ['year=2024&unit=008&breakdown=groupCode,ageGroup', city, 400, 'breakdown_not_published'],
      ['year=2024&colour=red', district, 400, 'validation_failed'],
    ]
    for (const [query, account, status, code] of cases) {
      const response = await app.inject({ url: `/v1/indicators/values?${query}`, headers: account.headers })
      t.equal(response.statusCode, status, query)
      t.equal(response.json().code, code, query)
      t.match(response.headers['content-type'], /application\/problem\+json/)
    }
    const multiUnit = await accountFor(ctx, { role: 'ward_officer', units: [wardA, wardB] })
    const noUnit = await app.inject({ url: '/v1/indicators/values?year=2024', headers: multiUnit.headers })
    t.equal(noUnit.json().code, 'unit_required', 'an account with several units names one')
    t.equal((await table('year=2024', officerB)).unit.code, wardB, 'by default, the caller’s only unit')
  })

  t.test('every computation is audited, without personal data', async (t) => {
    const response = await app.inject({
      url: `/v1/indicators/values?year=2024&unit=${wardA}`,
      headers: officerA.headers,
    })
    const events = await app.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.requestId, response.headers['x-request-id'] as string))
    t.equal(events.length, 1)
    t.match(events[0], { action: 'indicator.values.read', unitCode: wardA, outcome: 'success', actorId: officerA.id })
    t.notMatch(JSON.stringify(events[0]), /Trẻ thử nghiệm|Khang/)
  })

  t.test('definitions, targets and periods are readable', async (t) => {
    const definitions = await app.inject({ url: '/v1/indicators', headers: city.headers })
    t.equal(definitions.statusCode, 200)
    const codes = definitions.json().items.map((i: { code: string }) => i.code)
    t.equal(codes[0], 'CHILDREN_BY_AGE_SEX', 'in the plan’s order')
    t.ok(codes.includes('WRITTEN_REPORT_ON_TIME_PCT'))
    t.match(
      definitions.json().items.find((i: { code: string }) => i.code === 'ABUSED_CHILDREN'),
      { version: 1, breakdowns: ['kind', 'sex', 'ageGroup'], available: true },
    )
  })
})
