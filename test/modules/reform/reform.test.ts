import t from 'tap'
import { createTestApp } from '../../support/app.js'
import { accountFor, clientFor, province } from '../../support/auth.js'
import { incidentReport, registerChild } from '../../support/registry.js'
import { childHeader, childRow, csv, postImport } from '../imports/helpers.js'

// The story of a ward the 2025 reorganisation abolished: records filed there in 2024, seen by the officers
// of its successors (and no one else), re-homed by residential-group mapping, claimed, undone.
// Old ward 00301 went to 00301-2025 and 00328-2025: its synthetic group 00301-R01 maps to 00301-2025-R01,
// group 00301-R02 to 00328-2025-R01 (src/reference/units.json).
const ctx = await createTestApp(t, { now: '2024-06-15T03:00:00Z' })
const { app } = ctx

const officer2024 = await accountFor(ctx, { role: 'ward_officer', units: ['00301'] })

const mapped = await registerChild(ctx, officer2024, {
  fullName: 'Nguyễn Thị Mẫu',
  address: { wardCode: '00301', residentialGroupCode: '00301-R01' },
})
const unmapped = await registerChild(ctx, officer2024, { fullName: 'Trần Văn Mẫu', address: { wardCode: '00301' } })
const incident = await app.inject({
  method: 'POST',
  url: '/v1/incidents',
  headers: officer2024.headers,
  payload: incidentReport(
    { id: mapped.id, wardCode: '00301' },
    { address: { wardCode: '00301', residentialGroupCode: '00301-R02' } },
  ),
})
if (incident.statusCode !== 201) throw new Error(`recording the 2024 incident failed: ${incident.statusCode}`)
const incidentId = incident.json<{ id: string }>().id

// The ward's report for the first half of 2024, its figures frozen when it was made.
const report = await app.inject({
  method: 'POST',
  url: '/v1/reports',
  headers: officer2024.headers,
  payload: { periodCode: '2024-six_month', unitCode: '00301' },
})
if (report.statusCode !== 201) throw new Error(`creating the 2024 report failed: ${report.statusCode}`)
const frozen2024 = report.json<{ id: string; snapshot: unknown }>()

ctx.clock.set('2026-12-03T03:00:00Z')
const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
const oldWardOfficer = await accountFor(ctx, { role: 'ward_officer', units: ['00301'] })
const vinhHung = await accountFor(ctx, { role: 'ward_officer', units: ['00301-2025'] })
const linhNam = await accountFor(ctx, { role: 'ward_officer', units: ['00328-2025'] })
const yenSo = await accountFor(ctx, { role: 'ward_officer', units: ['00340-2025'] })

let backfilledId = ''
const read = (account: { headers: Record<string, string> }, url: string) =>
  app.inject({ method: 'GET', url, headers: account.headers })

t.test(
  'until re-homed, each successor ward sees what is filed at its predecessor, and no other ward does',
  async (t) => {
    for (const officer of [vinhHung, linhNam, oldWardOfficer]) {
      t.equal((await read(officer, `/v1/children/${mapped.id}`)).statusCode, 200)
      t.equal((await read(officer, `/v1/incidents/${incidentId}`)).statusCode, 200)
    }
    t.equal((await read(yenSo, `/v1/children/${mapped.id}`)).statusCode, 404, 'Yên Sở did not succeed 00301')
    t.equal((await read(yenSo, `/v1/incidents/${incidentId}`)).statusCode, 404)
    const listed = await read(yenSo, '/v1/children?limit=200')
    t.notOk(
      listed.json().items.some((child: { id: string }) => child.id === mapped.id),
      'nor does it list it',
    )
  },
)

