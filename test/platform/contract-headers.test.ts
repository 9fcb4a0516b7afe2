import { randomUUID } from 'node:crypto'
import t from 'tap'
import { createTestApp } from '../support/app.js'
import { accountFor, province } from '../support/auth.js'

interface Operation {
  parameters?: { in: string; name: string; required?: boolean }[]
  responses: Record<string, { headers?: Record<string, unknown> }>
}

/** Every operation of the served contract, as [method, path template, operation]. */
function operationsOf(document: { paths: Record<string, Record<string, Operation>> }) {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => [method.toUpperCase(), path, operation] as const),
  )
}

t.test('the headers the contract declares are the ones the server requires and sends', async (t) => {
  const ctx = await createTestApp(t)
  const { app } = ctx
  const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
  // The ward chair's approvals are refused to the administrator before their precondition is asked for.
  const chair = await accountFor(ctx, { role: 'ward_chair', units: [province] })
  const writer = (operation: Operation) =>
    (operation as { 'x-permission'?: string })['x-permission'] === 'plans:approve' ? chair : admin
  const document = (await app.inject({ url: '/openapi.json' })).json()
  const operations = operationsOf(document)
  const declaresIfMatch = (operation: Operation) =>
    (operation.parameters ?? []).some((p) => p.in === 'header' && p.name === 'if-match' && p.required)

  t.test('every operation that declares If-Match as required answers 428 without it', async (t) => {
    const needing = operations.filter(([, , operation]) => declaresIfMatch(operation))
    t.ok(needing.length >= 15, `${needing.length} operations`)
    for (const [method, path, operation] of needing) {
      // Any id: the precondition is checked before the resource is looked for.
      const url = path.replace(/\{[^}]+\}/g, () => randomUUID())
      const headers = writer(operation).headers
      const response = await app.inject({ method: method as 'PATCH', url, headers, payload: {} })
      t.equal(response.statusCode, 428, `${method} ${path}`)
    }
  })

  t.test('and every operation that answers 428 without If-Match declares it', async (t) => {
    const writes = operations.filter(
      ([method, , operation]) => ['PATCH', 'PUT', 'DELETE'].includes(method) && !declaresIfMatch(operation),
    )
    for (const [method, path] of writes) {
      const url = path.replace(/\{[^}]+\}/g, () => randomUUID())
      const response = await app.inject({ method: method as 'PATCH', url, headers: admin.headers, payload: {} })
      t.not(response.statusCode, 428, `${method} ${path} does not require it either`)
    }
  })

  t.test('every response declares the request id and the rate limit, and the server sends them', async (t) => {
    for (const [method, path, operation] of operations)
      for (const [status, response] of Object.entries(operation.responses)) {
        const headers = Object.keys(response.headers ?? {})
        t.ok(headers.includes('x-request-id'), `${method} ${path} ${status}: x-request-id`)
        if (!path.startsWith('/health/'))
          t.ok(headers.includes('ratelimit-remaining'), `${method} ${path} ${status}: ratelimit-remaining`)
        if (status === '429') t.ok(headers.includes('retry-after'), `${method} ${path} 429: retry-after`)
      }
    const read = await app.inject({ url: '/v1/units', headers: admin.headers })
    for (const name of ['x-request-id', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'])
      t.ok(read.headers[name] !== undefined, `${name} sent`)
  })

  t.test('Idempotency-Key is declared where a retry is answered as a replay', async (t) => {
    const idempotent = operations.filter(([, , operation]) =>
      (operation.parameters ?? []).some((p) => p.in === 'header' && p.name === 'idempotency-key'),
    )
    t.ok(idempotent.length >= 5, `${idempotent.length} operations`)
    t.ok(
      idempotent.every(([method]) => method === 'POST'),
      'only creating requests take one',
    )
    const create = (key: string) =>
      app.inject({
        method: 'POST',
        url: '/v1/clients',
        headers: { ...admin.headers, 'idempotency-key': key },
        payload: { name: 'Hệ thống thử (tổng hợp)', role: 'city_system', units: [province] },
      })
    const key = randomUUID()
    const first = await create(key)
    const again = await create(key)
    t.equal(first.statusCode, 201)
    t.equal(again.headers['idempotent-replayed'], 'true', 'the replay says so, as declared')
    t.ok(
      idempotent.some(([method, path]) => method === 'POST' && path === '/v1/clients'),
      'and that operation declares it',
    )
  })
})
