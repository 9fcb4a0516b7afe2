import t from 'tap'
import { permissionNames } from '../../src/platform/permissions.js'
import { loadRoles } from '../../src/reference/index.js'
import { createTestApp } from '../support/app.js'
import { accountFor, province, wardA } from '../support/auth.js'

t.test('default deny: every route declares a permission', async (t) => {
  const { app } = await createTestApp(t)
  const undeclared = [...app.routePermissions().entries()]
    .filter(([, permission]) => permission === undefined)
    .map(([route]) => route)
  t.same(undeclared, [], 'no route without a declared permission')
  const publicRoutes = [...app.routePermissions().entries()]
    .filter(([route, permission]) => permission === 'public' && !route.startsWith('HEAD '))
    .map(([route]) => route)
    .filter((route) => !route.includes(' /docs'))
    .sort()
  t.same(
    publicRoutes,
    [
      'GET /.well-known/jwks.json',
      'GET /.well-known/oauth-authorization-server',
      'GET /health/live',
      'GET /health/ready',
      'GET /openapi.json',
      'POST /v1/auth/revoke',
      'POST /v1/auth/token',
    ],
    'only these are public, on purpose',
  )
  for (const [route, permission] of app.routePermissions()) {
    if (permission === 'public' || permission === 'authenticated') continue
    t.ok(permissionNames.includes(permission!), `${route} requires a known permission`)
  }
})

t.test('a route that forgets its permission is refused at runtime', async (t) => {
  const ctx = await createTestApp(t, {
    extend: (app) => {
      app.get('/fixture/forgotten', async () => ({ secret: 'data' }))
    },
  })
  const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
  const response = await ctx.app.inject({ url: '/fixture/forgotten', headers: admin.headers })
  t.equal(response.statusCode, 403)
  t.equal(response.json().code, 'permission_undeclared')
  t.notMatch(response.body, /secret/)
})

t.test('roles grant only known permissions; city systems and auditors hold no personal-data permission', async (t) => {
  const roles = loadRoles().data.roles
  for (const role of roles) {
    for (const permission of [...role.permissions, ...role.grantable])
      t.ok(permissionNames.includes(permission as never), `${role.code}: ${permission}`)
  }
  const personal = [
    'registry:read',
    'registry:write',
    'registry:sensitive',
    'registry:export',
    'incidents:read',
    'incidents:sensitive',
  ]
  for (const code of ['city_system', 'auditor']) {
    const role = roles.find((r) => r.code === code)!
    t.same(
      role.permissions.filter((p) => personal.includes(p)),
      [],
      `${code} holds none`,
    )
  }
  const auditor = roles.find((r) => r.code === 'auditor')!
  t.same(auditor.permissions, ['audit:read'])
})

t.test('residential groups are added by administrators', async (t) => {
  const ctx = await createTestApp(t)
  const { app } = ctx
  const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
  const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const group = {
    code: `${wardA}-TDP01`,
    nameVi: 'Tổ dân phố số 1',
    level: 'residential_group',
    parentCode: wardA,
    validFrom: '2020-01-01',
  }
  const refused = await app.inject({ method: 'POST', url: '/v1/units', headers: officer.headers, payload: group })
  t.equal(refused.statusCode, 403)
  const created = await app.inject({ method: 'POST', url: '/v1/units', headers: admin.headers, payload: group })
  t.equal(created.statusCode, 201)
  t.match(created.json(), { code: `${wardA}-TDP01`, level: 'residential_group', parentCode: wardA, provinceCode: '01' })
  const duplicate = await app.inject({ method: 'POST', url: '/v1/units', headers: admin.headers, payload: group })
  t.equal(duplicate.statusCode, 409)
  const badParent = await app.inject({
    method: 'POST',
    url: '/v1/units',
    headers: admin.headers,
    payload: { ...group, code: 'X-1', parentCode: '008' },
  })
  t.equal(badParent.statusCode, 422)
  t.equal(badParent.json().errors[0].pointer, '/parentCode')
  const outside = await app.inject({
    method: 'POST',
    url: '/v1/units',
    headers: admin.headers,
    payload: { ...group, code: 'X-2', validFrom: '2026-01-01' },
  })
  t.equal(outside.statusCode, 422, 'the old ward ended in 2025')
  const collaborator = await accountFor(ctx, { role: 'collaborator', units: [`${wardA}-TDP01`] })
  const me = await app.inject({ url: '/v1/me', headers: collaborator.headers })
  t.same(
    me.json().jurisdiction,
    { wards: [], residentialGroups: [`${wardA}-TDP01`] },
    'a collaborator’s jurisdiction is the group',
  )
  const closed = await app.inject({
    method: 'PATCH',
    url: `/v1/units/${wardA}-TDP01`,
    headers: { ...admin.headers, 'if-match': created.headers.etag as string },
    payload: { validTo: '2025-06-30' },
  })
  t.equal(closed.statusCode, 200)
  t.equal(closed.json().validTo, '2025-06-30')
})