t.test(
  'a record not yet re-homed is edited where it is, and moved only where the reorganisation sent it',
  async (t) => {
    const patch = async (
      officer: { headers: Record<string, string> },
      id: string,
      address: Record<string, unknown>,
    ) => {
      const { version } = (await read(officer, `/v1/children/${id}`)).json()
      return app.inject({
        method: 'PATCH',
        url: `/v1/children/${id}`,
        headers: { ...officer.headers, 'if-match': `"${version}"` },
        payload: { address },
      })
    }
    const stays = await patch(linhNam, mapped.id, {
      wardCode: '00301',
      residentialGroupCode: '00301-R01',
      streetAddress: 'Số 3 ngõ Mẫu',
    })
    t.equal(stays.statusCode, 200, 'a new street address at the abolished ward it is filed at')
    const elsewhere = await patch(linhNam, mapped.id, { wardCode: '00328-2025' })
    t.equal(elsewhere.statusCode, 422, 'the mapping places this child in 00301-2025, not in the caller’s ward')
    t.equal(elsewhere.json().errors[0].code, 'not_its_successor')
    t.equal((await read(vinhHung, `/v1/children/${mapped.id}`)).json().address.wardCode, '00301', 'and nothing moved')
  },
)

t.test('no new record at an abolished ward after it ceased; an administrator may backfill, audited', async (t) => {
  const refused = await app.inject({
    method: 'POST',
    url: '/v1/children',
    headers: linhNam.headers,
    payload: { fullName: 'Lê Văn Mẫu', sex: 'male', dateOfBirth: '2020-01-01', address: { wardCode: '00301' } },
  })
  t.equal(refused.statusCode, 422)
  const error = refused.json().errors[0]
  t.equal(error.code, 'unit_not_active')
  t.match(error.message, /00301-2025, 00328-2025/, 'naming the successors')

  const household = await app.inject({
    method: 'POST',
    url: '/v1/households',
    headers: linhNam.headers,
    payload: { headName: 'Lê Văn Chủ', address: { wardCode: '00301' } },
  })
  t.equal(household.statusCode, 422)
  t.equal(household.json().errors[0].code, 'unit_not_active')

  const notAdmin = await app.inject({
    method: 'POST',
    url: '/v1/children?backfill=true',
    headers: linhNam.headers,
    payload: { fullName: 'Lê Văn Mẫu', sex: 'male', dateOfBirth: '2020-01-01', address: { wardCode: '00301' } },
  })
  t.equal(notAdmin.statusCode, 403)
  t.equal(notAdmin.json().code, 'backfill_not_permitted')

  const backfilled = await app.inject({
    method: 'POST',
    url: '/v1/children?backfill=true',
    headers: admin.headers,
    payload: { fullName: 'Lê Văn Mẫu', sex: 'male', dateOfBirth: '2020-01-01', address: { wardCode: '00301' } },
  })
  t.equal(backfilled.statusCode, 201)
  const audit = await read(admin, `/v1/audit-events?resourceId=${backfilled.json().id}`)
  t.match(audit.json().items, [{ action: 'child.create', details: { backfill: true } }])
  backfilledId = backfilled.json().id
})

