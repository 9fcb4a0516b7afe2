import { createServer } from 'node:http'
import { exportJWK, generateKeyPair, SignJWT, importJWK, type JWK } from 'jose'
import { sql } from 'drizzle-orm'
import t from 'tap'
import { queryRows } from '../../../src/db/client.js'
import { createTestApp } from '../../support/app.js'
import { accountFor, province, wardA } from '../../support/auth.js'
import { idempotencyKeys } from '../../../src/platform/idempotency-tables.js'

t.test('the JWT negative suite: every forged or misused token is a 401 problem', async (t) => {
  const ctx = await createTestApp(t)
  const { app } = ctx
  const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const now = app.clock.now()
  const seconds = Math.floor(now.getTime() / 1000)
  const { kid, privateKey } = await app.accounts.keys.signingKey(now)
  const sub = `user:${officer.id}`
  const signed = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    new SignJWT({ typ: 'user', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt', ...header })
      .sign(privateKey)
  const valid = { iss: 'urn:cps:hoang-mai', aud: 'cps-api', sub, iat: seconds, nbf: seconds, exp: seconds + 600 }
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

  const other = await generateKeyPair('ES256')
  const publicJwk = (await app.accounts.keys.jwks(now)).keys[0]!
  const hmacSecret = new TextEncoder().encode(JSON.stringify(publicJwk))

  const cases: [string, string | undefined, string][] = [
    ['no token at all', undefined, 'unauthenticated'],
    ['alg none', `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(valid)}.`, 'invalid_token'],
    [
      'HS256 keyed with the public key (algorithm confusion)',
      await new SignJWT({ typ: 'user', ...valid })
        .setProtectedHeader({ alg: 'HS256', kid, typ: 'at+jwt' })
        .sign(hmacSecret),
      'invalid_token',
    ],
    [
      'signed by an unknown key',
      await new SignJWT({ typ: 'user', ...valid })
        .setProtectedHeader({ alg: 'ES256', kid: 'unknown-kid', typ: 'at+jwt' })
        .sign(other.privateKey),
      'invalid_token',
    ],
    [
      'our kid, someone else’s key',
      await new SignJWT({ typ: 'user', ...valid })
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
        .sign(other.privateKey),
      'invalid_token',
    ],
    ['wrong audience', await signed({ ...valid, aud: 'another-api' }), 'invalid_token'],
    ['wrong issuer', await signed({ ...valid, iss: 'https://evil.example' }), 'invalid_token'],
    [
      'expired',
      await signed({ ...valid, iat: seconds - 3600, nbf: seconds - 3600, exp: seconds - 1800 }),
      'token_expired',
    ],
    ['not yet valid', await signed({ ...valid, nbf: seconds + 600 }), 'invalid_token'],
    ['no expiry', await signed({ iss: valid.iss, aud: valid.aud, sub, iat: seconds }), 'invalid_token'],
    ['not an access token (typ)', await signed(valid, { typ: 'JWT' }), 'invalid_token'],
    ['a subject that is not an account', await signed({ ...valid, sub: 'admin' }), 'invalid_token'],
    ['garbage', 'not.a.jwt', 'invalid_token'],
  ]
  const genuine = await signed(valid)
  const [header, payload, signature] = genuine.split('.')
  const forgedPayload = b64({
    ...JSON.parse(Buffer.from(payload!, 'base64url').toString()),
    sub: 'user:00000000-0000-0000-0000-000000000000',
  })
  cases.push(['payload changed after signing', `${header}.${forgedPayload}.${signature}`, 'invalid_token'])

  for (const [name, token, code] of cases) {
    const response = await app.inject({
      url: '/v1/me',
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    })
    t.equal(response.statusCode, 401, name)
    t.equal(response.json().code, code, `${name}: ${code}`)
    t.match(response.headers['www-authenticate'], /^Bearer/, `${name}: WWW-Authenticate`)
  }

  const control = await app.inject({ url: '/v1/me', headers: { authorization: `Bearer ${genuine}` } })
  t.equal(control.statusCode, 200, 'the genuine token of the same shape works')

  const malformedHeader = await app.inject({ url: '/v1/me', headers: { authorization: `Token ${genuine}` } })
  t.equal(malformedHeader.statusCode, 401)

  const inQuery = await app.inject({ url: `/v1/me?access_token=${genuine}` })
  t.equal(inQuery.statusCode, 401)
  t.equal(inQuery.json().code, 'token_in_query')
  const inQueryWithHeader = await app.inject({ url: `/v1/units?access_token=${genuine}`, headers: officer.headers })
  t.equal(inQueryWithHeader.statusCode, 401, 'refused even alongside a valid header')
})

t.test('a verified token is trusted again by its exact text only, and never past its expiry', async (t) => {
  const ctx = await createTestApp(t)
  const { app, clock } = ctx
  const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const { token } = await app.accounts.tokens.issue({ kind: 'user', id: officer.id }, clock.now(), 600)
  const me = (bearer: string) => app.inject({ url: '/v1/me', headers: { authorization: `Bearer ${bearer}` } })

  t.equal((await me(token)).statusCode, 200, 'first use: verified')
  const [header, payload, signature] = token.split('.')
  const otherSignature = signature!.slice(0, -2) + (signature!.endsWith('AA') ? 'BB' : 'AA')
  const tampered = await me(`${header}.${payload}.${otherSignature}`)
  t.equal(tampered.statusCode, 401, 'the same claims under another signature are checked, not taken from the cache')
  t.equal(tampered.json().code, 'invalid_token')

  clock.advance(30_000)
  t.equal((await me(token)).statusCode, 200, 'within the cache window')

  const shortLived = (await app.accounts.tokens.issue({ kind: 'user', id: officer.id }, clock.now(), 10)).token
  t.equal((await me(shortLived)).statusCode, 200)
  // Past expiry and the 30 s clock tolerance, still inside the cache's own window.
  clock.advance(45_000)
  const expired = await me(shortLived)
  t.equal(expired.statusCode, 401, 'past its expiry the cached verification no longer counts')
  t.equal(expired.json().code, 'token_expired')
})

t.test('the token endpoint', async (t) => {
  const ctx = await createTestApp(t, { env: { LOGIN_RATE_LIMIT_MAX: '1000' } })
  const { app } = ctx
  const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
  const created = await app.inject({
    method: 'POST',
    url: '/v1/users',
    headers: admin.headers,
    payload: {
      username: 'lan.nguyen',
      displayName: 'Cán bộ phường',
      role: 'ward_officer',
      units: [wardA],
      password: 'mật khẩu đủ dài 2024',
    },
  })
  t.equal(created.statusCode, 201)
  const userId = created.json().id

  t.test('password grant, form-encoded and JSON', async (t) => {
    const form = await app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        grant_type: 'password',
        username: 'Lan.Nguyen',
        password: 'mật khẩu đủ dài 2024',
      }).toString(),
    })
    t.equal(form.statusCode, 200)
    const body = form.json()
    t.equal(body.token_type, 'Bearer')
    t.equal(body.expires_in, 900)
    t.equal(form.headers['cache-control'], 'no-store')
    const [header] = body.access_token.split('.')
    t.match(JSON.parse(Buffer.from(header, 'base64url').toString()), { alg: 'ES256', typ: 'at+jwt', kid: /.+/ })
    const me = await app.inject({ url: '/v1/me', headers: { authorization: `Bearer ${body.access_token}` } })
    t.equal(me.json().id, userId)
    const json = await app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      payload: { grant_type: 'password', username: 'lan.nguyen', password: 'mật khẩu đủ dài 2024' },
    })
    t.equal(json.statusCode, 200)
  })

  t.test('wrong password and unknown user look the same', async (t) => {
    const wrong = await app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      payload: { grant_type: 'password', username: 'lan.nguyen', password: 'nope nope nope' },
    })
    const unknown = await app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      payload: { grant_type: 'password', username: 'nobody.here', password: 'nope nope nope' },
    })
    t.equal(wrong.statusCode, 400)
    t.equal(unknown.statusCode, 400)
    t.equal(wrong.json().code, 'invalid_grant')
    t.equal(wrong.json().error, 'invalid_grant', 'OAuth error member for client libraries')
    t.equal(wrong.json().detail, unknown.json().detail)
  })

  t.test('missing fields and unknown grant types', async (t) => {
    const missing = await app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      payload: { grant_type: 'password', username: 'lan.nguyen' },
    })
    t.equal(missing.statusCode, 400)
    t.equal(missing.json().code, 'invalid_request')
    const unknownGrant = await app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      payload: { grant_type: 'implicit' },
    })
    t.equal(unknownGrant.statusCode, 400)
    const xml = await app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      headers: { 'content-type': 'text/xml' },
      payload: '<x/>',
    })
    t.equal(xml.statusCode, 415)
  })

  t.test('progressive delay after repeated failures', async (t) => {
    await app.inject({
      method: 'POST',
      url: '/v1/users',
      headers: admin.headers,
      payload: {
        username: 'target.user',
        displayName: 'T',
        role: 'collaborator',
        units: [wardA],
        password: 'the real passphrase 1',
      },
    })
    const attempt = (password: string) =>
      app.inject({
        method: 'POST',
        url: '/v1/auth/token',
        payload: { grant_type: 'password', username: 'target.user', password },
      })
    for (let i = 0; i < 5; i++)
      t.equal((await attempt('wrong guess number')).statusCode, 400, `failure ${i + 1} is checked`)
    const throttled = await attempt('the real passphrase 1')
    t.equal(throttled.statusCode, 429, 'even the right password waits during the delay')
    t.equal(throttled.json().code, 'login_throttled')
    t.equal(throttled.headers['retry-after'], '1')
    ctx.clock.advance(1500)
    t.equal((await attempt('wrong again')).statusCode, 400, 'after the delay the next attempt is checked')
    const longer = await attempt('the real passphrase 1')
    t.equal(longer.statusCode, 429)
    t.equal(longer.headers['retry-after'], '2', 'the delay doubles')
    ctx.clock.advance(2500)
    t.equal((await attempt('the real passphrase 1')).statusCode, 200, 'the right password after the delay works')
    t.equal((await attempt('wrong once more')).statusCode, 400, 'success reset the count')
    t.equal((await attempt('the real passphrase 1')).statusCode, 200)
  })

  t.test('sign-ins are audited, successful and failed', async (t) => {
    const events = await app.inject({ url: '/v1/audit-events?action=auth.token&limit=200', headers: admin.headers })
    const outcomes = new Set(events.json().items.map((e: { outcome: string }) => e.outcome))
    t.ok(outcomes.has('success'))
    t.ok(outcomes.has('failure'))
    t.ok(outcomes.has('denied'), 'throttled attempts too')
    t.notMatch(JSON.stringify(events.json()), /passphrase|wrong guess/, 'no password in the log')
  })

  t.test('machine clients: secret once, client_credentials in body or Basic, revocation', async (t) => {
    const registered = await app.inject({
      method: 'POST',
      url: '/v1/clients',
      headers: admin.headers,
      payload: { name: 'Hanoi city dashboard', role: 'city_system', units: [province] },
    })
    t.equal(registered.statusCode, 201)
    const { client, clientSecret } = registered.json()
    t.ok(clientSecret.length >= 40)
    const fetched = await app.inject({ url: `/v1/clients/${client.id}`, headers: admin.headers })
    t.notMatch(fetched.body, new RegExp(clientSecret), 'the secret is never shown again')
    const viaBody = await app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      payload: { grant_type: 'client_credentials', client_id: client.id, client_secret: clientSecret },
    })
    t.equal(viaBody.statusCode, 200)
    const viaBasic = await app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      headers: {
        authorization: `Basic ${Buffer.from(`${client.id}:${clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: 'grant_type=client_credentials',
    })
    t.equal(viaBasic.statusCode, 200)
    const token = viaBasic.json().access_token
    const me = await app.inject({ url: '/v1/me', headers: { authorization: `Bearer ${token}` } })
    t.match(me.json(), { kind: 'client', role: 'city_system' })
    const wrongSecret = await app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      payload: { grant_type: 'client_credentials', client_id: client.id, client_secret: 'x'.repeat(43) },
    })
    t.equal(wrongSecret.statusCode, 401)
    t.equal(wrongSecret.json().code, 'invalid_client')
    const noIfMatch = await app.inject({ method: 'DELETE', url: `/v1/clients/${client.id}`, headers: admin.headers })
    t.equal(noIfMatch.statusCode, 428)
    const revoked = await app.inject({
      method: 'DELETE',
      url: `/v1/clients/${client.id}`,
      headers: { ...admin.headers, 'if-match': fetched.headers.etag as string },
    })
    t.equal(revoked.statusCode, 204)
    const after = await app.inject({ url: '/v1/me', headers: { authorization: `Bearer ${token}` } })
    t.equal(after.statusCode, 401, 'a revoked client’s unexpired token stops working')
    t.equal(after.json().code, 'account_inactive')
  })

  t.test('a retried registration answers with the client as it is now, never with the secret again', async (t) => {
    const register = () =>
      app.inject({
        method: 'POST',
        url: '/v1/clients',
        headers: { ...admin.headers, 'idempotency-key': 'register-replay-dashboard' },
        payload: { name: 'Replay dashboard', role: 'city_system', units: [province] },
      })
    const first = await register()
    t.equal(first.statusCode, 201)
    const { client, clientSecret } = first.json()
    const kept = await app.database.db.select().from(idempotencyKeys)
    t.notMatch(JSON.stringify(kept), new RegExp(clientSecret), 'the idempotency store keeps no secret')
    t.same(
      kept.map((row) => [row.state, row.responseStatus, row.location]),
      [['done', 201, `/v1/clients/${client.id}`]],
      'only the outcome: status and location',
    )
    const replayed = await register()
    t.equal(replayed.statusCode, 201)
    t.equal(replayed.headers['idempotent-replayed'], 'true')
    t.equal(replayed.headers.location, `/v1/clients/${client.id}`)
    t.same(replayed.json(), { client, clientSecret: null })
    const current = await app.inject({ url: `/v1/clients/${client.id}`, headers: admin.headers })
    const revoked = await app.inject({
      method: 'DELETE',
      url: `/v1/clients/${client.id}`,
      headers: { ...admin.headers, 'if-match': current.headers.etag as string },
    })
    t.equal(revoked.statusCode, 204)
    const afterRevocation = await register()
    t.equal(afterRevocation.json().client.active, false, 'a replay shows the revocation')
    t.equal(afterRevocation.json().clientSecret, null)
  })
})

