import Fastify from 'fastify'
import t from 'tap'
import { sendWithEtag } from '../../src/platform/concurrency.js'
import { checkDeclaredResponseHeaders } from '../../src/platform/contract-check.js'

/** A server with one versioned resource (declared by its `version` member) and one plain answer. */
async function server() {
  const app = Fastify()
  app.addSchema({ $id: 'Thing', type: 'object', properties: { id: { type: 'string' }, version: { type: 'integer' } } })
  checkDeclaredResponseHeaders(app)
  const versioned = { response: { 200: { $ref: 'Thing#' }, 201: { $ref: 'Thing#' } } }
  const plain = { response: { 200: { type: 'object', properties: { id: { type: 'string' } } } } }
  app.get('/things/etag', { schema: versioned }, async (_request, reply) =>
    sendWithEtag(reply, 3, { id: 'a', version: 3 }),
  )
  app.get('/things/no-etag', { schema: versioned }, async () => ({ id: 'a', version: 3 }))
  app.get('/plain/etag', { schema: plain }, async (_request, reply) => sendWithEtag(reply, 3, { id: 'a' }))
  app.post('/things', { schema: versioned, config: { location: true } }, async (_request, reply) => {
    reply.code(201).header('location', '/things/a')
    return sendWithEtag(reply, 1, { id: 'a', version: 1 })
  })
  app.post('/things/forgets-location', { schema: versioned, config: { location: true } }, async (_request, reply) =>
    sendWithEtag(reply.code(201), 1, { id: 'a', version: 1 }),
  )
  app.post('/things/undeclared-location', { schema: versioned }, async (_request, reply) => {
    reply.code(201).header('location', '/things/a')
    return sendWithEtag(reply, 1, { id: 'a', version: 1 })
  })
  app.get('/things/missing', { schema: versioned }, async (_request, reply) =>
    reply.code(404 as 200).send({ id: 'gone', version: 0 }),
  )
  return app
}

t.test('an answer is held to the ETag and Location its route declares', async (t) => {
  const app = await server()
  t.teardown(() => app.close())
  const cases: [string, string, number, RegExp | null][] = [
    ['GET', '/things/etag', 200, null],
    ['GET', '/things/no-etag', 500, /declares an ETag it did not send/],
    ['GET', '/plain/etag', 500, /sent an ETag it does not declare/],
    ['POST', '/things', 201, null],
    ['POST', '/things/forgets-location', 500, /declares a Location it did not send/],
    ['POST', '/things/undeclared-location', 500, /sent a Location it does not declare/],
    ['GET', '/things/missing', 404, null],
  ]
  for (const [method, url, status, message] of cases) {
    const response = await app.inject({ method: method as 'GET', url })
    t.equal(response.statusCode, status, `${method} ${url}`)
    if (message) t.match(response.body, message, `${method} ${url} names the mismatch`)
  }
})
