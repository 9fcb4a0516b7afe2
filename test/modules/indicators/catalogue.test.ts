import { eq } from 'drizzle-orm'
import t from 'tap'
import { auditEvents } from '../../../src/modules/audit/tables.js'
import { applyIndicatorsReference, listDefinitions, listTargets } from '../../../src/modules/indicators/repository.js'
import { indicatorDefinitions } from '../../../src/modules/indicators/tables.js'
import { reports } from '../../../src/modules/reports/tables.js'
import { loadIndicators } from '../../../src/reference/index.js'
import { createTestApp } from '../../support/app.js'
import { accountFor, province, wardA } from '../../support/auth.js'

t.test('targets per plan year, reporting periods, definitions as versioned data', async (t) => {
  const ctx = await createTestApp(t, { now: '2024-06-20T03:00:00Z' })
  const { app } = ctx
  const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
  const officer = await accountFor(ctx, { role: 'district_officer', units: [province] })
  const wardOfficer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const reference = loadIndicators().data

  t.test('the 2024 plan’s targets are seeded', async (t) => {
    const response = await app.inject({ url: '/v1/plans/2024/targets', headers: wardOfficer.headers })
    t.equal(response.statusCode, 200)
    const body = response.json()
    t.equal(response.headers.etag, `"${body.version}"`)
    t.same(
      body.targets
        .map(
          (x: { indicatorCode: string; comparator: string; value: number }) =>
            `${x.indicatorCode} ${x.comparator} ${x.value}`,
        )
        .sort(),
      reference.targets.map((x) => `${x.indicatorCode} ${x.comparator} ${x.value}`).sort(),
    )
    t.ok(body.targets.every((x: { updatedBy: string }) => x.updatedBy === 'reference'))
    const empty = (await app.inject({ url: '/v1/plans/2031/targets', headers: officer.headers })).json()
    t.same(empty.targets, [], 'a year without targets')
  })

  t.test('changing targets: If-Match, catalogues:manage, valid values, audited', async (t) => {
    const current = await app.inject({ url: '/v1/plans/2024/targets', headers: admin.headers })
    const etag = current.headers.etag as string
    const targets = [
      { indicatorCode: 'SC_CHILDREN_CARED_PCT', comparator: '>=', value: 95, unit: 'percent' },
      { indicatorCode: 'INJURY_DEATHS', comparator: '=', value: 0, unit: 'count' },
    ]
    const put = (headers: Record<string, string>, payload: unknown) =>
      app.inject({
        method: 'PUT',
        url: '/v1/plans/2024/targets',
        headers: { ...admin.headers, ...headers },
        payload: payload as Record<string, unknown>,
      })
    t.equal((await put({}, { targets })).statusCode, 428)
    t.equal((await put({ 'if-match': '"12345"' }, { targets })).statusCode, 412)
    t.equal(
      (
        await app.inject({
          method: 'PUT',
          url: '/v1/plans/2024/targets',
          headers: { ...officer.headers, 'if-match': etag },
          payload: { targets },
        })
      ).statusCode,
      403,
      'a district officer reads targets but does not set them',
    )
    const invalid = await put(
      { 'if-match': etag },
      {
        targets: [
          { indicatorCode: 'SC_CHILDREN_CARED_PCT', comparator: '>=', value: 190, unit: 'percent' },
          { indicatorCode: 'NOPE', comparator: '=', value: 1, unit: 'count' },
        ],
      },
    )
    t.equal(invalid.statusCode, 422)
    t.same(
      invalid.json().errors.map((e: { pointer: string }) => e.pointer),
      ['/targets/0/value', '/targets/1/indicatorCode'],
    )
    t.equal((await put({ 'if-match': etag }, { targets: [{ ...targets[0], comparator: '~' }] })).statusCode, 400)
    t.equal((await put({ 'if-match': etag }, { targets, note: 'x' })).statusCode, 400)
    t.equal((await listTargets(app.database.db, 2024)).length, reference.targets.length, 'nothing changed')

    const saved = await put({ 'if-match': etag }, { targets })
    t.equal(saved.statusCode, 200)
    t.equal(saved.json().targets.length, 2, 'the targets left out are removed')
    t.not(saved.headers.etag, etag, 'a new version')
    t.ok(saved.json().targets.every((x: { updatedBy: string }) => x.updatedBy === admin.id))
    t.equal((await put({ 'if-match': etag }, { targets })).statusCode, 412, 'the old ETag is stale now')
    const events = await app.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.requestId, saved.headers['x-request-id'] as string))
    t.match(events, [{ action: 'plan_targets.replace', resourceId: '2024', outcome: 'success' }])

    const values = (
      await app.inject({ url: '/v1/indicators/values?year=2024&unit=008', headers: officer.headers })
    ).json()
    t.same(
      values.indicators.find((i: { code: string }) => i.code === 'SC_CHILDREN_CARED_PCT').target,
      { comparator: '>=', value: 95, unit: 'percent' },
      'values use the new target at once',
    )
    t.equal(values.indicators.find((i: { code: string }) => i.code === 'WARDS_WITH_PLAN').target, null)
  })

  t.test('reference data never overwrites an administrator’s change', async (t) => {
    await app.database.db.transaction((tx) => applyIndicatorsReference(tx, reference))
    t.equal((await listTargets(app.database.db, 2024)).length, 2, 'the administrator’s 2024 targets stay')
    const before = await app.database.db.select().from(indicatorDefinitions)
    await app.database.db.transaction((tx) => applyIndicatorsReference(tx, reference))
    t.equal(
      (await app.database.db.select().from(indicatorDefinitions)).length,
      before.length,
      'an unchanged file adds no version',
    )
    const changed = {
      ...reference,
      version: 'test',
      indicators: reference.indicators.map((i) =>
        i.code === 'INJURY_DEATHS' ? { ...i, nameEn: 'Deaths from injuries' } : i,
      ),
    }
    await app.database.db.transaction((tx) => applyIndicatorsReference(tx, changed))
    const definitions = await listDefinitions(app.database.db)
    t.match(
      definitions.find((d) => d.code === 'INJURY_DEATHS'),
      { version: 2, nameEn: 'Deaths from injuries' },
      'a changed definition is a new version',
    )
    t.equal(definitions.find((d) => d.code === 'UNDER6_BHYT_PCT')!.version, 1, 'the others keep theirs')
    await app.database.db.insert(indicatorDefinitions).values({
      code: 'INJURY_DEATHS',
      version: 3,
      definition: { ...(await definitionOf('INJURY_DEATHS')), nameEn: 'Set by an administrator' },
      publishedAt: new Date(),
    })
    await app.database.db.transaction((tx) => applyIndicatorsReference(tx, reference))
    t.match(
      (await listDefinitions(app.database.db)).find((d) => d.code === 'INJURY_DEATHS'),
      { version: 3, nameEn: 'Set by an administrator' },
    )
  })

  t.test('each indicator says where it stands in Circular 13/2021; an administrator corrects it', async (t) => {
    const catalogue = (await app.inject({ url: '/v1/indicators', headers: wardOfficer.headers })).json().items
    const official = (code: string) => catalogue.find((i: { code: string }) => i.code === code).official
    t.same(official('ABUSED_CHILDREN'), {
      instrument: '13/2021/TT-BLĐTBXH',
      annex: 'IV',
      code: '0101',
      nameVi: 'Số trẻ em bị xâm hại',
      formRow: null,
      confirmed: true,
    })
    t.match(official('SC_CHILDREN_BY_GROUP'), { annex: 'III', code: null, confirmed: false })
    t.equal(official('WARDS_WITH_PLAN'), null, 'the district plan’s own indicator')
    t.same(
      catalogue.map((i: { code: string }) => i.code),
      reference.indicators.map((i) => i.code),
      'every indicator states it',
    )

    const { version } = catalogue.find((i: { code: string }) => i.code === 'SC_CHILDREN_BY_GROUP')
    const corrected = {
      instrument: '13/2021/TT-BLĐTBXH',
      annex: 'III',
      code: '0301',
      nameVi: 'Số lượng, tỷ lệ trẻ em có hoàn cảnh đặc biệt',
      formRow: 'Biểu 01, dòng 5',
      confirmed: true,
    }
    const put = (code: string, headers: Record<string, string>, payload: unknown) =>
      app.inject({ method: 'PUT', url: `/v1/indicators/${code}/official`, headers, payload: payload as object })
    t.equal((await put('SC_CHILDREN_BY_GROUP', officer.headers, { official: corrected })).statusCode, 403)
    t.equal((await put('SC_CHILDREN_BY_GROUP', admin.headers, { official: corrected })).statusCode, 428)
    const withVersion = (v: number) => ({ ...admin.headers, 'if-match': `"${v}"` })
    t.equal((await put('SC_CHILDREN_BY_GROUP', withVersion(version + 5), { official: corrected })).statusCode, 412)
    const badCode = await put('SC_CHILDREN_BY_GROUP', withVersion(version), { official: { ...corrected, code: '3.1' } })
    t.equal(badCode.statusCode, 400, 'a code is four digits')
    t.equal((await put('NO_SUCH_INDICATOR', withVersion(1), { official: corrected })).statusCode, 404)

    const saved = await put('SC_CHILDREN_BY_GROUP', withVersion(version), { official: corrected })
    t.equal(saved.statusCode, 200)
    t.equal(saved.headers.etag, `"${version + 1}"`)
    t.same(saved.json().official, corrected)
    t.equal(saved.json().nameVi, reference.indicators.find((i) => i.code === 'SC_CHILDREN_BY_GROUP')!.nameVi)
    t.equal(
      (await put('SC_CHILDREN_BY_GROUP', withVersion(version), { official: null })).statusCode,
      412,
      'the version it was corrected from is no longer the latest',
    )
    const [event] = await app.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.action, 'indicator_definition.official_code'))
    t.match(event, { resourceId: 'SC_CHILDREN_BY_GROUP', actorId: admin.id })
    t.match(event!.details, { before: { code: null }, after: { code: '0301' } })

    const renamed = {
      ...reference,
      version: 'later',
      indicators: reference.indicators.map((i) =>
        i.code === 'SC_CHILDREN_BY_GROUP' ? { ...i, nameEn: 'Children in special circumstances, by group' } : i,
      ),
    }
    await app.database.db.transaction((tx) => applyIndicatorsReference(tx, renamed))
    t.match(
      (await listDefinitions(app.database.db)).find((d) => d.code === 'SC_CHILDREN_BY_GROUP'),
      { version: version + 2, nameEn: 'Children in special circumstances, by group', official: corrected },
      'later reference data updates the rest and keeps the correction',
    )
  })

  async function definitionOf(code: string): Promise<Record<string, unknown>> {
    const [row] = await app.database.db
      .select()
      .from(indicatorDefinitions)
      .where(eq(indicatorDefinitions.code, code))
      .limit(1)
    const { referenceVersion: _reference, ...definition } = row!.definition
    return definition
  }

  t.test('reporting periods: stored, or the plan’s defaults; later years configurable', async (t) => {
    const periods2024 = (
      await app.inject({ url: '/v1/reporting-periods?year=2024', headers: wardOfficer.headers })
    ).json().items
    t.same(
      periods2024.map((p: { code: string; dueDate: string; stored: boolean }) => [p.code, p.dueDate, p.stored]),
      [
        ['2024-ward_plan', '2024-03-30', true],
        ['2024-six_month', '2024-05-15', true],
        ['2024-nine_month', '2024-09-15', true],
        ['2024-annual', '2024-11-10', true],
      ],
    )
    const periods2025 = (await app.inject({ url: '/v1/reporting-periods?year=2025', headers: admin.headers })).json()
      .items
    t.ok(
      periods2025.every((p: { stored: boolean }) => !p.stored),
      'not stored yet: the defaults',
    )
    const sixMonth = periods2025.find((p: { code: string }) => p.code === '2025-six_month')
    const put = (code: string, version: string, payload: Record<string, unknown>, account = admin) =>
      app.inject({
        method: 'PUT',
        url: `/v1/reporting-periods/${code}`,
        headers: { ...account.headers, 'if-match': version },
        payload,
      })
    const change = { dueDate: '2025-05-20', windowFrom: '2025-01-01', windowTo: '2025-05-14' }
    t.equal((await put('2025-six_month', `"${sixMonth.version}"`, change, officer)).statusCode, 403)
    t.equal((await put('2025-six_month', '"1"', change)).statusCode, 412)
    t.equal((await put('2025-monthly', `"${sixMonth.version}"`, change)).statusCode, 400)
    const invalid = await put('2025-six_month', `"${sixMonth.version}"`, { ...change, windowTo: '2025-06-01' })
    t.equal(invalid.statusCode, 422)
    t.same(
      invalid.json().errors.map((e: { pointer: string }) => e.pointer),
      ['/dueDate'],
    )
    const saved = await put('2025-six_month', `"${sixMonth.version}"`, change)
    t.equal(saved.statusCode, 200)
    t.match(saved.json(), {
      code: '2025-six_month',
      kind: 'six_month',
      year: 2025,
      dueDate: '2025-05-20',
      stored: true,
    })
    const after = (await app.inject({ url: '/v1/reporting-periods?year=2025', headers: admin.headers })).json().items
    t.match(
      after.find((p: { code: string }) => p.code === '2025-six_month'),
      { dueDate: '2025-05-20', stored: true },
    )

    await app.database.db.insert(reports).values({
      provinceCode: '01',
      wardCode: wardA,
      unitCode: wardA,
      level: 'ward',
      periodCode: '2025-six_month',
      snapshot: {},
      sections: [],
      createdAt: new Date(),
      updatedAt: new Date(),
    })
    const version = `"${saved.json().version}"`
    const moved = await put('2025-six_month', version, { ...change, windowTo: '2025-05-10' })
    t.equal(moved.statusCode, 409, 'reports froze their figures over the window')
    t.equal(moved.json().code, 'period_has_reports')
    const extended = await put('2025-six_month', version, { ...change, dueDate: '2025-05-31' })
    t.equal(extended.statusCode, 200, 'the due date can still be extended')
  })
})
