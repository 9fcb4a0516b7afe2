import { sql } from 'drizzle-orm'
import { eq } from 'drizzle-orm'
import t from 'tap'
import { queryRows } from '../../src/db/client.js'
import { auditEvents } from '../../src/modules/audit/tables.js'
import { users } from '../../src/modules/users/tables.js'
import { inScope, systemScope } from '../../src/platform/scope.js'
import { createTestApp } from '../support/app.js'
import { accountFor, clientFor, province, wardA, wardB, type TestAccount } from '../support/auth.js'
import { addResidentialGroup, registerChild } from '../support/registry.js'

t.test('jurisdiction and permissions, role by role', async (t) => {
  const ctx = await createTestApp(t, { now: '2024-06-15T03:00:00Z' })
  const { app } = ctx
  const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
  const groupA = `${wardA}-TDP02`
  await addResidentialGroup(ctx, admin, { code: groupA, nameVi: 'Tổ 2', parentCode: wardA })
  const roles: Record<string, TestAccount> = {
    district_admin: admin,
    district_officer: await accountFor(ctx, { role: 'district_officer', units: [province] }),
    ward_officer_A: await accountFor(ctx, { role: 'ward_officer', units: [wardA] }),
    ward_officer_B: await accountFor(ctx, { role: 'ward_officer', units: [wardB] }),
    collaborator_A: await accountFor(ctx, { role: 'collaborator', units: [groupA] }),
    ward_chair_A: await accountFor(ctx, { role: 'ward_chair', units: [wardA] }),
    agency_viewer_A: await accountFor(ctx, { role: 'agency_viewer', units: [wardA] }),
    city_system: await clientFor(ctx, { role: 'city_system', units: [province] }),
    auditor: await accountFor(ctx, { role: 'auditor', units: [province] }),
  }
  const childA = await registerChild(ctx, roles.ward_officer_A!, {
    fullName: 'Vũ Thị Hạnh',
    dateOfBirth: '2016-02-02',
    address: { wardCode: wardA, residentialGroupCode: groupA },
  })
  const childB = await registerChild(ctx, roles.ward_officer_B!, {
    fullName: 'Đặng Văn Nam',
    dateOfBirth: '2017-03-03',
    address: { wardCode: wardB },
  })
  const household = await app.inject({
    method: 'POST',
    url: '/v1/households',
    headers: roles.ward_officer_A!.headers,
    payload: { headName: 'Vũ Văn Hải', address: { wardCode: wardA, residentialGroupCode: groupA } },
  })
  const householdA = household.json().id as string

  const currentEtag = async () =>
    (await app.inject({ url: `/v1/children/${childA.id}`, headers: admin.headers })).headers.etag as string
  type Operation = (account: TestAccount) => Promise<number>
  const operations: Record<string, Operation> = {
    'list children': async (a) => (await app.inject({ url: '/v1/children', headers: a.headers })).statusCode,
    'read a ward-A child': async (a) =>
      (await app.inject({ url: `/v1/children/${childA.id}`, headers: a.headers })).statusCode,
    'update a ward-A child': async (a) =>
      (
        await app.inject({
          method: 'PATCH',
          url: `/v1/children/${childA.id}`,
          headers: { ...a.headers, 'if-match': await currentEtag() },
          payload: { birthRegistered: true },
        })
      ).statusCode,
    'history of a ward-A child': async (a) =>
      (await app.inject({ url: `/v1/children/${childA.id}/history`, headers: a.headers })).statusCode,
    'read a ward-A household': async (a) =>
      (await app.inject({ url: `/v1/households/${householdA}`, headers: a.headers })).statusCode,
    'export children': async (a) =>
      (await app.inject({ url: '/v1/children/export?format=csv', headers: a.headers })).statusCode,
    'read units': async (a) => (await app.inject({ url: '/v1/units?limit=1', headers: a.headers })).statusCode,
    'list users': async (a) => (await app.inject({ url: '/v1/users', headers: a.headers })).statusCode,
    'read the audit log': async (a) =>
      (await app.inject({ url: '/v1/audit-events?limit=1', headers: a.headers })).statusCode,
  }
  // role → expected status per operation, in the order above
  const expected: Record<string, number[]> = {
    district_admin: [200, 200, 200, 200, 200, 200, 200, 200, 200],
    district_officer: [200, 200, 200, 200, 200, 200, 200, 403, 403],
    ward_officer_A: [200, 200, 200, 200, 200, 200, 200, 403, 403],
    ward_officer_B: [200, 404, 404, 404, 404, 200, 200, 403, 403],
    collaborator_A: [200, 200, 200, 200, 200, 403, 200, 403, 403],
    ward_chair_A: [200, 200, 403, 200, 200, 403, 200, 403, 403],
    // A partner agency reads a child only with the guardian's (and from 7 the child's) consent to sharing.
    agency_viewer_A: [200, 403, 403, 403, 200, 403, 200, 403, 403],
    city_system: [403, 403, 403, 403, 403, 403, 200, 403, 403],
    auditor: [403, 403, 403, 403, 403, 403, 403, 403, 200],
  }
  for (const [role, account] of Object.entries(roles)) {
    const statuses: number[] = []
    for (const operation of Object.values(operations)) statuses.push(await operation(account))
    t.same(statuses, expected[role], `${role}: ${Object.keys(operations).join(' / ')}`)
  }

  t.test('lists never include out-of-scope records', async (t) => {
    const listB = (await app.inject({ url: '/v1/children?limit=200', headers: roles.ward_officer_B!.headers }))
      .json()
      .items.map((c: { id: string }) => c.id)
    t.same(listB, [childB.id])
    const listCollaborator = (
      await app.inject({ url: '/v1/children?limit=200', headers: roles.collaborator_A!.headers })
    )
      .json()
      .items.map((c: { id: string }) => c.id)
    t.same(listCollaborator, [childA.id])
    const exportB = await app.inject({
      url: '/v1/children/export?format=csv&headers=en',
      headers: roles.ward_officer_B!.headers,
    })
    t.notMatch(exportB.body, /Vũ Thị Hạnh/)
    const search = await app.inject({
      url: `/v1/children?q=${encodeURIComponent('Vu Thi Hanh')}`,
      headers: roles.ward_officer_B!.headers,
    })
    t.same(search.json().items, [])
  })

  t.test('a ward-B officer cannot reach a ward-A record by any door', async (t) => {
    const officer = roles.ward_officer_B!
    const attempts = [
      app.inject({
        method: 'POST',
        url: `/v1/children/${childA.id}/circumstances`,
        headers: officer.headers,
        payload: { kind: 'group', groupCode: 'a', startDate: '2024-01-01' },
      }),
      app.inject({
        method: 'POST',
        url: `/v1/children/${childA.id}/care`,
        headers: officer.headers,
        payload: { kind: 'allowance', startDate: '2024-01-01' },
      }),
      app.inject({
        method: 'POST',
        url: `/v1/children/${childA.id}/health-insurance`,
        headers: officer.headers,
        payload: { cardNumber: 'TE1010012345678', validFrom: '2024-01-01', validTo: '2024-12-31' },
      }),
      app.inject({
        method: 'DELETE',
        url: `/v1/children/${childA.id}?reason=because`,
        headers: { ...officer.headers, 'if-match': await currentEtag() },
      }),
      app.inject({
        method: 'POST',
        url: `/v1/children/${childB.id}/merge`,
        headers: officer.headers,
        payload: { duplicateId: childA.id, duplicateVersion: 1 },
      }),
      app.inject({
        method: 'PATCH',
        url: `/v1/households/${householdA}`,
        headers: { ...officer.headers, 'if-match': '"1"' },
        payload: { headName: 'x' },
      }),
    ]
    for (const response of await Promise.all(attempts))
      t.equal(response.statusCode, 404, String(response.json().instance))
    const moveIn = await app.inject({
      method: 'PATCH',
      url: `/v1/children/${childB.id}`,
      headers: { ...officer.headers, 'if-match': '"1"' },
      payload: { address: { wardCode: wardA } },
    })
    t.equal(moveIn.statusCode, 422, 'nor move a child into a ward it does not hold')
  })

  t.test('every personal-data request writes exactly one audit event, 404s included', async (t) => {
    const requests = [
      { account: roles.ward_officer_A!, url: `/v1/children/${childA.id}`, outcome: 'success' },
      { account: roles.ward_officer_B!, url: `/v1/children/${childA.id}`, outcome: 'not_found' },
      { account: roles.ward_officer_A!, url: '/v1/children?q=hanh', outcome: 'success' },
      { account: roles.ward_officer_A!, url: `/v1/children/${childA.id}/history`, outcome: 'success' },
      { account: roles.ward_officer_B!, url: `/v1/households/${householdA}`, outcome: 'not_found' },
      { account: roles.collaborator_A!, url: '/v1/households', outcome: 'success' },
      { account: roles.district_officer!, url: '/v1/children/export?format=csv', outcome: 'success' },
      { account: roles.city_system!, url: `/v1/children/${childA.id}`, outcome: 'denied' },
    ]
    for (const { account, url, outcome } of requests) {
      const response = await app.inject({ url, headers: account.headers })
      const requestId = response.headers['x-request-id'] as string
      const events = await app.database.db.select().from(auditEvents).where(eq(auditEvents.requestId, requestId))
      t.equal(events.length, 1, `${url}: one event`)
      t.equal(events[0]?.outcome, outcome, `${url}: ${outcome}`)
      t.equal(events[0]?.actorId, account.id)
      t.notMatch(JSON.stringify(events[0]), /Vũ Thị Hạnh|hanh/i, 'no personal data in the event')
    }
  })

  t.test('a moved officer sees the new ward only', async (t) => {
    const moving = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
    t.equal((await app.inject({ url: `/v1/children/${childA.id}`, headers: moving.headers })).statusCode, 200)
    await app.database.db
      .update(users)
      .set({ units: [wardB] })
      .where(eq(users.id, moving.id))
    ctx.clock.advance(6000)
    t.equal((await app.inject({ url: `/v1/children/${childA.id}`, headers: moving.headers })).statusCode, 404)
    const list = (await app.inject({ url: '/v1/children', headers: moving.headers }))
      .json()
      .items.map((c: { id: string }) => c.id)
    t.same(list, [childB.id])
  })

  t.test('row-level security: a query that forgets the scope helper sees no rows', async (t) => {
    const db = app.database.db
    const [outside] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from children`)
    t.equal(outside?.n, 0, 'no jurisdiction set: nothing')
    const insideA = await inScope(db, { all: false, wards: [wardA], groups: [] }, (tx) =>
      queryRows<{ n: number }>(tx, sql`select count(*)::int as n from children`),
    )
    t.equal(insideA[0]?.n, 1, 'ward A only, even without a WHERE clause')
    const all = await inScope(db, systemScope, (tx) =>
      queryRows<{ n: number }>(tx, sql`select count(*)::int as n from children`),
    )
    t.equal(all[0]?.n, 2)
    const sneaky = await inScope(db, { all: false, wards: [wardB], groups: [] }, (tx) =>
      tx
        .execute(sql`update children set full_name = 'x' where ward_code = ${wardA}`)
        .then(() => queryRows<{ n: number }>(tx, sql`select count(*)::int as n from children where full_name = 'x'`)),
    )
    t.equal(sneaky[0]?.n, 0, 'an update outside the jurisdiction touches nothing')
    const insertOutside = await inScope(db, { all: false, wards: [wardB], groups: [] }, (tx) =>
      tx.execute(
        sql`insert into households (province_code, ward_code, head_name, created_at, updated_at) values ('01', ${wardA}, 'x', now(), now())`,
      ),
    ).then(
      () => 'inserted',
      (error: { cause?: { code?: string }; code?: string }) => error.cause?.code ?? error.code,
    )
    t.equal(
      insertOutside,
      '42501',
      `writing a row outside the jurisdiction is refused by the database (${String(insertOutside)})`,
    )
  })
})

t.test('reading one child in one statement: the group boundary holds and no scope outlives the read', async (t) => {
  // One connection, so the query after a read runs where the read ran.
  const ctx = await createTestApp(t, { env: { DATABASE_POOL_MAX: '1' }, now: '2024-06-15T03:00:00Z' })
  const { app } = ctx
  const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
  const groupA = `${wardA}-TDP03`
  await addResidentialGroup(ctx, admin, { code: groupA, nameVi: 'Tổ 3', parentCode: wardA })
  const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const collaborator = await accountFor(ctx, { role: 'collaborator', units: [groupA] })
  const inGroup = await registerChild(ctx, officer, {
    fullName: 'Lò Thị Mai',
    address: { wardCode: wardA, residentialGroupCode: groupA },
  })
  const elsewhereInWard = await registerChild(ctx, officer, { fullName: 'Cầm Văn Tú', address: { wardCode: wardA } })

  t.equal(
    (await app.inject({ url: `/v1/children/${inGroup.id}`, headers: collaborator.headers })).statusCode,
    200,
    'a child of the group',
  )
  const outside = await app.inject({ url: `/v1/children/${elsewhereInWard.id}`, headers: collaborator.headers })
  t.equal(outside.statusCode, 404, 'the same ward, another group: as if missing')
  const [event] = await app.database.db
    .select()
    .from(auditEvents)
    .where(eq(auditEvents.requestId, outside.headers['x-request-id'] as string))
  t.equal(event?.outcome, 'not_found', 'and the attempt is audited')

  const [left] = await queryRows<{ all: string | null; wards: string | null; groups: string | null }>(
    app.database.db,
    sql`select current_setting('cps.scope_all', true) as all, current_setting('cps.scope_wards', true) as wards, current_setting('cps.scope_groups', true) as groups`,
  )
  t.notOk(
    left?.all === 'on' || left?.wards || left?.groups,
    `the connection keeps no scope after the read (${JSON.stringify(left)})`,
  )
  const [visible] = await queryRows<{ n: number }>(app.database.db, sql`select count(*)::int as n from children`)
  t.equal(visible?.n, 0, 'so a later query without the scope helper still sees nothing')
})
