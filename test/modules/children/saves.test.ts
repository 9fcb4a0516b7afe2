import t from 'tap'
import { createTestApp } from '../../support/app.js'
import { accountFor, wardA } from '../../support/auth.js'
import { registerChild } from '../../support/registry.js'

const now = '2024-06-15T03:00:00Z' // 10:00 in Hanoi

t.test('one shape of a membership, and saves that change nothing', async (t) => {
  const ctx = await createTestApp(t, { now })
  const { app } = ctx
  const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const get = (url: string) => app.inject({ url, headers: officer.headers })
  const patch = (url: string, etag: string, payload: object) =>
    app.inject({ method: 'PATCH', url, headers: { ...officer.headers, 'if-match': etag }, payload })
  const historyOf = async (id: string) => (await get(`/v1/children/${id}/history`)).json().items as unknown[]

  const child = await registerChild(ctx, officer, {
    fullName: 'Vũ Thị Hoa',
    sex: 'female',
    dateOfBirth: '2017-09-09',
    schoolingStatus: 'primary',
    address: { wardCode: wardA, streetAddress: 'Ngõ 5' },
  })
  const url = `/v1/children/${child.id}`

  t.test('a membership starting in the future is not active: on creation, on a change, on the record', async (t) => {
    const created = await app.inject({
      method: 'POST',
      url: `${url}/circumstances`,
      headers: officer.headers,
      payload: { kind: 'group', groupCode: 'a', startDate: '2099-01-01' },
    })
    t.equal(created.statusCode, 201)
    t.equal(created.json().active, false, 'the creation response')
    const record = (await get(url)).json()
    const stored = record.circumstances.find((c: { id: string }) => c.id === created.json().id)
    t.equal(stored.active, false, 'the child read back')
    t.same(stored, created.json(), 'the same shape, the same values')
    const changed = await patch(`${url}/circumstances/${created.json().id}`, created.headers.etag as string, {
      note: 'planned placement',
    })
    t.equal(changed.statusCode, 200)
    t.equal(changed.json().active, false, 'the change response')
    const current = await app.inject({
      method: 'POST',
      url: `${url}/circumstances`,
      headers: officer.headers,
      payload: { kind: 'risk', risk: 'alone at night', startDate: '2024-01-01' },
    })
    t.equal(current.json().active, true, 'a membership in effect today is active')
  })

  t.test('PATCH of a child with the values it has: 200, the record as it is, no new version or revision', async (t) => {
    const before = await get(url)
    const revisions = (await historyOf(child.id)).length
    const same = await patch(url, before.headers.etag as string, {
      fullName: 'Vũ Thị Hoa',
      sex: 'female',
      dateOfBirth: '2017-09-09',
      schoolingStatus: 'primary',
      address: { wardCode: wardA, streetAddress: 'Ngõ 5' },
      reason: 'checked against the birth certificate',
    })
    t.equal(same.statusCode, 200)
    t.equal(same.headers.etag, before.headers.etag, 'the same ETag')
    const { warnings, ...record } = same.json()
    t.same(warnings, [])
    t.same(record, before.json(), 'the current representation, updatedAt and version included')
    t.equal((await historyOf(child.id)).length, revisions, 'no revision')
    t.equal((await get(url)).json().version, before.json().version, 'the version did not move')

    const stale = await patch(url, `"${before.json().version + 5}"`, { fullName: 'Vũ Thị Hoa' })
    t.equal(stale.statusCode, 412, 'a stale If-Match is refused, change or not')

    const changed = await patch(url, before.headers.etag as string, { schoolingStatus: 'lower_secondary' })
    t.equal(changed.statusCode, 200, 'the ETag still names the current version')
    t.equal(changed.json().version, before.json().version + 1)
    t.equal((await historyOf(child.id)).length, revisions + 1, 'a real change is a revision')
  })

  t.test('PATCH of a membership or a care record with the values it has writes nothing', async (t) => {
    const membership = await app.inject({
      method: 'POST',
      url: `${url}/circumstances`,
      headers: officer.headers,
      payload: { kind: 'group', groupCode: 'c', startDate: '2024-01-01', note: 'since January' },
    })
    const care = await app.inject({
      method: 'POST',
      url: `${url}/care`,
      headers: officer.headers,
      payload: { kind: 'allowance', provider: 'UBND phường', startDate: '2024-01-01', amountVnd: 540000 },
    })
    const revisions = (await historyOf(child.id)).length
    const sameMembership = await patch(`${url}/circumstances/${membership.json().id}`, '"1"', {
      note: 'since January',
      endDate: null,
    })
    t.equal(sameMembership.statusCode, 200)
    t.same(sameMembership.json(), membership.json(), 'the membership as it is')
    t.equal(sameMembership.headers.etag, '"1"')
    const sameCare = await patch(`${url}/care/${care.json().id}`, '"1"', { amountVnd: 540000, provider: 'UBND phường' })
    t.equal(sameCare.statusCode, 200)
    t.same(sameCare.json(), care.json(), 'the care record as it is')
    t.equal(sameCare.headers.etag, '"1"')
    t.equal((await historyOf(child.id)).length, revisions, 'no revision')
    t.equal((await patch(`${url}/care/${care.json().id}`, '"2"', { amountVnd: 540000 })).statusCode, 412)

    const ended = await patch(`${url}/care/${care.json().id}`, '"1"', { amountVnd: 540000, endDate: '2024-05-31' })
    t.equal(ended.statusCode, 200)
    t.equal(ended.json().version, 2)
    const history = await historyOf(child.id)
    t.equal(history.length, revisions + 1)
    t.match(history.at(-1), {
      action: 'care.update',
      changes: [{ field: 'care.endDate', from: null, to: '2024-05-31' }],
    })
    t.equal((history.at(-1) as { changes: unknown[] }).changes.length, 1, 'only what changed is listed')
  })
})
