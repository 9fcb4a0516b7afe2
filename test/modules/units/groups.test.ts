import t from 'tap'
import { createTestApp } from '../../support/app.js'
import { accountFor, province } from '../../support/auth.js'
import { registerChild } from '../../support/registry.js'

// The wards of former Hoàng Mai district, directly under the city since 1 July 2025, as a named group an
// administrator defines for consolidation.
const newWards = ['00301-2025', '00316-2025', '00322-2025', '00328-2025', '00331-2025', '00337-2025', '00340-2025']
const code = 'HOANG-MAI-CU'

const ctx = await createTestApp(t, { now: '2026-12-03T03:00:00Z' })
const { app } = ctx
const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
const wardAdmin = await accountFor(ctx, { role: 'district_admin', units: ['00328-2025'] })
const cityOfficer = await accountFor(ctx, { role: 'city_officer', units: [province] })
const wardOfficer = await accountFor(ctx, { role: 'ward_officer', units: ['00328-2025'] })
await registerChild(ctx, wardOfficer, { fullName: 'Lê Thị Nhóm', address: { wardCode: '00328-2025' } })

const put = (headers: Record<string, string>, payload: Record<string, unknown>, group = code) =>
  app.inject({ method: 'PUT', url: `/v1/unit-groups/${group}`, headers, payload })
const definition = { nameVi: 'Các phường thuộc quận Hoàng Mai cũ', wardCodes: newWards }

t.test('an administrator defines a group, corrects it under If-Match, and it is audited', async (t) => {
  const created = await put(admin.headers, { ...definition, wardCodes: newWards.slice(0, 6) })
  t.equal(created.statusCode, 200)
  t.equal(created.headers.etag, '"1"')
  t.match(created.json(), { code, version: 1, wardCodes: newWards.slice(0, 6), updatedBy: admin.id })

  const blind = await put(admin.headers, definition)
  t.equal(blind.statusCode, 428, 'a correction needs If-Match')
  const stale = await put({ ...admin.headers, 'if-match': '"7"' }, definition)
  t.equal(stale.statusCode, 412)
  const corrected = await put({ ...admin.headers, 'if-match': '"1"' }, definition)
  t.equal(corrected.statusCode, 200)
  t.match(corrected.json(), { version: 2, wardCodes: newWards })

  const listed = await app.inject({ url: '/v1/unit-groups', headers: wardOfficer.headers })
  t.same(
    listed.json().items.map((group: { code: string }) => group.code),
    [code],
  )
  const read = await app.inject({ url: `/v1/unit-groups/${code}`, headers: wardOfficer.headers })
  t.equal(read.headers.etag, '"2"')
  t.equal((await app.inject({ url: '/v1/unit-groups/NONE', headers: admin.headers })).statusCode, 404)

  const audit = await app.inject({ url: '/v1/audit-events?resourceType=unit_group', headers: admin.headers })
  t.same(
    audit
      .json()
      .items.map((event: { action: string; details: { version: number } }) => [event.action, event.details.version]),
    [
      ['unit_group.update', 2],
      ['unit_group.create', 1],
    ],
  )
})

t.test('a bad group is refused whole, naming each problem; nothing is saved', async (t) => {
  const taken = await put(admin.headers, definition, '008')
  t.equal(taken.statusCode, 422)
  t.match(taken.json().errors, [{ pointer: '/code', code: 'code_taken' }])
  const bad = await put(
    admin.headers,
    { nameVi: ' ', wardCodes: ['008', 'nowhere', '00301-2025', '00301-2025'] },
    'NEW',
  )
  t.equal(bad.statusCode, 422)
  t.equal(bad.json().code, 'invalid_unit_group')
  t.same(
    bad.json().errors.map((error: { pointer: string; code: string }) => [error.pointer, error.code]),
    [
      ['/nameVi', 'required'],
      ['/wardCodes/0', 'not_a_ward'],
      ['/wardCodes/1', 'unknown_unit'],
      ['/wardCodes/3', 'duplicate'],
    ],
  )
  t.equal((await app.inject({ url: '/v1/unit-groups/NEW', headers: admin.headers })).statusCode, 404)
})