t.test('sign-in throttling holds under concurrency, and nobody can lock an officer out from elsewhere', async (t) => {
  const ctx = await createTestApp(t)
  const { app, clock } = ctx
  const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
  const created = await app.inject({
    method: 'POST',
    url: '/v1/users',
    headers: admin.headers,
    payload: {
      username: 'besieged.officer',
      displayName: 'B',
      role: 'ward_officer',
      units: [wardA],
      password: 'the real passphrase 2',
    },
  })
  t.equal(created.statusCode, 201)
  const attempt = (password: string, remoteAddress: string) =>
    app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      remoteAddress,
      payload: { grant_type: 'password', username: 'besieged.officer', password },
    })
  const failures = async () =>
    (
      await queryRows<{ n: number }>(
        app.database.db,
        sql`select count(*)::int as n from audit_events where action = 'auth.token' and outcome = 'failure'`,
      )
    )[0]!.n

  const burst = await Promise.all(Array.from({ length: 30 }, () => attempt('wrong guess', '203.0.113.5')))
  const statuses = burst.map((response) => response.statusCode).sort()
  t.same(
    [statuses.filter((s) => s === 400).length, statuses.filter((s) => s === 429).length],
    [5, 25],
    '30 sent at once: 5 checked, 25 refused before their password was',
  )
  t.equal(await failures(), 5, 'five passwords were verified')
  const home = await attempt('the real passphrase 2', '198.51.100.7')
  t.equal(home.statusCode, 200, 'the officer, from their own address, signs in meanwhile')

  // From many addresses: the account is slowed for everyone but the addresses it signs in from.
  for (let n = 0; n < 20; n++)
    t.equal((await attempt('wrong guess', `192.0.2.${n}`)).statusCode, 400, `address ${n}: checked`)
  const slowed = await attempt('wrong guess', '192.0.2.200')
  t.equal(slowed.statusCode, 429, 'past twenty from anywhere, the account waits')
  t.equal(slowed.headers['retry-after'], '1', 'a second at first')
  // A sustained flood, an attempt from a fresh address whenever the account's wait allows one.
  let admitted = 0
  for (let n = 0; n < 400; n++) {
    clock.advance(500)
    if ((await attempt('wrong guess', `2001:db8:${n.toString(16)}::1`)).statusCode === 400) admitted++
  }
  t.ok(admitted < 100, `${admitted} of 400 flood attempts were checked over 200 s: the wait grew`)
  const waiting = await attempt('wrong guess', '192.0.2.201')
  t.ok(Number(waiting.headers['retry-after']) > 1, `a new address now waits ${waiting.headers['retry-after']} s`)
  t.equal(
    (await attempt('the real passphrase 2', '198.51.100.7')).statusCode,
    200,
    'the officer, from the address they sign in from, is not held to it',
  )
  const oneNetwork = []
  for (let n = 1; n <= 6; n++) oneNetwork.push((await attempt('wrong guess', `2001:db8:ab:cd::${n}`)).statusCode)
  t.same(oneNetwork, [400, 400, 400, 400, 400, 429], 'the addresses of one IPv6 /64 are one place')
})