t.test('re-homing: the preview, the job, who sees what after, the unplaced queue, undo', async (t) => {
  const preview = await read(admin, '/v1/reform/rehomings/preview?wards=00301')
  t.equal(preview.statusCode, 200)
  t.same(preview.json().bySuccessor, [
    { wardCode: '00301-2025', households: 0, children: 1, incidents: 0 },
    { wardCode: '00328-2025', households: 0, children: 0, incidents: 1 },
  ])
  t.same(
    preview.json().unplaced,
    [{ wardCode: '00301', households: 0, children: 2, incidents: 0 }],
    'the backfilled child has no group',
  )

  t.equal((await read(linhNam, '/v1/reform/rehomings/preview')).statusCode, 403, 'officers cannot re-home')
  const cityOfficer = await accountFor(ctx, { role: 'city_officer', units: [province] })
  const figures2024 = async (query = '') => {
    const response = await read(cityOfficer, `/v1/indicators/values?year=2024&unit=01${query}`)
    t.equal(response.statusCode, 200)
    return response.json()
  }
  const countsOf = (table: { indicators: { code: string; values: { unitCode: string; numerator: number }[] }[] }) =>
    table.indicators.map((indicator) => [indicator.code, indicator.values.map((v) => [v.unitCode, v.numerator])])
  const before2024 = await figures2024()
  const notAbolished = await app.inject({
    method: 'POST',
    url: '/v1/reform/rehomings',
    headers: admin.headers,
    payload: { wards: ['00301-2025'] },
  })
  t.equal(notAbolished.statusCode, 422)

  const started = await app.inject({
    method: 'POST',
    url: '/v1/reform/rehomings',
    headers: admin.headers,
    payload: { wards: ['00301'] },
  })
  t.equal(started.statusCode, 202)
  const batchId = started.json().id
  await app.jobs.runDue()
  const batch = (await read(admin, `/v1/reform/rehomings/${batchId}`)).json()
  t.equal(batch.state, 'done')
  t.equal(batch.moved, 2, 'as many moves as the preview counted')

  t.same(countsOf(await figures2024()), countsOf(before2024), 'the live 2024 figures are unchanged by re-homing')
  const onTodaysMap = await figures2024('&map=2026-12-03')
  t.equal(onTodaysMap.map, '2026-12-03')
  const rowsOf = (table: { wards: { code: string; offMap?: string }[] }) =>
    new Map(table.wards.map((ward) => [ward.code, ward.offMap ?? 'on the map']))
  const todaysRows = rowsOf(onTodaysMap)
  t.same(
    ['00301-2025', '00316-2025', '00322-2025', '00328-2025', '00331-2025', '00337-2025', '00340-2025'].map((code) =>
      todaysRows.get(code),
    ),
    Array(7).fill('on the map'),
    '2024 reprojected onto today’s map: the seven new wards',
  )
  t.equal(todaysRows.get('00301'), 'abolished', 'and a row for 00301, split, for records no group places')
  t.notOk(todaysRows.has('00307'), 'a ward that went whole to one successor needs no row of its own')
  const figureOf = (table: typeof onTodaysMap, code: string, unit: string) =>
    table.indicators
      .find((indicator: { code: string }) => indicator.code === code)
      .values.find((value: { unitCode: string }) => value.unitCode === unit)
  t.equal(
    figureOf(onTodaysMap, 'CHILDREN_BY_AGE_SEX', '00301-2025').numerator,
    1,
    'the mapped child counts at Vĩnh Hưng',
  )
  t.equal(figureOf(onTodaysMap, 'CHILDREN_BY_AGE_SEX', '00301').numerator, 2, 'the two with no group stay in their row')
  t.equal(
    figureOf(onTodaysMap, 'CHILDREN_BY_AGE_SEX', '01').numerator,
    figureOf(before2024, 'CHILDREN_BY_AGE_SEX', '01').numerator,
  )
  t.equal(
    onTodaysMap.indicators.find((indicator: { code: string }) => indicator.code === 'WARDS_WITH_PLAN').available,
    false,
    'a ward’s reports do not follow its records onto another map',
  )
  // A city system reads a period on its own map only: the same records protected apart on a second map could
  // give a withheld ward away (an old ward that went whole into a new one is the new one less its other sources).
  const citySystem = await clientFor(ctx, { role: 'city_system', units: [province] })
  for (const path of ['/v1/indicators/values?', '/v1/indicators/values/export?format=csv&']) {
    const reprojected = await read(citySystem, `${path}year=2024&unit=01&map=2026-12-03`)
    t.equal(reprojected.statusCode, 400, `${path}: not reprojected for a city system`)
    t.match(reprojected.json(), { code: 'map_not_published', errors: [{ pointer: '/map' }] })
  }
  const ownMap = await read(citySystem, '/v1/indicators/values?year=2024&unit=01')
  t.equal(ownMap.statusCode, 200, 'the map of its window')
  t.match(ownMap.json(), { smallCellsWithheld: true, map: null })
  t.equal(
    (await read(citySystem, '/v1/indicators/values?year=2024&unit=01&map=2024-12-31')).statusCode,
    400,
    'a map date, even in the window, reprojects (records re-homed or filed later are placed by their groups)',
  )
  const onOldMap = await read(cityOfficer, '/v1/indicators/values?year=2026&unit=01&map=2024-12-31')
  t.equal(onOldMap.statusCode, 200)
  t.equal(
    figureOf(onOldMap.json(), 'CHILDREN_BY_AGE_SEX', '00301').numerator,
    3,
    '2026 on the old map: re-homed back to 00301',
  )
  t.equal(rowsOf(onOldMap.json()).get('00301-2025'), 'created_later', 'a new ward of several is a row of its own')
  t.equal(rowsOf(onOldMap.json()).get('00301'), 'on the map')
  const notOnMap = await read(vinhHung, '/v1/indicators/values?year=2024&unit=00301-2025&map=2024-12-31')
  t.equal(notOnMap.statusCode, 400, 'a ward of today is not on the 2024 map')
  t.equal(notOnMap.json().code, 'unit_not_on_map')
  const beyondScope = await read(oldWardOfficer, '/v1/indicators/values?year=2026&unit=00301&map=2024-12-31')
  t.equal(
    beyondScope.statusCode,
    403,
    'reprojecting reads the new wards too: their officers’ records, not an old ward’s',
  )
  const ownWard = await read(vinhHung, '/v1/indicators/values?year=2024&unit=00301-2025&map=2026-12-03')
  t.equal(ownWard.statusCode, 200, 'an officer of today compares their ward with 2024')
  t.equal(figureOf(ownWard.json(), 'CHILDREN_BY_AGE_SEX', '00301-2025').numerator, 1)
  t.equal(
    (await read(yenSo, '/v1/indicators/values?year=2024&unit=00301-2025&map=2026-12-03')).statusCode,
    403,
    'another ward’s officer does not',
  )

  const report2024 = (await read(oldWardOfficer, `/v1/reports/${frozen2024.id}`)).json()
  t.same(report2024.snapshot, frozen2024.snapshot, 'the 2024 report is unchanged by re-homing')
  t.ok(JSON.stringify(frozen2024.snapshot).includes('"numerator":2'), 'and it counted the two children then at 00301')

  const child = (await read(vinhHung, `/v1/children/${mapped.id}`)).json()
  t.same(child.address.wardCode, '00301-2025')
  t.same(child.address.residentialGroupCode, '00301-2025-R01')
  t.equal((await read(linhNam, `/v1/children/${mapped.id}`)).statusCode, 404, 'after the move only its ward sees it')
  t.equal((await read(oldWardOfficer, `/v1/children/${mapped.id}`)).statusCode, 404)
  t.equal((await read(linhNam, `/v1/incidents/${incidentId}`)).statusCode, 200)
  t.equal((await read(vinhHung, `/v1/incidents/${incidentId}`)).statusCode, 404)
  const history = (await read(vinhHung, `/v1/children/${mapped.id}/history`)).json()
  t.ok(
    history.items.some((revision: { action: string }) => revision.action === 'rehome'),
    'the move is in the child’s history',
  )
  const moveAudit = await read(admin, `/v1/audit-events?resourceId=${mapped.id}`)
  t.ok(moveAudit.json().items.some((event: { action: string }) => event.action === 'child.rehome'))

  const queue = await read(linhNam, '/v1/reform/unplaced?type=child')
  t.equal(queue.statusCode, 200)
  t.same(
    queue.json().items.map((item: { id: string; successors: string[] }) => [item.id, item.successors]),
    [unmapped.id, backfilledId].sort().map((id) => [id, ['00301-2025', '00328-2025']]),
  )
  t.same((await read(yenSo, '/v1/reform/unplaced?type=child')).json().items, [], 'not in other wards’ queues')

  const wrongWard = await app.inject({
    method: 'POST',
    url: `/v1/reform/unplaced/child/${unmapped.id}/claim`,
    headers: linhNam.headers,
    payload: { wardCode: '00301-2025' },
  })
  t.equal(wrongWard.statusCode, 422, 'an officer claims only into their own wards')
  const claimed = await app.inject({
    method: 'POST',
    url: `/v1/reform/unplaced/child/${unmapped.id}/claim`,
    headers: linhNam.headers,
    payload: { wardCode: '00328-2025', residentialGroupCode: '00328-2025-R01' },
  })
  t.equal(claimed.statusCode, 200)
  t.equal(
    (await read(vinhHung, `/v1/children/${unmapped.id}`)).statusCode,
    404,
    'claimed: the other successor no longer sees it',
  )
  t.equal((await read(linhNam, `/v1/children/${unmapped.id}`)).json().address.wardCode, '00328-2025')

  const otherWardAdmin = await accountFor(ctx, { role: 'district_admin', units: ['00328-2025'] })
  const notTheirs = await app.inject({
    method: 'POST',
    url: `/v1/reform/rehomings/${batchId}/undo`,
    headers: otherWardAdmin.headers,
  })
  t.equal(notTheirs.statusCode, 404, 'undo needs every ward the batch moved records into')
  const undo = await app.inject({ method: 'POST', url: `/v1/reform/rehomings/${batchId}/undo`, headers: admin.headers })
  t.equal(undo.statusCode, 202)
  await app.jobs.runDue()
  const undone = (await read(admin, `/v1/reform/rehomings/${batchId}`)).json()
  t.equal(undone.state, 'undone')
  t.equal(undone.undone, 2)
  t.equal((await read(linhNam, `/v1/children/${mapped.id}`)).json().address.wardCode, '00301', 'back where it was')
  const afterUndo = (await read(linhNam, `/v1/children/${mapped.id}/history`)).json()
  t.match(
    afterUndo.items.find((revision: { action: string }) => revision.action === 'rehome_undo'),
    {
      action: 'rehome_undo',
    },
  )
  const again = await app.inject({
    method: 'POST',
    url: `/v1/reform/rehomings/${batchId}/undo`,
    headers: admin.headers,
  })
  t.equal(again.statusCode, 409, 'an undone re-homing cannot be undone twice')
})