t.test('only an administrator whose jurisdiction covers every ward of the group may define it', async (t) => {
  const outside = await put(wardAdmin.headers, definition, 'WIDE')
  t.equal(outside.statusCode, 403)
  t.equal(outside.json().code, 'unit_out_of_scope')
  t.equal((await put(wardAdmin.headers, { nameVi: 'Một phường', wardCodes: ['00328-2025'] }, 'OWN')).statusCode, 200)
  const takeOver = await put(
    { ...wardAdmin.headers, 'if-match': '"2"' },
    { nameVi: 'Chiếm', wardCodes: ['00328-2025'] },
  )
  t.equal(takeOver.statusCode, 403, 'nor correct a group whose wards it does not cover')
  t.equal((await put(wardOfficer.headers, definition, 'MINE')).statusCode, 403, 'an officer cannot')
})

t.test('figures for the group: its wards, and rows for what is filed at their predecessors, add up', async (t) => {
  const response = await app.inject({
    url: `/v1/indicators/values?year=2026&unit=${code}`,
    headers: cityOfficer.headers,
  })
  t.equal(response.statusCode, 200)
  const table = response.json()
  t.match(table.unit, { code, level: 'ward_group' })
  t.same(
    table.wards.filter((ward: { offMap?: string }) => !ward.offMap).map((ward: { code: string }) => ward.code),
    newWards,
  )
  const children = table.indicators.find((indicator: { code: string }) => indicator.code === 'CHILDREN_BY_AGE_SEX')
  const total = children.values.at(-1)
  t.equal(total.unitCode, code)
  t.ok(total.numerator >= 1)
  t.equal(
    children.values.slice(0, -1).reduce((sum: number, figure: { numerator: number }) => sum + figure.numerator, 0),
    total.numerator,
  )
  const city = await app.inject({ url: '/v1/indicators/values?year=2026&unit=01', headers: cityOfficer.headers })
  const cityTotal = city
    .json()
    .indicators.find((indicator: { code: string }) => indicator.code === 'CHILDREN_BY_AGE_SEX')
    .values.at(-1)
  t.equal(cityTotal.numerator, total.numerator, 'the group holds every ward of the city in this world')
  const narrow = await app.inject({ url: `/v1/indicators/values?year=2026&unit=${code}`, headers: wardOfficer.headers })
  t.equal(narrow.statusCode, 403, 'a ward officer does not read the group')
  const empty = await app.inject({ url: `/v1/indicators/values?year=2024&unit=${code}`, headers: wardOfficer.headers })
  t.equal(empty.statusCode, 403, 'nor its empty table of a year before its wards existed')
})

