import type { FastifyInstance } from 'fastify'
import t from 'tap'
import Type from 'typebox'
import { HttpProblem } from '../../src/platform/problem.js'
import { createTestApp } from '../support/app.js'
import { accountFor, province } from '../support/auth.js'

const Body = Type.Object(
  {
    fullName: Type.String({ minLength: 1 }),
    age: Type.Integer({ minimum: 0 }),
    address: Type.Object({ unitCode: Type.String() }, { additionalProperties: false }),
  },
  { additionalProperties: false },
)

let writes = 0
async function fixtures(app: FastifyInstance) {
  app.post('/fixture/echo', { schema: { body: Body }, config: { permission: 'public' } }, async (request) => {
    writes++
    return request.body
  })
  app.get('/fixture/boom', { config: { permission: 'public' } }, async () => {
    throw Object.assign(new Error('duplicate key value violates unique constraint "children_pkey"'), {
      stack: 'Error: at secret/path.ts:1',
    })
  })
  app.get('/fixture/db-gone', { config: { permission: 'public' } }, async () => {
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })
  })
  app.get('/fixture/conflict', { config: { permission: 'public' } }, async () => {
    throw new HttpProblem(409, 'version_conflict', 'Stale.', { extensions: { currentVersion: 3 } })
  })
}

t.test('problem+json for every error, with stable codes', async (t) => {
  const ctx = await createTestApp(t, { extend: fixtures })
  const { app } = ctx
  const reader = await accountFor(ctx, { role: 'district_officer', units: [province] })

  t.test('400 lists every invalid member with a JSON pointer', async (t) => {
    const before = writes
    const response = await app.inject({
      method: 'POST',
      url: '/fixture/echo',
      payload: { fullName: '', age: 'seven', address: {} },
    })
    t.equal(response.statusCode, 400)
    t.match(response.headers['content-type'], /^application\/problem\+json/)
    const body = response.json()
    t.equal(body.code, 'validation_failed')
    t.equal(body.type, 'urn:cps:problem:validation_failed')
    t.equal(body.status, 400)
    t.equal(body.instance, '/fixture/echo')
    t.ok(body.requestId)
    const pointers = body.errors.map((e: { pointer: string }) => e.pointer).sort()
    t.same(pointers, ['/address/unitCode', '/age', '/fullName'])
    t.ok(body.errors.every((e: { location: string }) => e.location === 'body'))
    t.equal(writes, before, 'the handler never ran')
  })

  t.test('an unknown body property is rejected, not stripped', async (t) => {
    const response = await app.inject({
      method: 'POST',
      url: '/fixture/echo',
      payload: { fullName: 'A', age: 3, address: { unitCode: '00301' }, isAdmin: true },
    })
    t.equal(response.statusCode, 400)
    t.same(response.json().errors, [
      { location: 'body', pointer: '/isAdmin', message: 'is not a known property', code: 'additionalProperties' },
    ])
  })

  t.test('bodies are not type-coerced', async (t) => {
    const response = await app.inject({
      method: 'POST',
      url: '/fixture/echo',
      payload: { fullName: 'A', age: '3', address: { unitCode: '00301' } },
    })
    t.equal(response.statusCode, 400)
    t.equal(response.json().errors[0].pointer, '/age')
  })

  t.test('querystrings are coerced and unknown parameters rejected', async (t) => {
    const ok = await app.inject({ url: '/v1/units?limit=2&level=ward', headers: reader.headers })
    t.equal(ok.statusCode, 200)
    t.equal(ok.json().items.length, 2)
    const unknown = await app.inject({ url: '/v1/units?sort=name', headers: reader.headers })
    t.equal(unknown.statusCode, 400)
    t.same(unknown.json().errors[0], {
      location: 'querystring',
      pointer: '/sort',
      message: 'is not a known property',
      code: 'additionalProperties',
    })
  })

  t.test('malformed JSON is a 400, not a 500', async (t) => {
    const response = await app.inject({
      method: 'POST',
      url: '/fixture/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"fullName": ',
    })
    t.equal(response.statusCode, 400)
    t.equal(response.json().code, 'malformed_body')
  })

  t.test('413 when the body exceeds the limit', async (t) => {
    const response = await app.inject({
      method: 'POST',
      url: '/fixture/echo',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ fullName: 'x'.repeat(2 * 1024 * 1024), age: 1, address: { unitCode: 'a' } }),
    })
    t.equal(response.statusCode, 413)
    t.equal(response.json().code, 'payload_too_large')
    t.match(response.headers['content-type'], /^application\/problem\+json/)
  })

  t.test('415 for a content type the endpoint does not take', async (t) => {
    const response = await app.inject({
      method: 'POST',
      url: '/fixture/echo',
      headers: { 'content-type': 'application/xml' },
      payload: '<child/>',
    })
    t.equal(response.statusCode, 415)
    t.equal(response.json().code, 'unsupported_media_type')
  })

  t.test('404 for an unknown route', async (t) => {
    const response = await app.inject({ url: '/v1/nothing-here' })
    t.equal(response.statusCode, 404)
    t.equal(response.json().code, 'route_not_found')
  })

  t.test('500 reveals no message, SQL or stack', async (t) => {
    const response = await app.inject({ url: '/fixture/boom' })
    t.equal(response.statusCode, 500)
    const body = response.json()
    t.equal(body.code, 'internal_error')
    t.notMatch(response.body, /duplicate key|children_pkey|secret\/path/)
  })

  t.test('a lost database is a 503 with Retry-After, not a 500', async (t) => {
    const response = await app.inject({ url: '/fixture/db-gone' })
    t.equal(response.statusCode, 503)
    t.equal(response.json().code, 'database_unavailable')
    t.equal(response.headers['retry-after'], '5')
    t.notMatch(response.body, /ECONNREFUSED|5432/)
  })

  t.test('a raised problem keeps its extension members', async (t) => {
    const response = await app.inject({ url: '/fixture/conflict' })
    t.equal(response.statusCode, 409)
    t.equal(response.json().currentVersion, 3)
  })
})
