import { eq } from 'drizzle-orm'
import type { InjectOptions } from 'fastify'
import t from 'tap'
import { auditEvents } from '../../src/modules/audit/tables.js'
import { createTestApp } from '../support/app.js'
import { accountFor, wardA } from '../support/auth.js'

const missing = '00000000-0000-4000-8000-00000000dead'

t.test('a write refused because its record is missing is audited like any other write', async (t) => {
  const ctx = await createTestApp(t, { now: '2024-06-15T03:00:00Z' })
  const { app } = ctx
  const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const ifMatch = { 'if-match': '"1"' }
  const cases: [InjectOptions, string, string][] = [
    [
      { method: 'PATCH', url: `/v1/children/${missing}`, headers: ifMatch, payload: { fullName: 'Trẻ Không Có' } },
      'child.update',
      'updateChild',
    ],
    [
      { method: 'DELETE', url: `/v1/children/${missing}?reason=registered+twice`, headers: ifMatch },
      'child.delete',
      'deleteChild',
    ],
    [
      {
        method: 'POST',
        url: `/v1/children/${missing}/circumstances`,
        payload: { kind: 'group', groupCode: 'a', startDate: '2024-01-01' },
      },
      'child.write',
      'addChildCircumstance',
    ],
    [
      { method: 'PATCH', url: `/v1/incidents/${missing}`, headers: ifMatch, payload: { channel: 'phone' } },
      'incident.update',
      'updateIncident',
    ],
    [
      { method: 'POST', url: `/v1/incidents/${missing}/written-report`, payload: {} },
      'incident.write',
      'submitWrittenReport',
    ],
  ]
  for (const [request, action, operation] of cases) {
    const response = await app.inject({
      ...request,
      headers: { ...officer.headers, ...(request.headers as Record<string, string>) },
    })
    t.equal(response.statusCode, 404, operation)
    const events = await app.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.requestId, String(response.headers['x-request-id'])))
    t.match(
      events,
      [{ action, resourceId: missing, outcome: 'not_found', actorId: officer.id, details: { operation } }],
      operation,
    )
  }
  const part = '00000000-0000-4000-8000-00000000beef'
  const response = await app.inject({
    method: 'PATCH',
    url: `/v1/children/${missing}/circumstances/${part}`,
    headers: { ...officer.headers, ...ifMatch },
    payload: { note: 'đã chuyển đi' },
  })
  t.equal(response.statusCode, 404)
  const events = await app.database.db
    .select()
    .from(auditEvents)
    .where(eq(auditEvents.requestId, String(response.headers['x-request-id'])))
  t.match(
    events,
    [
      {
        action: 'child.update',
        resourceType: 'child',
        resourceId: missing,
        outcome: 'not_found',
        details: { part: 'circumstance', partId: part },
      },
    ],
    'a part of a record is audited under the record',
  )
})

t.test('framework errors are problems too; OPTIONS is quiet without CORS', async (t) => {
  const ctx = await createTestApp(t)
  const { app, logs } = ctx
  const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const overlong = await app.inject({ url: `/v1/children/${'a'.repeat(300)}`, headers: officer.headers })
  t.equal(overlong.statusCode, 414)
  t.match(overlong.headers['content-type'], /^application\/problem\+json/)
  t.equal(overlong.json().code, 'uri_too_long')
  const text = await app.inject({
    method: 'POST',
    url: '/v1/children',
    headers: { ...officer.headers, 'content-type': 'text/plain' },
    payload: 'Nguyễn Văn An',
  })
  t.equal(text.statusCode, 415, 'a JSON operation sent text/plain')
  t.equal(text.json().code, 'unsupported_media_type')
  const before = logs.length
  for (let n = 0; n < 5; n++) {
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/v1/children',
      headers: { origin: 'https://other.example', 'access-control-request-method': 'POST' },
    })
    t.ok(preflight.statusCode < 500 && preflight.statusCode !== 403, `preflight answered ${preflight.statusCode}`)
    t.notOk(preflight.headers['access-control-allow-origin'], 'and grants nothing')
  }
  t.same(
    logs.slice(before).filter((line) => (line.level as number) >= 40),
    [],
    'no warning or error line for preflights',
  )
})

t.test('with CORS configured, a preflight from an allowed origin is answered without a token', async (t) => {
  const { app } = await createTestApp(t, { env: { CORS_ORIGINS: 'https://ward.example.org' } })
  const preflight = await app.inject({
    method: 'OPTIONS',
    url: '/v1/children',
    headers: {
      origin: 'https://ward.example.org',
      'access-control-request-method': 'PATCH',
      'access-control-request-headers': 'authorization,if-match',
    },
  })
  t.equal(preflight.statusCode, 204)
  t.equal(preflight.headers['access-control-allow-origin'], 'https://ward.example.org')
  t.match(String(preflight.headers['access-control-allow-methods']), /PATCH/)
})
