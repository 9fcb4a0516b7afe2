import { readFileSync } from 'node:fs'
import t from 'tap'
import { createTestApp } from '../../support/app.js'
import { accountFor, province, wardA, wardB, type TestAccount } from '../../support/auth.js'
import { asTableOwner } from '../../support/owner.js'
import { registerChild } from '../../support/registry.js'

t.test('consents: recorded, withdrawn, and enforced for readers without the duty', async (t) => {
  const ctx = await createTestApp(t, { now: '2024-06-15T03:00:00Z' })
  const { app } = ctx
  const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const otherOfficer = await accountFor(ctx, { role: 'ward_officer', units: [wardB] })
  const viewer = await accountFor(ctx, { role: 'agency_viewer', units: [wardA] })
  const auditor = await accountFor(ctx, { role: 'auditor', units: [province] })

  const household = await app.inject({
    method: 'POST',
    url: '/v1/households',
    headers: officer.headers,
    payload: {
      headName: 'Phạm Văn Khải',
      address: { wardCode: wardA },
      members: [
        { fullName: 'Phạm Văn Khải', birthYear: 1985, sex: 'male', relationship: 'head' },
        { fullName: 'Phạm Thị Nhỏ', birthYear: 2020, sex: 'female', relationship: 'child' },
        { fullName: 'Phạm Văn Út', birthYear: null, sex: 'male', relationship: 'child' },
      ],
    },
  })
  t.equal(household.statusCode, 201)
  const householdId = household.json().id as string
  const young = await registerChild(ctx, officer, {
    fullName: 'Phạm Thị Nhỏ',
    dateOfBirth: '2020-01-01',
    householdId,
    address: { wardCode: wardA },
  })
  const older = await registerChild(ctx, officer, {
    fullName: 'Phạm Văn Lớn',
    sex: 'male',
    dateOfBirth: '2012-01-01',
    householdId,
    address: { wardCode: wardA },
  })
  const unconsented = await registerChild(ctx, officer, {
    fullName: 'Đỗ Thị Riêng',
    dateOfBirth: '2018-03-03',
    address: { wardCode: wardA },
  })

  const consent = (account: TestAccount, childId: string, payload: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: `/v1/children/${childId}/consents`, headers: account.headers, payload })
  const sharing = { purpose: 'information_sharing', method: 'written', givenOn: '2024-06-01' }
  const viewerSees = async () => {
    const list = await app.inject({ url: '/v1/children', headers: viewer.headers })
    t.equal(list.statusCode, 200)
    return list
      .json()
      .items.map((c: { fullName: string }) => c.fullName)
      .sort()
  }

  t.test('before any consent, a partner agency sees nobody', async (t) => {
    t.same(await viewerSees(), [])
    const read = await app.inject({ url: `/v1/children/${young.id}`, headers: viewer.headers })
    t.equal(read.statusCode, 403)
    t.same(
      Object.keys(read.json()).filter((key) => ['consentStatus', 'missing'].includes(key)),
      [],
      'which consent is missing is not told: it would say how old the child is',
    )
    t.match(read.json(), { code: 'consent_required', purpose: 'information_sharing' })
    t.notMatch(read.body, /Phạm/, 'nothing of the record')
    const byName = await app.inject({ url: '/v1/children?q=pham thi nho', headers: viewer.headers })
    t.same(byName.json().items, [], 'nor found by name')
    const history = await app.inject({ url: `/v1/children/${young.id}/history`, headers: viewer.headers })
    t.equal(history.statusCode, 403)
    const consents = await app.inject({ url: `/v1/children/${young.id}/consents`, headers: viewer.headers })
    t.equal(consents.statusCode, 403)
    const home = await app.inject({ url: `/v1/households/${householdId}`, headers: viewer.headers })
    t.same(home.json().children, [], "the household's children are left out too")
    t.same(
      home.json().members.map((m: { fullName: string }) => m.fullName),
      ['Phạm Văn Khải'],
      'and of its book, the members known to be adults only',
    )
    const households = await app.inject({ url: '/v1/households', headers: viewer.headers })
    t.notMatch(households.body, /Nhỏ|Út/, 'in the list as well')
    const officerHome = await app.inject({ url: `/v1/households/${householdId}`, headers: officer.headers })
    t.equal(officerHome.json().members.length, 3, 'officers see the whole book')
    const duplicates = await app.inject({ url: '/v1/children/duplicates', headers: viewer.headers })
    t.equal(duplicates.statusCode, 403, 'the likely duplicates are registry upkeep')
    t.equal(duplicates.json().requiredPermission, 'registry:statutory')
  })

  t.test('bad consents get their problem and change nothing', async (t) => {
    const cases: [string, string, Record<string, unknown>, number, string][] = [
      ['a child of 4', young.id, { ...sharing, party: 'child' }, 422, 'child_too_young_to_consent'],
      ['a guardian unnamed', young.id, { ...sharing, party: 'guardian' }, 422, 'relationship_required'],
      [
        'a day to come',
        young.id,
        { ...sharing, party: 'guardian', relationship: 'mother', givenOn: '2024-06-16' },
        422,
        'date_in_future',
      ],
      [
        'before the birth',
        young.id,
        { ...sharing, party: 'guardian', relationship: 'mother', givenOn: '2019-12-31' },
        422,
        'before_birth',
      ],
      [
        'an unknown purpose',
        young.id,
        { ...sharing, purpose: 'marketing', party: 'guardian' },
        400,
        'validation_failed',
      ],
    ]
    for (const [name, childId, payload, status, code] of cases) {
      const response = await consent(officer, childId, payload)
      t.equal(response.statusCode, status, name)
      const problem = response.json<{ code: string; errors?: { code: string }[] }>()
      t.ok(problem.code === code || problem.errors?.some((error) => error.code === code), `${name}: ${code}`)
    }
    const elsewhere = await consent(otherOfficer, young.id, { ...sharing, party: 'guardian', relationship: 'mother' })
    t.equal(elsewhere.statusCode, 404, "another ward's officer cannot")
    const byViewer = await consent(viewer, young.id, { ...sharing, party: 'guardian', relationship: 'mother' })
    t.equal(byViewer.statusCode, 403, 'a viewer records nothing')
    const listed = await app.inject({ url: `/v1/children/${young.id}/consents`, headers: officer.headers })
    t.same(listed.json().items, [])
  })

  t.test("the guardian's consent opens a young child's record; an older child's needs theirs too", async (t) => {
    const mother = await consent(officer, young.id, { ...sharing, party: 'guardian', relationship: 'mother' })
    t.equal(mother.statusCode, 201)
    t.match(mother.json(), { party: 'guardian', relationship: 'mother', inForceToday: true, version: 1 })
    t.match(mother.headers.location, `/v1/children/${young.id}/consents/${mother.json().id}`)
    const father = await consent(officer, older.id, { ...sharing, party: 'guardian', relationship: 'father' })
    t.equal(father.statusCode, 201)
    t.same(await viewerSees(), ['Phạm Thị Nhỏ'])
    const refused = await app.inject({ url: `/v1/children/${older.id}`, headers: viewer.headers })
    t.match(refused.json(), { code: 'consent_required' })
    const own = await consent(officer, older.id, { ...sharing, party: 'child', givenOn: '2024-06-10' })
    t.equal(own.statusCode, 201)
    t.same(await viewerSees(), ['Phạm Thị Nhỏ', 'Phạm Văn Lớn'])
    const closed = await app.inject({ url: `/v1/children/${unconsented.id}`, headers: viewer.headers })
    t.equal(closed.statusCode, 403, 'a child without consent stays closed')
    const read = await app.inject({ url: `/v1/children/${older.id}`, headers: viewer.headers })
    t.equal(read.statusCode, 200)
    t.equal(read.json().fullName, 'Phạm Văn Lớn')
    const history = await app.inject({ url: `/v1/children/${older.id}/history`, headers: viewer.headers })
    t.equal(history.statusCode, 200)
    t.ok(history.json().items.some((r: { action: string }) => r.action === 'consent.add'))
    const home = await app.inject({ url: `/v1/households/${householdId}`, headers: viewer.headers })
    t.same(
      home
        .json()
        .children.map((c: { fullName: string }) => c.fullName)
        .sort(),
      ['Phạm Thị Nhỏ', 'Phạm Văn Lớn'],
    )
    const standing = await app.inject({ url: `/v1/children/${older.id}/consents`, headers: officer.headers })
    t.equal(standing.statusCode, 200)
    t.same(standing.json().standing, [
      { purpose: 'information_sharing', status: 'given', missing: [] },
      { purpose: 'sensitive_data', status: 'missing', missing: ['guardian', 'child'] },
    ])
    t.same(await officerSees(), ['Phạm Thị Nhỏ', 'Phạm Văn Lớn', 'Đỗ Thị Riêng'].sort(), 'officers need no consent')
  })

  async function officerSees() {
    const list = await app.inject({ url: '/v1/children', headers: officer.headers })
    return list
      .json()
      .items.map((c: { fullName: string }) => c.fullName)
      .sort()
  }

  t.test('a withdrawal closes the record again, and stands', async (t) => {
    const listed = (await app.inject({ url: `/v1/children/${older.id}/consents`, headers: officer.headers })).json()
    const own = listed.items.find((c: { party: string }) => c.party === 'child')
    const path = `/v1/children/${older.id}/consents/${own.id}`
    const withdraw = (withdrawnOn: string, version?: number, url = path) =>
      app.inject({
        method: 'PATCH',
        url,
        headers: version === undefined ? officer.headers : { ...officer.headers, 'if-match': `"${version}"` },
        payload: { withdrawnOn },
      })
    t.equal((await withdraw('2024-06-15')).statusCode, 428)
    t.equal((await withdraw('2024-06-15', 7)).statusCode, 412)
    const early = await withdraw('2024-06-09', 1)
    t.equal(early.statusCode, 422)
    t.equal(early.json().errors[0].code, 'before_consent')
    const withdrawn = await withdraw('2024-06-15', 1)
    t.equal(withdrawn.statusCode, 200)
    t.match(withdrawn.json(), { withdrawnOn: '2024-06-15', inForceToday: false, version: 2 })
    const again = await withdraw('2024-06-15', 2)
    t.equal(again.statusCode, 409)
    t.equal(again.json().code, 'consent_already_withdrawn')
    const unknown = await withdraw('2024-06-15', 1, `/v1/children/${older.id}/consents/${young.id}`)
    t.equal(unknown.statusCode, 404)
    const fromElsewhere = await app.inject({
      method: 'PATCH',
      url: path,
      headers: { ...otherOfficer.headers, 'if-match': '"2"' },
      payload: { withdrawnOn: '2024-06-15' },
    })
    t.equal(fromElsewhere.statusCode, 404, "another ward's officer cannot touch it")
    t.same(await viewerSees(), ['Phạm Thị Nhỏ'])
    const refused = await app.inject({ url: `/v1/children/${older.id}`, headers: viewer.headers })
    t.match(refused.json(), { code: 'consent_required' })
    const backdated = await app.inject({ url: '/v1/children?asOf=2024-06-12', headers: viewer.headers })
    t.same(
      backdated.json().items.map((c: { fullName: string }) => c.fullName),
      ['Phạm Thị Nhỏ'],
      'a list as of an earlier day still applies the consents in force today',
    )
  })

  t.test('every refusal and every consent is audited, without personal values', async (t) => {
    const denied = await app.inject({ url: '/v1/audit-events?resourceType=child&limit=200', headers: auditor.headers })
    t.equal(denied.statusCode, 200)
    const actions = denied
      .json()
      .items.filter((e: { outcome: string }) => e.outcome === 'denied')
      .map((e: { action: string; details: { reason: string } }) => `${e.action}:${e.details.reason}`)
    t.ok(actions.includes('child.read:consent_required'))
    t.ok(
      denied
        .json()
        .items.some(
          (e: { details: { consentStatus?: string; missing?: string[] } }) =>
            e.details.consentStatus === 'withdrawn' && e.details.missing?.join() === 'child',
        ),
      'the audit keeps why',
    )
    t.ok(actions.includes('child.history:consent_required'))
    t.ok(actions.includes('child.consents:consent_required'))
    const added = await app.inject({ url: '/v1/audit-events?action=child.consent.add', headers: auditor.headers })
    t.equal(added.json().items.length, 3)
    const withdrawn = await app.inject({
      url: '/v1/audit-events?action=child.consent.withdraw',
      headers: auditor.headers,
    })
    t.equal(withdrawn.json().items.length, 1)
    t.notMatch(JSON.stringify([denied.json(), added.json()]), /Phạm|Đỗ/)
  })

  t.test('sensitive values written without consent to process them are flagged, not refused', async (t) => {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/children',
      headers: officer.headers,
      payload: {
        fullName: 'Vũ Thị Mai',
        sex: 'female',
        dateOfBirth: '2021-02-02',
        ethnicityCode: '03',
        address: { wardCode: wardA },
      },
    })
    t.equal(created.statusCode, 201)
    const child = created.json()
    t.same(
      child.warnings
        .filter((w: { code: string }) => w.code === 'sensitive_data_without_consent')
        .map((w: { field: string }) => w.field),
      ['ethnicityCode'],
    )
    const given = await consent(officer, child.id, {
      purpose: 'sensitive_data',
      party: 'guardian',
      relationship: 'mother',
      method: 'written',
      givenOn: '2024-06-15',
    })
    t.equal(given.statusCode, 201)
    const changed = await app.inject({
      method: 'PATCH',
      url: `/v1/children/${child.id}`,
      headers: { ...officer.headers, 'if-match': '"1"' },
      payload: { ethnicityCode: '04', healthNote: 'asthma' },
    })
    t.equal(changed.statusCode, 200)
    t.same(changed.json().warnings, [], 'with the consent in force nothing is flagged')
    const part = async (childId: string, path: string, payload: Record<string, unknown>) => {
      const response = await app.inject({
        method: 'POST',
        url: `/v1/children/${childId}/${path}`,
        headers: officer.headers,
        payload,
      })
      t.equal(response.statusCode, 201, path)
      return (response.json().warnings ?? []).map((w: { code: string; field: string }) => `${w.code}:${w.field}`)
    }
    const illness = { kind: 'group', groupCode: 'n', startDate: '2024-01-01' }
    const note = { kind: 'medical', startDate: '2024-01-01', note: 'monthly check-up' }
    t.same(await part(unconsented.id, 'circumstances', illness), ['sensitive_data_without_consent:groupCode'])
    t.same(await part(unconsented.id, 'care', note), ['sensitive_data_without_consent:note'])
    t.same(await part(unconsented.id, 'circumstances', { ...illness, groupCode: 'a' }), [], 'group a is not sensitive')
    t.same(await part(child.id, 'circumstances', illness), [], 'with the consent in force')
    t.same(await part(child.id, 'care', note), [])
    const plain = await registerChild(ctx, officer, { fullName: 'Vũ Văn Bình', address: { wardCode: wardA } })
    t.notOk(
      (plain.warnings as { code: string }[]).some((w) => w.code === 'sensitive_data_without_consent'),
      'a record without sensitive values is not flagged',
    )
  })

  t.test('a child known by birth year alone is taken at their oldest for the age of 7', async (t) => {
    const byYear = await registerChild(ctx, officer, {
      fullName: 'Lê Văn Năm',
      sex: 'male',
      dateOfBirth: null,
      birthYear: 2017,
      address: { wardCode: wardA },
    })
    const guardian = await consent(officer, byYear.id, { ...sharing, party: 'guardian', relationship: 'father' })
    t.equal(guardian.statusCode, 201)
    const read = () => app.inject({ url: `/v1/children/${byYear.id}`, headers: viewer.headers })
    t.equal((await read()).statusCode, 403, 'possibly 7 already: his own consent is needed too')
    t.notOk((await viewerSees()).includes('Lê Văn Năm'), 'in lists as in the record')
    const own = await consent(officer, byYear.id, { ...sharing, party: 'child' })
    t.equal(own.statusCode, 201, 'and he may give it')
    t.equal((await read()).statusCode, 200)
    t.ok((await viewerSees()).includes('Lê Văn Năm'))
  })

  t.test('memberships of d and n recorded before they were sensitive are flagged by migration 0030', async (t) => {
    const migration = readFileSync(new URL('../../../migrations/0030_child_consents.sql', import.meta.url), 'utf8')
    const reflag = migration.split('--> statement-breakpoint').at(-1)!
    t.match(reflag, /UPDATE child_revisions SET sensitive = true/)
    const before = await registerChild(ctx, officer, { fullName: 'Ngô Văn Cũ', address: { wardCode: wardA } })
    const recordedBefore = (groupCode: string) =>
      `insert into child_revisions (child_id, province_code, ward_code, version, action, changes, sensitive, changed_at)
       values ('${before.id}', '01', '${wardA}', 1, 'circumstance.add',
               '[{"field":"circumstance","from":null,"to":{"kind":"group","groupCode":"${groupCode}","startDate":"2023-01-01"}}]',
               false, now())`
    const flags = await asTableOwner(ctx.app.database, [
      recordedBefore('n'),
      recordedBefore('d'),
      recordedBefore('a'),
      reflag,
      `select changes -> 0 -> 'to' ->> 'groupCode' as "groupCode", sensitive from child_revisions
        where child_id = '${before.id}' and action = 'circumstance.add' order by 1`,
    ])
    t.same(flags, [
      { groupCode: 'a', sensitive: false },
      { groupCode: 'd', sensitive: true },
      { groupCode: 'n', sensitive: true },
    ])
  })

  t.test("a merged duplicate's consents go to the survivor", async (t) => {
    const duplicate = await registerChild(ctx, officer, {
      fullName: 'Phạm Thị Nhỏ',
      dateOfBirth: '2020-01-01',
      address: { wardCode: wardA },
    })
    const given = await consent(officer, duplicate.id, {
      ...sharing,
      purpose: 'sensitive_data',
      party: 'guardian',
      relationship: 'grandparent',
    })
    t.equal(given.statusCode, 201)
    const merged = await app.inject({
      method: 'POST',
      url: `/v1/children/${young.id}/merge`,
      headers: officer.headers,
      payload: { duplicateId: duplicate.id, duplicateVersion: duplicate.version, reason: 'registered twice' },
    })
    t.equal(merged.statusCode, 200)
    const listed = (await app.inject({ url: `/v1/children/${young.id}/consents`, headers: officer.headers })).json()
    t.same(listed.items.map((c: { relationship: string }) => c.relationship).sort(), ['grandparent', 'mother'])
  })
})