t.test('consolidated reports are labelled by their unit: the city, a group of wards', async (t) => {
  const create = (unitCode: string) =>
    app.inject({
      method: 'POST',
      url: '/v1/reports',
      headers: cityOfficer.headers,
      payload: { periodCode: '2026-six_month', unitCode },
    })
  const group = await create(code)
  t.equal(group.statusCode, 201)
  t.equal(group.json().level, 'ward_group')
  t.same(
    group.json().snapshot.consolidation.map((ward: { unitCode: string }) => ward.unitCode),
    newWards,
    'it consolidates the reports its wards owe',
  )
  const city = await create('01')
  t.equal(city.statusCode, 201)
  t.equal(city.json().level, 'province', 'the city’s report is not a district’s')
  const mismatch = await app.inject({
    method: 'POST',
    url: '/v1/reports',
    headers: cityOfficer.headers,
    payload: { periodCode: '2026-nine_month', unitCode: '01', level: 'district' },
  })
  t.equal(mismatch.statusCode, 422)
  t.equal(mismatch.json().errors[0].code, 'level_mismatch')
  const visible = await app.inject({ url: `/v1/reports?unit=${code}`, headers: cityOfficer.headers })
  t.ok(visible.json().items.some((report: { unitCode: string }) => report.unitCode === code))
  const hidden = await app.inject({ url: '/v1/reports', headers: wardOfficer.headers })
  t.notOk(
    hidden.json().items.some((report: { unitCode: string }) => report.unitCode === code),
    'a ward officer does not see the group’s report',
  )

  const regrouped = await put({ ...admin.headers, 'if-match': '"2"' }, { ...definition, wardCodes: ['00328-2025'] })
  t.equal(regrouped.statusCode, 409, 'the wards of a group with reports stay as they were')
  t.equal(regrouped.json().code, 'unit_group_has_reports')
  const renamed = await put({ ...admin.headers, 'if-match': '"2"' }, { ...definition, nameEn: 'Former Hoàng Mai' })
  t.equal(renamed.statusCode, 200, 'its name may still be corrected')
  const kept = await app.inject({
    method: 'DELETE',
    url: `/v1/unit-groups/${code}`,
    headers: { ...admin.headers, 'if-match': '"3"' },
  })
  t.equal(kept.statusCode, 409, 'a group with reports is kept for them')
  t.equal(kept.json().code, 'unit_group_has_reports')
  const gone = await app.inject({
    method: 'DELETE',
    url: '/v1/unit-groups/OWN',
    headers: { ...admin.headers, 'if-match': '"1"' },
  })
  t.equal(gone.statusCode, 204)
})

t.test('an administrator of one ward manages its units only: not a neighbour’s, nor the city', async (t) => {
  const neighbour = '00301-2025'
  const category = await app.inject({
    method: 'POST',
    url: `/v1/units/${neighbour}/categories`,
    headers: wardAdmin.headers,
    payload: { category: 'commune', validFrom: '2026-06-01' },
  })
  t.equal(category.statusCode, 403, 'no category for a neighbour')
  t.equal(category.json().code, 'unit_out_of_scope')
  const { etag } = (await app.inject({ url: `/v1/units/${neighbour}`, headers: wardAdmin.headers })).headers
  const renamed = await app.inject({
    method: 'PATCH',
    url: `/v1/units/${neighbour}`,
    headers: { ...wardAdmin.headers, 'if-match': String(etag) },
    payload: { nameVi: 'Đổi tên' },
  })
  t.equal(renamed.statusCode, 403, 'no correction of a neighbour')
  const addGroup = (parentCode: string, code: string) =>
    app.inject({
      method: 'POST',
      url: '/v1/units',
      headers: wardAdmin.headers,
      payload: { code, nameVi: 'Tổ dân phố thử', level: 'residential_group', parentCode, validFrom: '2026-01-01' },
    })
  t.equal((await addGroup(neighbour, `${neighbour}-T99`)).statusCode, 403, 'no group under a neighbour')
  t.equal((await addGroup('00328-2025', '00328-2025-T99')).statusCode, 201, 'a group under its own ward')
  t.equal((await addGroup('00328-2025', code)).statusCode, 409, 'not under the code of a group of wards')
  const shared = await app.inject({
    method: 'PATCH',
    url: '/v1/units/00328',
    headers: {
      ...wardAdmin.headers,
      'if-match': String((await app.inject({ url: '/v1/units/00328', headers: wardAdmin.headers })).headers.etag),
    },
    payload: { validTo: null },
  })
  t.equal(shared.statusCode, 403, 'nor an abolished ward it shares with the other wards that succeeded it')
  const own = await app.inject({
    method: 'POST',
    url: '/v1/units/00328-2025/categories',
    headers: wardAdmin.headers,
    payload: { category: 'urban_ward_central_city', validFrom: '2026-06-01' },
  })
  t.equal(own.statusCode, 201, 'its own ward’s category')
  const unchanged = await app.inject({ url: `/v1/units/${neighbour}/categories`, headers: admin.headers })
  t.equal(unchanged.json().items.length, 1, 'the neighbour’s history is untouched')
})
