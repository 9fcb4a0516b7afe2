import type { LightMyRequestResponse } from 'fastify'
import t from 'tap'
import { createTestApp } from '../support/app.js'
import { accountFor, province } from '../support/auth.js'

t.test('request ids, headers and logging', async (t) => {
  const ctx = await createTestApp(t)
  const { app, logs } = ctx
  const reader = await accountFor(ctx, { role: 'district_officer', units: [province] })

  t.test('a safe X-Request-Id is accepted and echoed', async (t) => {
    const response = await app.inject({ url: '/health/live', headers: { 'x-request-id': 'ward-app.42:abc' } })
    t.equal(response.headers['x-request-id'], 'ward-app.42:abc')
  })

  t.test('an unsafe X-Request-Id is replaced, never echoed or logged', async (t) => {
    const injected = 'abc\n{"level":60,"msg":"forged"}'
    const response = await app.inject({
      url: '/v1/units/nope',
      headers: { ...reader.headers, 'x-request-id': injected },
    })
    t.not(response.headers['x-request-id'], injected)
    t.match(response.headers['x-request-id'], /^[0-9a-f-]{36}$/)
    t.equal(response.json().requestId, response.headers['x-request-id'])
  })

  t.test('logs carry the request id but no authorization header and no query string', async (t) => {
    const marker = 'Nguyen-Van-Canary'
    const response = await app.inject({
      url: `/v1/units?level=ward&limit=1&cursor=${marker}`,
      headers: { ...reader.headers, 'x-request-id': 'log-check-1' },
    })
    t.equal(response.statusCode, 400)
    const lines = logs.filter((line) => line.requestId === 'log-check-1')
    t.ok(lines.length >= 2, 'request and response are logged')
    const text = JSON.stringify(lines)
    t.notMatch(text, new RegExp(reader.token.slice(-20)))
    t.notMatch(text, new RegExp(marker))
    t.match(text, /"route":"\/v1\/units"/, 'the route is logged, not the path the client wrote')
  })

  t.test('security headers are set', async (t) => {
    const response = await app.inject({ url: '/health/live' })
    t.equal(response.headers['x-content-type-options'], 'nosniff')
    t.equal(
      response.headers['content-security-policy'],
      "default-src 'none';frame-ancestors 'none'",
      'nothing may load or frame a response',
    )
    t.equal(response.headers['x-frame-options'], 'DENY')
    t.equal(response.headers['referrer-policy'], 'no-referrer')
    t.equal(response.headers['cache-control'], 'no-store', 'no cache keeps a response')
    for (const pageHeader of [
      'x-xss-protection',
      'x-dns-prefetch-control',
      'x-download-options',
      'x-permitted-cross-domain-policies',
      'origin-agent-cluster',
    ]) {
      t.notOk(pageHeader in response.headers, `${pageHeader}: nothing to act on in a JSON API`)
    }
    const keys = await app.inject({ url: '/.well-known/jwks.json' })
    t.equal(keys.headers['cache-control'], 'public, max-age=300', 'a route that may be cached says so itself')
  })
})

t.test('CORS answers only the configured origins', async (t) => {
  const ctx = await createTestApp(t, { env: { CORS_ORIGINS: 'https://ward.example.org' } })
  const { app } = ctx
  const allowed = await app.inject({
    method: 'OPTIONS',
    url: '/v1/units',
    headers: { origin: 'https://ward.example.org', 'access-control-request-method': 'GET' },
  })
  t.equal(allowed.headers['access-control-allow-origin'], 'https://ward.example.org')
  const denied = await app.inject({ url: '/v1/units', headers: { origin: 'https://evil.example.com' } })
  t.equal(denied.headers['access-control-allow-origin'], undefined)
  // A front-end on that origin can read every header the service sends for it to act on.
  const reader = await accountFor(ctx, { role: 'district_officer', units: [province] })
  const limited = await app.inject({
    url: '/v1/units',
    headers: { ...reader.headers, origin: 'https://ward.example.org' },
  })
  const exposed = String(limited.headers['access-control-expose-headers']).split(/,\s*/)
  const rateHeaders = Object.keys(limited.headers).filter((name) => name.includes('ratelimit'))
  t.same(rateHeaders.sort(), ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'], 'the rate limit is told')
  for (const name of [...rateHeaders, 'etag', 'location', 'retry-after', 'x-request-id'])
    t.ok(exposed.includes(name), `${name} is exposed`)
})

t.test('rate limiting answers 429 problem+json with Retry-After', async (t) => {
  const ctx = await createTestApp(t, { env: { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' } })
  const { app } = ctx
  const reader = await accountFor(ctx, { role: 'district_officer', units: [province] })
  const statuses: number[] = []
  let last: LightMyRequestResponse | undefined
  const remaining: string[] = []
  for (let i = 0; i < 4; i++) {
    last = await app.inject({ url: '/v1/circumstance-groups', headers: reader.headers })
    statuses.push(last.statusCode)
    remaining.push(String(last.headers['ratelimit-remaining']))
  }
  t.same(statuses, [200, 200, 200, 429])
  t.same(remaining, ['2', '1', '0', '0'], 'the IETF RateLimit headers')
  t.equal(last!.headers['ratelimit-limit'], '3')
  t.notOk(last!.headers['x-ratelimit-limit'], 'not the x- names')
  t.equal(last!.json().code, 'rate_limited')
  t.ok(Number(last!.headers['retry-after']) > 0)
  const probe = await app.inject({ url: '/health/live' })
  t.equal(probe.statusCode, 200, 'probes are never throttled')
})