t.test('an import row at an abolished ward is refused too; at its successor it is taken', async (t) => {
  const file = csv([childHeader, childRow(1, '00301'), childRow(2, '00328-2025')])
  const response = await postImport(ctx, linhNam, file, { query: 'dryRun=true&mode=partial' })
  t.equal(response.statusCode, 201)
  const report = response.json()
  t.match(report.counts, { created: 1, rejected: 1 })
  t.match(report.problems, [{ row: 2, problems: [{ column: 'wardCode', code: 'unit_not_active' }] }])
})

t.test(
  'the residential-group mapping: read, corrected as JSON or CSV (versioned, audited), all or nothing',
  async (t) => {
    const before = (await read(linhNam, '/v1/reform/mapping?ward=00301')).json()
    t.same(
      before.items.map((link: { residentialGroupCode: string; successorCode: string }) => [
        link.residentialGroupCode,
        link.successorCode,
      ]),
      [
        ['00301-R01', '00301-2025-R01'],
        ['00301-R02', '00328-2025-R01'],
      ],
    )
    t.match(before.items[0], { confirmed: false, source: 'reference', version: 1 })

    const put = (headers: Record<string, string>, payload: string | object, contentType = 'application/json') =>
      app.inject({
        method: 'PUT',
        url: '/v1/reform/mapping',
        headers: { ...headers, 'content-type': contentType },
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      })
    t.equal((await put(linhNam.headers, { entries: [] })).statusCode, 403, 'administrators only')

    const json = await put(admin.headers, {
      entries: [{ residentialGroupCode: '00301-R02', successorCode: '00301-2025', confirmed: true }],
    })
    t.equal(json.statusCode, 200)
    t.match(json.json().items, [
      { residentialGroupCode: '00301-R02', successorCode: '00301-2025', source: 'admin', version: 2, confirmed: true },
    ])
    const preview = (await read(admin, '/v1/reform/rehomings/preview?wards=00301')).json()
    t.ok(
      preview.bySuccessor.every((row: { wardCode: string }) => row.wardCode === '00301-2025'),
      're-homing follows the corrected mapping at once',
    )

    const csvBody = 'residentialGroupCode,successorCode,confirmed\r\n00301-R02,00328-2025-R01,true\r\n'
    const fromCsv = await put(admin.headers, csvBody, 'text/csv')
    t.equal(fromCsv.statusCode, 200)
    t.match(fromCsv.json().items, [{ successorCode: '00328-2025-R01', version: 3 }])

    const bad = await put(admin.headers, {
      entries: [
        { residentialGroupCode: '00301-R01', successorCode: '00340-2025' },
        { residentialGroupCode: '00301-R02', successorCode: '00301-2025' },
      ],
    })
    t.equal(bad.statusCode, 422)
    t.match(bad.json().errors, [{ pointer: '/entries/0/successorCode', code: 'not_a_successor' }])
    const unchanged = (await read(admin, '/v1/reform/mapping?ward=00301')).json()
    t.same(
      unchanged.items.map((link: { successorCode: string }) => link.successorCode),
      ['00301-2025-R01', '00328-2025-R01'],
      'nothing changed: all or nothing',
    )
    const badCsv = await put(admin.headers, 'group,successor\n00301-R01,00301-2025\n', 'text/csv')
    t.equal(badCsv.statusCode, 422)
    t.match(badCsv.json().errors, [{ pointer: '/line/1', code: 'invalid_header' }])

    const audit = await read(admin, '/v1/audit-events?action=reform.mapping.update')
    t.match(audit.json().items, [{ details: { groups: 1, format: 'csv' } }, { details: { groups: 1, format: 'json' } }])
  },
)

