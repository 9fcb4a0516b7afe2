import { eq } from 'drizzle-orm'
import t from 'tap'
import { auditEvents } from '../../../src/modules/audit/tables.js'
import { purgeEndedSessions } from '../../../src/modules/users/sessions.js'
import { sessionRefreshTokens, signInSessions } from '../../../src/modules/users/tables.js'
import { createTestApp } from '../../support/app.js'
import { accountFor, clientFor, province, wardA } from '../../support/auth.js'

const password = 'mật khẩu đủ dài 2024'

t.test('sign-in sessions: refresh rotation, reuse, logout, revocation, password change', async (t) => {
  const ctx = await createTestApp(t, {
    now: '2026-12-06T01:00:00Z',
    env: { LOGIN_RATE_LIMIT_MAX: '1000', REFRESH_TOKEN_TTL_SECONDS: '3600', SESSION_MAX_SECONDS: '14400' },
  })
  const { app, clock } = ctx
  const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
  const makeUser = async (username: string) => {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/users',
      headers: admin.headers,
      payload: { username, displayName: 'Cán bộ phường (tổng hợp)', role: 'ward_officer', units: [wardA], password },
    })
    t.equal(created.statusCode, 201)
    return created.json().id as string
  }
  const userId = await makeUser('hoa.tran')
  const signIn = async (secret = password, username = 'hoa.tran') =>
    app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      payload: { grant_type: 'password', username, password: secret },
    })
  const refresh = (refreshToken: string) =>
    app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
    })
  const me = (accessToken: string) => app.inject({ url: '/v1/me', headers: { authorization: `Bearer ${accessToken}` } })
  const audited = async (action: string) =>
    (await app.database.db.select().from(auditEvents).where(eq(auditEvents.action, action))).map((event) => ({
      outcome: event.outcome,
      actorId: event.actorId,
      resourceId: event.resourceId,
      details: event.details,
    }))

  t.test('a person’s sign-in returns a refresh token; each is exchanged once for a new pair', async (t) => {
    const first = (await signIn()).json()
    t.match(first, { token_type: 'Bearer', refresh_token: /^cpsrt_[A-Za-z0-9_-]{43}$/ })
    t.equal((await me(first.access_token)).statusCode, 200)
    clock.advance(10 * 60_000)
    const second = await refresh(first.refresh_token)
    t.equal(second.statusCode, 200)
    t.equal(second.headers['cache-control'], 'no-store')
    const pair = second.json()
    t.not(pair.refresh_token, first.refresh_token, 'a new refresh token every time')
    t.equal((await me(pair.access_token)).json().id, userId)
    t.equal((await me(first.access_token)).statusCode, 200, 'the earlier access token of the session still works')
    const third = await refresh(pair.refresh_token)
    t.equal(third.statusCode, 200, 'the new one is exchanged in turn')
    const refreshes = await audited('auth.refresh')
    t.equal(refreshes.filter((event) => event.outcome === 'success').length, 2, 'each exchange audited')
    t.notMatch(JSON.stringify(refreshes), /cpsrt_|eyJ/, 'never a token in the audit trail')
  })

  t.test('a refresh token presented again ends the whole session', async (t) => {
    const first = (await signIn()).json()
    const second = (await refresh(first.refresh_token)).json()
    const replay = await refresh(first.refresh_token)
    t.equal(replay.statusCode, 400)
    t.match(replay.json(), { code: 'invalid_grant', error: 'invalid_grant' })
    t.equal((await refresh(second.refresh_token)).statusCode, 400, 'the latest refresh token is dead too')
    const refused = await me(second.access_token)
    t.equal(refused.statusCode, 401, 'and so are its access tokens')
    t.equal(refused.json().code, 'session_ended')
    t.match(
      (await audited('auth.refresh')).filter((event) => event.outcome === 'denied'),
      [{ actorId: userId, details: { reason: 'reused' } }],
    )
  })

  t.test('two exchanges of one refresh token at once: one wins, and the session ends', async (t) => {
    const first = (await signIn()).json()
    const [a, b] = await Promise.all([refresh(first.refresh_token), refresh(first.refresh_token)])
    t.same([a.statusCode, b.statusCode].sort(), [200, 400], 'exactly one exchange')
    const winner = (a.statusCode === 200 ? a : b).json()
    t.equal((await refresh(winner.refresh_token)).statusCode, 400, 'the second is a reuse: the session is over')
    t.equal((await me(winner.access_token)).statusCode, 401)
  })

  t.test('a refresh token that was never issued, or an empty one, is refused and changes nothing', async (t) => {
    const live = (await signIn()).json()
    for (const token of ['cpsrt_not-a-real-token', 'eyJhbGciOiJFUzI1NiJ9.e30.x']) {
      const response = await refresh(token)
      t.equal(response.statusCode, 400)
      t.equal(response.json().code, 'invalid_grant')
    }
    const missing = await app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      payload: { grant_type: 'refresh_token' },
    })
    t.equal(missing.json().code, 'invalid_request')
    t.equal((await refresh(live.refresh_token)).statusCode, 200, 'the real session is untouched')
  })

  t.test('a session unused past the refresh lifetime, or past its maximum, ends', async (t) => {
    const idle = (await signIn()).json()
    clock.advance(3600_000)
    t.equal((await refresh(idle.refresh_token)).statusCode, 400, 'unused for an hour (REFRESH_TOKEN_TTL_SECONDS)')
    let pair = (await signIn()).json()
    for (let hour = 0; hour < 4; hour++) {
      clock.advance(55 * 60_000)
      const next = await refresh(pair.refresh_token)
      t.equal(next.statusCode, 200, `refreshed within the hour, ${hour + 1}`)
      pair = next.json()
    }
    clock.advance(55 * 60_000)
    t.equal((await refresh(pair.refresh_token)).statusCode, 400, 'four hours after the sign-in (SESSION_MAX_SECONDS)')
    t.equal((await me(pair.access_token)).statusCode, 401, 'its access tokens end with it')
  })

  t.test('a machine client gets no refresh token', async (t) => {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/clients',
      headers: admin.headers,
      payload: { name: 'Hệ thống thành phố (thử)', role: 'city_system', units: [province] },
    })
    const { client, clientSecret } = created.json()
    const issued = await app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      payload: { grant_type: 'client_credentials', client_id: client.id, client_secret: clientSecret },
    })
    t.equal(issued.statusCode, 200)
    t.notOk('refresh_token' in issued.json())
  })

  t.test('logout ends the session: its access and refresh tokens stop at once', async (t) => {
    const pair = (await signIn()).json()
    const other = (await signIn()).json()
    const out = await app.inject({
      method: 'POST',
      url: '/v1/auth/logout',
      headers: { authorization: `Bearer ${pair.access_token}` },
    })
    t.equal(out.statusCode, 204)
    t.equal((await me(pair.access_token)).statusCode, 401)
    t.equal((await refresh(pair.refresh_token)).statusCode, 400)
    t.equal((await me(other.access_token)).statusCode, 200, 'another session of the same person goes on')
    t.match(await audited('auth.logout'), [{ outcome: 'success', actorId: userId }])
    t.equal((await app.inject({ method: 'POST', url: '/v1/auth/logout' })).statusCode, 401, 'only with a token')
  })

  t.test(
    'revocation (RFC 7009): a refresh or access token ends its session; anything else is answered alike',
    async (t) => {
      const revoke = (payload: Record<string, string>) =>
        app.inject({
          method: 'POST',
          url: '/v1/auth/revoke',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams(payload).toString(),
        })
      const byRefresh = (await signIn()).json()
      const revoked = await revoke({ token: byRefresh.refresh_token, token_type_hint: 'refresh_token' })
      t.equal(revoked.statusCode, 200)
      t.equal((await refresh(byRefresh.refresh_token)).statusCode, 400)
      t.equal((await me(byRefresh.access_token)).statusCode, 401)
      const byAccess = (await signIn()).json()
      t.equal((await revoke({ token: byAccess.access_token })).statusCode, 200)
      t.equal((await me(byAccess.access_token)).statusCode, 401, 'an access token ends its session too')
      t.equal((await refresh(byAccess.refresh_token)).statusCode, 400)
      for (const token of ['cpsrt_unknown', 'not a token at all', admin.token])
        t.equal((await revoke({ token })).statusCode, 200, 'nothing tells what the token named')
      const exchanged = (await signIn()).json()
      const next = (await refresh(exchanged.refresh_token)).json()
      const withExtras = { token: exchanged.refresh_token, client_id: 'cps-frontend', token_type_hint: 'other' }
      t.equal(
        (await revoke(withExtras)).statusCode,
        200,
        'an OAuth library’s client_id and an unknown hint are ignored',
      )
      t.equal((await refresh(next.refresh_token)).statusCode, 400, 'an exchanged refresh token still names its session')
      t.equal((await me(admin.token)).statusCode, 200, 'a token issued outside a session is not affected')
      t.equal((await revoke({})).statusCode, 400, 'no token: a bad request')
      t.equal((await audited('auth.revoke')).length, 3, 'each session ended is audited, once')
    },
  )

  t.test('changing one’s own password: the old one is required; every other session ends', async (t) => {
    const acting = (await signIn()).json()
    const elsewhere = (await signIn()).json()
    const change = (body: Record<string, string>, token = acting.access_token as string) =>
      app.inject({
        method: 'POST',
        url: '/v1/me/password',
        headers: { authorization: `Bearer ${token}` },
        payload: body,
      })
    const wrong = await change({ currentPassword: 'not my password', newPassword: 'một mật khẩu mới dài hơn' })
    t.equal(wrong.statusCode, 400)
    t.equal(wrong.json().code, 'wrong_password')
    const weak = await change({ currentPassword: password, newPassword: 'hoa.tran' })
    t.equal(weak.statusCode, 422)
    t.match(weak.json(), { code: 'invalid_password', errors: [{ pointer: '/newPassword', code: 'weak_password' }] })
    const same = await change({ currentPassword: password, newPassword: password })
    t.match(same.json(), { code: 'invalid_password', errors: [{ code: 'same_password' }] })
    t.equal((await signIn()).statusCode, 200, 'nothing changed so far')
    const changed = await change({ currentPassword: password, newPassword: 'một mật khẩu mới dài hơn' })
    t.equal(changed.statusCode, 204)
    t.equal((await me(acting.access_token)).statusCode, 200, 'the session acting stays')
    t.equal((await refresh(acting.refresh_token)).statusCode, 200)
    t.equal((await me(elsewhere.access_token)).statusCode, 401, 'another session ends')
    t.equal((await refresh(elsewhere.refresh_token)).statusCode, 400)
    t.equal((await signIn()).statusCode, 400, 'the old password no longer signs in')
    t.equal((await signIn('một mật khẩu mới dài hơn')).statusCode, 200)
    const events = await audited('user.password.change')
    t.match(events, [
      { outcome: 'failure', details: { reason: 'wrong_password' } },
      { outcome: 'success', resourceId: userId },
    ])
    t.notMatch(JSON.stringify(events), /mật khẩu/, 'never a password in the audit trail')
  })

  t.test('guessing the current password is throttled as signing in is', async (t) => {
    await makeUser('lan.pham')
    const session = (await signIn(password, 'lan.pham')).json()
    const guess = () =>
      app.inject({
        method: 'POST',
        url: '/v1/me/password',
        headers: { authorization: `Bearer ${session.access_token}` },
        payload: { currentPassword: 'a wrong guess', newPassword: 'một mật khẩu mới dài hơn' },
      })
    const statuses: number[] = []
    for (let attempt = 0; attempt < 6; attempt++) statuses.push((await guess()).statusCode)
    t.same(statuses, [400, 400, 400, 400, 400, 429], 'the sixth guess from one address waits')
    const waited = await guess()
    t.equal(waited.json().code, 'login_throttled')
    t.ok(Number(waited.headers['retry-after']) >= 1)
    t.equal((await signIn(password, 'lan.pham')).statusCode, 429, 'and so does signing in from there')
  })

  t.test('who cannot change a password here', async (t) => {
    const attempt = (headers: Record<string, string>, payload: Record<string, string>) =>
      app.inject({ method: 'POST', url: '/v1/me/password', headers, payload })
    const valid = { currentPassword: 'x', newPassword: 'một mật khẩu mới dài hơn' }
    const client = await clientFor(ctx, { role: 'city_system', units: [province] })
    const external = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
    const cases: [string, Record<string, string>, Record<string, string>, number, string][] = [
      ['a machine client', client.headers, valid, 403, 'not_a_person'],
      ['a person without a password here', external.headers, valid, 409, 'no_local_password'],
      ['a missing field', external.headers, { currentPassword: 'x' }, 400, 'validation_failed'],
    ]
    for (const [name, headers, payload, status, code] of cases) {
      const response = await attempt(headers, payload)
      t.equal(response.statusCode, status, name)
      t.equal(response.json().code, code, name)
    }
  })

  t.test('an administrator’s password reset or deactivation ends every session', async (t) => {
    const otherId = await makeUser('minh.le')
    const session = (await signIn(password, 'minh.le')).json()
    const reset = await app.inject({
      method: 'PATCH',
      url: `/v1/users/${otherId}`,
      headers: { ...admin.headers, 'if-match': '"1"' },
      payload: { password: 'mật khẩu do quản trị đặt' },
    })
    t.equal(reset.statusCode, 200)
    t.equal((await me(session.access_token)).statusCode, 401)
    t.equal((await refresh(session.refresh_token)).statusCode, 400)
    const again = (await signIn('mật khẩu do quản trị đặt', 'minh.le')).json()
    const deactivated = await app.inject({
      method: 'PATCH',
      url: `/v1/users/${otherId}`,
      headers: { ...admin.headers, 'if-match': '"2"' },
      payload: { active: false },
    })
    t.equal(deactivated.statusCode, 200)
    t.equal((await refresh(again.refresh_token)).statusCode, 400)
  })

  t.test('ended sessions are purged a day after they end, with their refresh tokens; live ones stay', async (t) => {
    // The password the earlier subtest changed to.
    const live = (await signIn('một mật khẩu mới dài hơn')).json()
    const before = await app.database.db.select({ id: signInSessions.id }).from(signInSessions)
    clock.advance(30 * 60_000)
    const kept = await purgeEndedSessions(app.database.db, clock.now(), 24 * 3600_000)
    t.equal(kept, 0, 'nothing ended a day ago yet')
    clock.advance(2 * 24 * 3600_000)
    const fresh = (await signIn('một mật khẩu mới dài hơn')).json()
    const purged = await purgeEndedSessions(app.database.db, clock.now(), 24 * 3600_000)
    t.equal(purged, before.length, 'every session of the earlier tests has ended and goes')
    t.equal((await refresh(fresh.refresh_token)).statusCode, 200, 'a live session stays')
    t.equal((await refresh(live.refresh_token)).statusCode, 400, 'a purged one is refused as it was before')
    const left = await app.database.db.select().from(sessionRefreshTokens)
    t.ok(left.length > 0 && left.length <= 2, 'its refresh tokens went with it')
  })

  t.test('authorization server metadata (RFC 8414) names the endpoints', async (t) => {
    const metadata = await app.inject({
      url: '/.well-known/oauth-authorization-server',
      headers: { host: 'cps.example' },
    })
    t.equal(metadata.statusCode, 200)
    t.match(metadata.json(), {
      issuer: 'urn:cps:hoang-mai',
      token_endpoint: 'http://cps.example/v1/auth/token',
      revocation_endpoint: 'http://cps.example/v1/auth/revoke',
      jwks_uri: 'http://cps.example/.well-known/jwks.json',
      grant_types_supported: ['password', 'client_credentials', 'refresh_token'],
    })
    t.equal(metadata.headers['cache-control'], 'no-store', 'built from the Host asked: never kept for another')
    const jwks = await app.inject({ url: new URL(metadata.json().jwks_uri).pathname })
    t.equal(jwks.statusCode, 200, 'the endpoints it names answer')
    const { app: published } = await createTestApp(t, { env: { JWT_ISSUER: 'https://cps.hanoi.example' } })
    const byIssuer = await published.inject({
      url: '/.well-known/oauth-authorization-server',
      headers: { host: 'forged.example' },
    })
    t.match(byIssuer.json(), {
      issuer: 'https://cps.hanoi.example',
      token_endpoint: 'https://cps.hanoi.example/v1/auth/token',
    })
    t.equal(byIssuer.headers['cache-control'], 'public, max-age=300')
  })
})