t.test('a client id is one client whatever its spelling; malformed Basic credentials are a 401', async (t) => {
  const ctx = await createTestApp(t)
  const { app } = ctx
  const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
  const registered = await app.inject({
    method: 'POST',
    url: '/v1/clients',
    headers: admin.headers,
    payload: { name: 'Spelling test', role: 'city_system', units: [province] },
  })
  const { client, clientSecret } = registered.json()
  const attempt = (id: string, secret: string) =>
    app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      payload: { grant_type: 'client_credentials', client_id: id, client_secret: secret },
    })
  for (let n = 0; n < 5; n++) t.equal((await attempt(client.id, 'x'.repeat(43))).statusCode, 401)
  const upper = await attempt(client.id.toUpperCase(), clientSecret)
  t.equal(upper.statusCode, 429, 'the upper-case spelling is the same client, counted as one')
  const basic = (credentials: string) =>
    app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      headers: { authorization: credentials, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=client_credentials',
    })
  for (const credentials of [
    `Basic ${Buffer.from('%zz:secret').toString('base64')}`,
    `Basic ${Buffer.from('%00abc:secret').toString('base64')}`,
    `Basic ${Buffer.from(`${client.id}:%00`).toString('base64')}`,
    `Basic ${Buffer.from('not-a-client-id:secret').toString('base64')}`,
    'Basic not-base64!',
    `basic ${Buffer.from('no-colon').toString('base64')}`,
  ]) {
    const response = await basic(credentials)
    t.equal(response.statusCode, 401, credentials)
    t.equal(response.json().code, 'invalid_client', credentials)
  }
  const token = await attempt(client.id, clientSecret).then(() =>
    basic(`bAsIc ${Buffer.from(`${client.id}:${clientSecret}`).toString('base64')}`),
  )
  t.equal(token.statusCode, 429, 'still throttled: the count is per client, not per spelling of the scheme either')
  const me = await app.inject({
    url: '/v1/me',
    headers: { authorization: admin.headers.authorization.replace('Bearer', 'bEaReR') },
  })
  t.equal(me.statusCode, 200, 'the Bearer scheme is case-insensitive')
})

