import { eq } from 'drizzle-orm'
import t from 'tap'
import { users } from '../../../src/modules/users/tables.js'
import { createTestApp } from '../../support/app.js'
import { accountFor, province, wardA, wardB } from '../../support/auth.js'

t.test('user accounts', async (t) => {
  const ctx = await createTestApp(t)
  const { app } = ctx
  const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
  const create = (payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/v1/users', headers: { ...admin.headers, ...headers }, payload })
  const officer = {
    username: 'minh.tran',
    displayName: 'Trần Minh',
    role: 'ward_officer',
    units: [wardA],
    password: 'a sufficiently long phrase',
  }

  t.test('create returns the account, Location and ETag, never the password', async (t) => {
    const response = await create(officer)
    t.equal(response.statusCode, 201)
    const body = response.json()
    t.equal(response.headers.location, `/v1/users/${body.id}`)
    t.equal(response.headers.etag, '"1"')
    t.match(body, {
      username: 'minh.tran',
      role: 'ward_officer',
      units: [wardA],
      active: true,
      hasPassword: true,
      version: 1,
    })
    t.notMatch(response.body, /sufficiently|argon2/)
    const [row] = await app.database.db.select().from(users).where(eq(users.id, body.id))
    t.match(row?.passwordHash, /^\$argon2id\$/, 'stored as an argon2id hash')
  })

  t.test('usernames are unique, case-insensitively', async (t) => {
    const response = await create({ ...officer, username: 'minh.tran' })
    t.equal(response.statusCode, 409)
    t.equal(response.json().code, 'username_taken')
  })

  t.test('the password policy', async (t) => {
    const cases: [string, string, RegExp][] = [
      ['short', 'short pw', /at least 12 characters/],
      ['contains the username', 'xx-hoa.le-2024-yy', /must not contain the username/],
      ['one character repeated', 'aaaaaaaaaaaaaaa', /must not repeat/],
      ['a common password', 'password123', /commonly used|at least 12/],
    ]
    for (const [name, password, message] of cases) {
      const response = await create({ ...officer, username: 'hoa.le', password })
      t.equal(response.statusCode, 422, name)
      t.equal(response.json().code, 'invalid_account', name)
      const error = response.json().errors.find((e: { pointer: string }) => e.pointer === '/password')
      t.match(error?.message, message, name)
    }
  })

  t.test('role, units and grants are checked', async (t) => {
    const response = await create({
      ...officer,
      username: 'bad.account',
      role: 'city_system',
      units: [wardA, 'nowhere'],
      grants: ['registry:sensitive'],
    })
    t.equal(response.statusCode, 422)
    const pointers = response
      .json()
      .errors.map((e: { pointer: string }) => e.pointer)
      .sort()
    t.same(pointers, ['/grants/0', '/role', '/units/1'])
    const viewer = await create({
      username: 'police.liaison',
      displayName: 'Công an phường',
      role: 'agency_viewer',
      units: [wardA],
      grants: ['registry:sensitive'],
      password: 'liaison passphrase 7',
    })
    t.equal(viewer.statusCode, 201, 'an agency viewer may be granted sensitive access')
  })

  t.test('unknown body members are refused', async (t) => {
    const response = await create({ ...officer, username: 'x.y.z', isSuperuser: true })
    t.equal(response.statusCode, 400)
    t.equal(response.json().errors[0].pointer, '/isSuperuser')
  })

  t.test('PATCH needs If-Match: 428 without, 412 when stale, 200 with the current ETag', async (t) => {
    const created = (await create({ ...officer, username: 'patch.me' })).json()
    const url = `/v1/users/${created.id}`
    const missing = await app.inject({ method: 'PATCH', url, headers: admin.headers, payload: { displayName: 'X' } })
    t.equal(missing.statusCode, 428)
    t.equal(missing.json().code, 'precondition_required')
    const ok = await app.inject({
      method: 'PATCH',
      url,
      headers: { ...admin.headers, 'if-match': '"1"' },
      payload: { units: [wardB] },
    })
    t.equal(ok.statusCode, 200)
    t.equal(ok.headers.etag, '"2"')
    t.same(ok.json().units, [wardB])
    const stale = await app.inject({
      method: 'PATCH',
      url,
      headers: { ...admin.headers, 'if-match': '"1"' },
      payload: { displayName: 'Y' },
    })
    t.equal(stale.statusCode, 412)
    t.equal(stale.json().currentVersion, 2)
    const garbage = await app.inject({
      method: 'PATCH',
      url,
      headers: { ...admin.headers, 'if-match': 'yesterday' },
      payload: { displayName: 'Y' },
    })
    t.equal(garbage.statusCode, 400)
    const empty = await app.inject({
      method: 'PATCH',
      url,
      headers: { ...admin.headers, 'if-match': '"2"' },
      payload: {},
    })
    t.equal(empty.statusCode, 400, 'an empty change is refused')
    const get = await app.inject({ url, headers: admin.headers })
    t.equal(get.json().displayName, 'Trần Minh', 'nothing changed by the refused requests')
    const missingUser = await app.inject({
      url: '/v1/users/00000000-0000-4000-8000-000000000000',
      headers: admin.headers,
    })
    t.equal(missingUser.statusCode, 404)
  })

  t.test('list with filters and pagination', async (t) => {
    const page = await app.inject({ url: '/v1/users?role=ward_officer&limit=1', headers: admin.headers })
    t.equal(page.statusCode, 200)
    t.equal(page.json().items.length, 1)
    t.ok(page.json().nextCursor)
    const next = await app.inject({
      url: `/v1/users?role=ward_officer&limit=1&cursor=${page.json().nextCursor}`,
      headers: admin.headers,
    })
    t.not(next.json().items[0].id, page.json().items[0].id)
    const byUnit = await app.inject({ url: `/v1/users?unit=${wardB}`, headers: admin.headers })
    t.ok(byUnit.json().items.every((u: { units: string[] }) => u.units.includes(wardB)))
  })

  t.test('Idempotency-Key: a retried create returns the first response and creates once', async (t) => {
    const headers = { 'idempotency-key': 'create-ngoc-1' }
    const payload = { ...officer, username: 'ngoc.pham' }
    const first = await create(payload, headers)
    const second = await create(payload, headers)
    t.equal(first.statusCode, 201)
    t.equal(second.statusCode, 201)
    t.equal(second.body, first.body, 'the same body')
    t.equal(second.headers['idempotent-replayed'], 'true')
    t.equal(second.headers.location, first.headers.location)
    const rows = await app.database.db.select().from(users).where(eq(users.username, 'ngoc.pham'))
    t.equal(rows.length, 1)
    const reused = await create({ ...payload, displayName: 'Someone else' }, headers)
    t.equal(reused.statusCode, 422)
    t.equal(reused.json().code, 'idempotency_key_reused')
    const otherAdmin = await accountFor(ctx, { role: 'district_admin', units: [province] })
    const otherPrincipal = await app.inject({
      method: 'POST',
      url: '/v1/users',
      headers: { ...otherAdmin.headers, ...headers },
      payload: { ...payload, username: 'ngoc.pham2' },
    })
    t.equal(otherPrincipal.statusCode, 201, 'keys are per principal')
  })

  t.test('a ward officer cannot manage users', async (t) => {
    const ward = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
    const response = await app.inject({ method: 'POST', url: '/v1/users', headers: ward.headers, payload: officer })
    t.equal(response.statusCode, 403)
    t.equal(response.json().requiredPermission, 'users:manage')
  })
})

t.test('access follows the account, not the token', async (t) => {
  const ctx = await createTestApp(t)
  const { app } = ctx
  const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
  const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })

  t.test('a deactivated account is refused at once on this instance', async (t) => {
    t.equal((await app.inject({ url: '/v1/me', headers: officer.headers })).statusCode, 200)
    const current = await app.inject({ url: `/v1/users/${officer.id}`, headers: admin.headers })
    const patched = await app.inject({
      method: 'PATCH',
      url: `/v1/users/${officer.id}`,
      headers: { ...admin.headers, 'if-match': current.headers.etag as string },
      payload: { active: false },
    })
    t.equal(patched.statusCode, 200)
    const refused = await app.inject({ url: '/v1/me', headers: officer.headers })
    t.equal(refused.statusCode, 401)
    t.equal(refused.json().code, 'account_inactive')
  })

  t.test('a change made elsewhere (another instance) takes effect within the cache time', async (t) => {
    const moved = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
    const before = await app.inject({ url: '/v1/me', headers: moved.headers })
    t.same(before.json().jurisdiction.wards, [wardA])
    await app.database.db
      .update(users)
      .set({ units: [wardB] })
      .where(eq(users.id, moved.id))
    ctx.clock.advance(1000)
    const cached = await app.inject({ url: '/v1/me', headers: moved.headers })
    t.same(cached.json().jurisdiction.wards, [wardA], 'within 5 s the cached record may still answer')
    ctx.clock.advance(5000)
    const after = await app.inject({ url: '/v1/me', headers: moved.headers })
    t.same(after.json().jurisdiction.wards, [wardB], 'after 5 s the moved officer sees the new ward only')
    await app.database.db.update(users).set({ active: false }).where(eq(users.id, moved.id))
    ctx.clock.advance(5001)
    t.equal((await app.inject({ url: '/v1/me', headers: moved.headers })).statusCode, 401)
  })
})