t.test(
  'figures on the new map: the new wards and the abolished wards still holding records add up to the city',
  async (t) => {
    const cityOfficer = await accountFor(ctx, { role: 'city_officer', units: [province] })
    const response = await read(cityOfficer, '/v1/indicators/values?year=2026&unit=01')
    t.equal(response.statusCode, 200)
    const table = response.json()
    const abolished = table.wards.filter((ward: { offMap?: string }) => ward.offMap === 'abolished')
    t.ok(
      abolished.some((ward: { code: string }) => ward.code === '00301'),
      'the abolished ward has its row while records are filed there',
    )
    t.ok(table.wards.some((ward: { code: string; offMap?: string }) => ward.code === '00328-2025' && !ward.offMap))
    let checked = 0
    for (const indicator of table.indicators) {
      if (indicator.kind !== 'count' || !indicator.available) continue
      const total = indicator.values.at(-1)
      const wards = indicator.values.slice(0, -1)
      t.equal(total.unitCode, '01')
      const sum = wards.reduce((n: number, figure: { numerator: number | null }) => n + (figure.numerator ?? 0), 0)
      t.equal(sum, total.numerator ?? 0, `${indicator.code}: the wards add up to the city`)
      checked++
    }
    t.ok(checked > 0, 'count indicators were checked')
    const registered = table.indicators.find((indicator: { values: { unitCode: string; numerator: number }[] }) =>
      indicator.values.some((figure) => figure.unitCode === '00301' && figure.numerator > 0),
    )
    t.ok(registered, 'what is still filed at 00301 counts in 2026')

    const before = await read(cityOfficer, '/v1/indicators/values?year=2024&unit=01')
    t.equal(before.statusCode, 200)
    t.notOk(
      before.json().wards.some((ward: { offMap?: string }) => ward.offMap),
      '2024 stays on the old map',
    )
    t.ok(before.json().wards.some((ward: { code: string }) => ward.code === '00301'))
  },
)
