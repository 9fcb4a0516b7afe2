import t from 'tap'
import { createTestApp } from '../../support/app.js'
import { accountFor, province, wardA } from '../../support/auth.js'
import { addResidentialGroup, registerChild } from '../../support/registry.js'

t.test('sensitive fields are omitted, not nulled, for callers without registry:sensitive', async (t) => {
  const ctx = await createTestApp(t, { now: '2024-06-15T03:00:00Z' })
  const { app } = ctx
  const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
  const group = `${wardA}-TDP07`
  const createdGroup = await addResidentialGroup(ctx, admin, { code: group, nameVi: 'Tổ dân phố 7', parentCode: wardA })
  t.equal(createdGroup.statusCode, 201)
  const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const collaborator = await accountFor(ctx, { role: 'collaborator', units: [group] })
  const viewer = await accountFor(ctx, { role: 'agency_viewer', units: [wardA] })
  const grantedViewer = await accountFor(ctx, { role: 'agency_viewer', units: [wardA], grants: ['registry:sensitive'] })

  const child = await registerChild(ctx, officer, {
    fullName: 'Hoàng Thị Lan',
    dateOfBirth: '2015-04-04',
    healthNote: 'on antiretroviral treatment',
    disabilityNote: 'hearing loss',
    hasDisability: true,
    ethnicityCode: '03',
    address: { wardCode: wardA, residentialGroupCode: group },
  })
  for (const [groupCode, startDate] of [
    ['đ', '2022-01-01'],
    ['l', '2024-03-01'],
    ['d', '2021-01-01'],
    ['a', '2021-01-01'],
  ] as const) {
    const added = await app.inject({
      method: 'POST',
      url: `/v1/children/${child.id}/circumstances`,
      headers: officer.headers,
      payload: { kind: 'group', groupCode, startDate },
    })
    t.equal(added.statusCode, 201, `group ${groupCode}`)
  }
  // The agency viewer reads only children whose guardian, and the child from 7, consented to sharing.
  for (const party of [{ party: 'guardian', relationship: 'mother' }, { party: 'child' }]) {
    const consent = await app.inject({
      method: 'POST',
      url: `/v1/children/${child.id}/consents`,
      headers: officer.headers,
      payload: { purpose: 'information_sharing', method: 'written', givenOn: '2024-06-01', ...party },
    })
    t.equal(consent.statusCode, 201)
  }
  await app.inject({
    method: 'POST',
    url: `/v1/children/${child.id}/care`,
    headers: officer.headers,
    payload: { kind: 'medical', startDate: '2024-01-01', note: 'monthly clinic visit' },
  })
  const current = await app.inject({ url: `/v1/children/${child.id}`, headers: officer.headers })
  await app.inject({
    method: 'PATCH',
    url: `/v1/children/${child.id}`,
    headers: { ...officer.headers, 'if-match': current.headers.etag as string },
    payload: { healthNote: 'treatment changed' },
  })

  t.test('the officer with the permission sees everything', async (t) => {
    const record = (await app.inject({ url: `/v1/children/${child.id}`, headers: officer.headers })).json()
    t.equal(record.healthNote, 'treatment changed')
    t.same(record.circumstances.map((c: { groupCode: string }) => c.groupCode).sort(), ['a', 'd', 'l', 'đ'])
    t.equal(record.care[0].note, 'monthly clinic visit')
    t.equal(record.ethnicityCode, '03')
    t.equal(record.hasDisability, true)
  })

  for (const [name, account] of [
    ['a collaborator', collaborator],
    ['an agency viewer', viewer],
  ] as const) {
    t.test(`${name}: item, list, search, history and export`, async (t) => {
      const record = await app.inject({ url: `/v1/children/${child.id}`, headers: account.headers })
      t.equal(record.statusCode, 200)
      const body = record.json()
      t.notOk('healthNote' in body, 'healthNote is absent, not null')
      t.notOk('disabilityNote' in body)
      t.notOk('ethnicityCode' in body, 'ethnic origin is sensitive personal data')
      t.notOk('hasDisability' in body, 'so is disability')
      t.equal(body.fullName, 'Hoàng Thị Lan', 'the rest of the record stays')
      t.same(
        body.circumstances.map((c: { groupCode: string }) => c.groupCode),
        ['a'],
        'disability, HIV and abuse memberships are absent',
      )
      t.notOk('note' in body.care[0])
      t.notMatch(record.body, /antiretroviral|hearing loss|clinic|treatment changed/)
      const list = await app.inject({ url: '/v1/children', headers: account.headers })
      t.same(list.json().items[0].groupCodes, ['a'])
      const search = await app.inject({ url: '/v1/children?q=hoang thi lan', headers: account.headers })
      t.same(search.json().items[0].groupCodes, ['a'])
      for (const group of ['dd', 'd', 'n']) {
        const byGroup = await app.inject({ url: `/v1/children?group=${group}`, headers: account.headers })
        t.equal(byGroup.statusCode, 403, `filtering by the sensitive group ${group} is refused`)
        t.equal(byGroup.json().code, 'sensitive_filter_forbidden')
      }
      const history = (await app.inject({ url: `/v1/children/${child.id}/history`, headers: account.headers })).json()
      t.notMatch(JSON.stringify(history), /antiretroviral|hearing loss|treatment changed|"03"/)
      t.notOk(
        history.items.some((r: { action: string; changes: { to: { groupCode?: string } }[] }) =>
          r.changes.some((c) => c.to?.groupCode === 'l' || c.to?.groupCode === 'đ'),
        ),
      )
      t.notOk(
        history.items.some((r: { action: string }) => r.action === 'update'),
        'an update of sensitive fields only is left out whole',
      )
      const created = history.items.find((r: { action: string }) => r.action === 'create')
      t.ok(created, 'the creation is listed')
      t.notOk(
        created.changes.some((c: { field: string }) =>
          ['ethnicityCode', 'hasDisability', 'healthNote', 'disabilityNote'].includes(c.field),
        ),
        'without its sensitive values',
      )
      t.ok(created.changes.some((c: { field: string }) => c.field === 'fullName'))
    })
  }

  t.test('exports drop sensitive columns and memberships', async (t) => {
    const officerExport = await app.inject({ url: '/v1/children/export?format=csv', headers: officer.headers })
    t.match(officerExport.body, /Ghi chú sức khỏe/)
    t.match(officerExport.body, /treatment changed/)
    t.match(officerExport.body, /Mã dân tộc/)
    const header = officerExport.body.split('\n')[0]!
    t.match(header, /Khuyết tật/)
    const collaboratorExport = await app.inject({
      url: '/v1/children/export?format=csv',
      headers: collaborator.headers,
    })
    t.equal(collaboratorExport.statusCode, 403, 'collaborators do not export')
    const viewerExport = await app.inject({ url: '/v1/children/export?format=csv', headers: viewer.headers })
    t.equal(viewerExport.statusCode, 403, 'agency viewers do not export')
  })

  t.test('an agency viewer granted sensitive access sees it', async (t) => {
    const record = (await app.inject({ url: `/v1/children/${child.id}`, headers: grantedViewer.headers })).json()
    t.equal(record.healthNote, 'treatment changed')
    t.same(record.circumstances.map((c: { groupCode: string }) => c.groupCode).sort(), ['a', 'd', 'l', 'đ'])
    t.equal(record.ethnicityCode, '03')
  })

  t.test('writing sensitive data needs the permission too', async (t) => {
    for (const field of [{ healthNote: 'x' }, { ethnicityCode: '01' }, { hasDisability: true }]) {
      const refused = await app.inject({
        method: 'POST',
        url: '/v1/children',
        headers: collaborator.headers,
        payload: {
          fullName: 'X',
          sex: 'male',
          dateOfBirth: '2019-01-01',
          ...field,
          address: { wardCode: wardA, residentialGroupCode: group },
        },
      })
      t.equal(refused.statusCode, 403, Object.keys(field).join())
      t.equal(refused.json().code, 'sensitive_field_forbidden')
      t.same(refused.json().fields, Object.keys(field))
    }
    const current = await app.inject({ url: `/v1/children/${child.id}`, headers: officer.headers })
    const cleared = await app.inject({
      method: 'PATCH',
      url: `/v1/children/${child.id}`,
      headers: { ...collaborator.headers, 'if-match': current.headers.etag as string },
      payload: { ethnicityCode: null },
    })
    t.equal(cleared.statusCode, 403, 'clearing a value one cannot see is a write too')
    t.equal(
      (await app.inject({ url: `/v1/children/${child.id}`, headers: officer.headers })).json().ethnicityCode,
      '03',
    )
    const disability = await app.inject({
      method: 'POST',
      url: `/v1/children/${child.id}/circumstances`,
      headers: collaborator.headers,
      payload: { kind: 'group', groupCode: 'd', startDate: '2024-01-01' },
    })
    t.equal(disability.statusCode, 403, 'disability is health data')
    const membership = await app.inject({
      method: 'POST',
      url: `/v1/children/${child.id}/circumstances`,
      headers: collaborator.headers,
      payload: { kind: 'group', groupCode: 'm', startDate: '2024-01-01' },
    })
    t.equal(membership.statusCode, 403)
    const plain = await app.inject({
      method: 'POST',
      url: `/v1/children/${child.id}/circumstances`,
      headers: collaborator.headers,
      payload: { kind: 'group', groupCode: 'c', startDate: '2024-01-01' },
    })
    t.equal(plain.statusCode, 201, 'a non-sensitive group is fine')
    const outsideGroup = await app.inject({
      method: 'POST',
      url: '/v1/children',
      headers: collaborator.headers,
      payload: { fullName: 'Y', sex: 'male', dateOfBirth: '2019-01-01', address: { wardCode: wardA } },
    })
    t.equal(outsideGroup.statusCode, 422, 'a collaborator registers only in their residential group')
    t.equal(outsideGroup.json().errors[0].code, 'unit_out_of_scope')
  })
})