t.test('login rate limit per client address', async (t) => {
  const { app } = await createTestApp(t, { env: { LOGIN_RATE_LIMIT_MAX: '3' } })
  const statuses: number[] = []
  for (let i = 0; i < 4; i++) {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      payload: { grant_type: 'password', username: `u${i}x`, password: 'whatever it is' },
    })
    statuses.push(response.statusCode)
  }
  t.same(statuses, [400, 400, 400, 429])
})

t.test('keys: JWKS publishes only public keys; rotation keeps old tokens valid', async (t) => {
  const ctx = await createTestApp(t)
  const { app } = ctx
  const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const jwks = await app.inject({ url: '/.well-known/jwks.json' })
  t.equal(jwks.statusCode, 200)
  const keys = jwks.json().keys as JWK[]
  t.equal(keys.length, 1)
  t.match(keys[0], { kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' })
  t.notOk('d' in keys[0]!, 'no private part')
  const verifier = await importJWK(keys[0]!, 'ES256')
  t.ok(verifier)

  const newKid = await app.accounts.keys.rotate(app.clock.now())
  const after = (await app.inject({ url: '/.well-known/jwks.json' })).json().keys as JWK[]
  t.equal(after.length, 2, 'old and new keys are both published')
  t.ok(after.some((key) => key.kid === newKid))
  const old = await app.inject({ url: '/v1/me', headers: officer.headers })
  t.equal(old.statusCode, 200, 'a token signed before rotation is still accepted')
  const { token } = await app.accounts.tokens.issue({ kind: 'user', id: officer.id }, app.clock.now())
  t.equal(
    JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid,
    newKid,
    'new tokens use the new key',
  )
  ctx.clock.advance(16 * 60 * 1000 + 61_000)
  const later = (await app.accounts.keys.jwks(new Date(ctx.clock.now().getTime() + 60_001))).keys
  t.equal(later.length, 1, 'the retired key disappears once its tokens have expired')
})

t.test('an external identity provider, mapped to local accounts', async (t) => {
  const { publicKey, privateKey } = await generateKeyPair('RS256')
  const jwk = { ...(await exportJWK(publicKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' }
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(JSON.stringify({ keys: [jwk] }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const ctx = await createTestApp(t, {
    env: {
      EXTERNAL_JWT_ISSUER: 'https://id.hanoi.example',
      EXTERNAL_JWKS_URL: `http://127.0.0.1:${port}/jwks`,
      EXTERNAL_JWT_AUDIENCE: 'cps',
    },
  })
  const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
  const created = await ctx.app.inject({
    method: 'POST',
    url: '/v1/users',
    headers: admin.headers,
    payload: {
      username: 'sso.officer',
      displayName: 'SSO',
      role: 'ward_officer',
      units: [wardA],
      externalSubject: 'idp|12345',
    },
  })
  t.equal(created.statusCode, 201)
  const issue = (sub: string, aud = 'cps') =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'idp-1' })
      .setIssuer('https://id.hanoi.example')
      .setAudience(aud)
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey)
  const mapped = await ctx.app.inject({
    url: '/v1/me',
    headers: { authorization: `Bearer ${await issue('idp|12345')}` },
  })
  t.equal(mapped.statusCode, 200)
  t.equal(mapped.json().name, 'sso.officer')
  const unmapped = await ctx.app.inject({
    url: '/v1/me',
    headers: { authorization: `Bearer ${await issue('idp|99999')}` },
  })
  t.equal(unmapped.statusCode, 401)
  t.equal(unmapped.json().code, 'unknown_account')
  const wrongAudience = await ctx.app.inject({
    url: '/v1/me',
    headers: { authorization: `Bearer ${await issue('idp|12345', 'other')}` },
  })
  t.equal(wrongAudience.statusCode, 401)
})
