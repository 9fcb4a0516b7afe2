import { randomBytes, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { sql } from 'drizzle-orm'
import ExcelJS from 'exceljs'
import fc from 'fast-check'
import t from 'tap'
import { queryRows } from '../../src/db/client.js'
import { type JsonSchema } from '../support/arbitraries.js'
import { createTestApp } from '../support/app.js'
import { accountFor, clientFor, province, wardA, type TestAccount } from '../support/auth.js'
import { incidentReport, registerChild } from '../support/registry.js'

interface Operation {
  operationId: string
  parameters?: { in: 'path' | 'query' | 'header'; name: string; schema: JsonSchema }[]
  requestBody?: { content: Record<string, { schema: JsonSchema }> }
}

const document = JSON.parse(readFileSync('openapi/openapi.json', 'utf8')) as {
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, JsonSchema> }
}
const resolve = (ref: string) => document.components.schemas[ref.replace('#/components/schemas/', '')]!

/** Lower-case ASCII survives every normalisation the service applies (name folding, unaccenting, codes). */
const marker = `zqxcanary${randomBytes(4).toString('hex')}`

/**
 * A value the schema accepts wherever it can, with the marker in every free-text string: where a string
 * has a format, a pattern or a list of values, the marker cannot go, and a valid value does.
 */
function marked(schema: JsonSchema, text: string, ids: Record<string, string>, depth = 0): unknown {
  if (schema.$ref) return marked(resolve(schema.$ref), text, ids, depth)
  if (schema.const !== undefined) return schema.const
  if (schema.enum) return schema.enum[0]
  const union = schema.anyOf ?? schema.oneOf
  if (union) return marked(union.find((member) => member.type !== 'null') ?? union[0]!, text, ids, depth + 1)
  const type = Array.isArray(schema.type) ? schema.type.find((candidate) => candidate !== 'null') : schema.type
  switch (type) {
    case 'string':
      if (schema.format === 'uuid') return ids.child
      if (schema.format === 'date') return '2018-05-05'
      if (schema.format === 'date-time') return '2024-06-14T03:00:00Z'
      if (schema.pattern) return fc.sample(fc.stringMatching(new RegExp(schema.pattern)), { numRuns: 1, seed: 7 })[0]
      return text.slice(0, schema.maxLength ?? text.length)
    case 'integer':
    case 'number':
      return schema.minimum ?? 1
    case 'boolean':
      return true
    case 'array':
      return depth > 5 || !schema.items ? [] : [marked(schema.items, text, ids, depth + 1)]
    case 'object':
      if (depth > 5) return {}
      return Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([name, property]) => [
          name,
          marked(property, text, ids, depth + 1),
        ]),
      )
    default:
      return text
  }
}

/** The record a path's id names, by the collection it sits under. */
function idFor(path: string, ids: Record<string, string>): string {
  for (const [collection, id] of Object.entries(ids)) if (path.startsWith(`/v1/${collection}`)) return id
  return randomUUID()
}

async function workbook(rows: string[][]): Promise<Buffer> {
  const book = new ExcelJS.Workbook()
  const sheet = book.addWorksheet('Trẻ em')
  for (const row of rows) sheet.addRow(row)
  return Buffer.from(await book.xlsx.writeBuffer())
}

t.test('no personal value sent to any operation, valid or failing, reaches a log line at any level', async (t) => {
  const ctx = await createTestApp(t, {
    now: '2024-06-15T03:00:00Z',
    env: { LOG_LEVEL: 'trace' },
    extend: (app) => {
      // The paths a database error takes to the log: a statement refused for a value (400) and a failure (500),
      // each with the marker among the statement's parameters; and an error whose message holds it.
      app.get('/fixture/refused-value', { config: { permission: 'public' } }, async () =>
        queryRows(app.database.db, sql`select ${marker}::uuid as refused`),
      )
      app.get('/fixture/failed-statement', { config: { permission: 'public' } }, async () =>
        queryRows(
          app.database.db,
          sql`select ${marker}::text as value, 1 / (select count(*) - count(*) from units) as failure`,
        ),
      )
      app.get('/fixture/error-message', { config: { permission: 'public' } }, async () => {
        throw new Error(`could not file ${marker}`)
      })
    },
  })
  const { app, logs } = ctx
  const accounts: Record<string, TestAccount> = {
    district_admin: await accountFor(ctx, { role: 'district_admin', units: [province] }),
    ward_officer: await accountFor(ctx, { role: 'ward_officer', units: [wardA] }),
    city_system: await clientFor(ctx, { role: 'city_system', units: [province] }),
  }
  const officer = accounts.ward_officer!
  const named = (text: string) => `Nguyễn Văn ${text}`

  // Valid requests that put the marker into records, then read, search and export them.
  const child = await registerChild(ctx, officer, {
    fullName: named(marker),
    dateOfBirth: '2017-01-01',
    healthNote: `HIV: ${marker}`,
    address: { wardCode: wardA, streetAddress: marker },
  })
  const household = await app.inject({
    method: 'POST',
    url: '/v1/households',
    headers: officer.headers,
    payload: { headName: named(marker), address: { wardCode: wardA, streetAddress: marker } },
  })
  const incident = await app.inject({
    method: 'POST',
    url: '/v1/incidents',
    headers: officer.headers,
    payload: incidentReport(
      { id: child.id, wardCode: wardA },
      { narrative: `narrative of ${marker}`, perpetratorRelation: marker },
    ),
  })
  const ids: Record<string, string> = {
    children: child.id,
    households: household.json().id ?? randomUUID(),
    incidents: incident.json().id ?? randomUUID(),
    child: child.id,
  }
  const story = [
    await app.inject({ url: `/v1/children?q=${marker}`, headers: officer.headers }),
    await app.inject({ url: `/v1/children/export?format=csv&q=${marker}`, headers: officer.headers }),
    await app.inject({ url: `/v1/children/${child.id}`, headers: officer.headers }),
    await app.inject({
      method: 'PATCH',
      url: `/v1/children/${child.id}`,
      headers: { ...officer.headers, 'if-match': `"${child.version}"` },
      payload: { fullName: named(`${marker} b`), reason: marker },
    }),
    await app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      payload: { grant_type: 'password', username: marker, password: marker },
    }),
    await app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      payload: { grant_type: 'client_credentials', client_id: marker, client_secret: marker },
    }),
    await app.inject({
      method: 'POST',
      url: '/v1/children',
      headers: { ...officer.headers, 'content-type': 'application/json' },
      payload: `{"fullName": "${marker}", `,
    }),
    await app.inject({
      method: 'POST',
      url: '/v1/imports?kind=children&mode=partial',
      headers: { ...officer.headers, 'content-type': 'application/x-ndjson' },
      payload:
        `{"externalId":"${marker}-1","fullName":"${named(marker)}","sex":"male","dateOfBirth":"2018-01-01","wardCode":"${wardA}"}\n` +
        `{"externalId":"${marker}-2","fullName":"${marker}\\u0000","sex":"male","dateOfBirth":"2018-01-01","wardCode":"${wardA}"}\n` +
        `{"externalId":"${marker}-3","fullName":"${marker}","sex":"${marker}","dateOfBirth":"${marker}","wardCode":"${marker}"}\n`,
    }),
    await app.inject({
      method: 'POST',
      url: '/v1/imports?kind=children',
      headers: { ...officer.headers, 'content-type': 'text/csv' },
      payload: `externalId,fullName,sex,dateOfBirth,wardCode\n${marker},${named(marker)},${marker},2018-01-01,${wardA}\n`,
    }),
    await app.inject({
      method: 'POST',
      url: '/v1/imports?kind=children',
      headers: {
        ...officer.headers,
        'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      },
      payload: await workbook([
        ['Mã nguồn', 'Họ và tên', 'Giới tính', 'Ngày sinh', 'Mã phường'],
        [`${marker}-x`, named(marker), 'Nam', marker, wardA],
      ]),
    }),
    await app.inject({ url: '/fixture/refused-value' }),
    await app.inject({ url: '/fixture/failed-statement' }),
    await app.inject({ url: '/fixture/error-message' }),
  ]
  t.same(
    story.slice(-3).map((response) => response.statusCode),
    [400, 500, 500],
    'the database and error paths were taken',
  )

  // Every operation of the contract, as each kind of caller, with the marker in every free-text field:
  // as sent, with a NUL after it, and as a body that is not JSON.
  let requests = story.length
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const parameters = operation.parameters ?? []
      const bodySchema = operation.requestBody?.content['application/json']?.schema
      for (const text of [marker, `${marker}\u0000`]) {
        let url = path
        for (const parameter of parameters.filter((candidate) => candidate.in === 'path')) {
          const value = parameter.schema.format === 'uuid' ? idFor(path, ids) : text
          url = url.replace(`{${parameter.name}}`, encodeURIComponent(value))
        }
        const search = new URLSearchParams()
        for (const parameter of parameters.filter((candidate) => candidate.in === 'query')) {
          const value = marked(parameter.schema, text, ids)
          // Query parameters are strings, numbers or booleans (openapi.json); an absent one is undefined.
          if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
            search.set(parameter.name, String(value))
        }
        for (const account of Object.values(accounts)) {
          const response = await app.inject({
            method: method.toUpperCase() as 'GET',
            url: search.size ? `${url}?${search.toString()}` : url,
            headers: { ...account.headers, 'if-match': '"1"', 'idempotency-key': `${marker}-${requests}` },
            ...(bodySchema ? { payload: marked(bodySchema, text, ids) as object } : {}),
          })
          requests++
          t.ok(response.statusCode < 500, `${method.toUpperCase()} ${path}: ${response.statusCode}`)
        }
      }
      if (bodySchema) {
        await app.inject({
          method: method.toUpperCase() as 'POST',
          url: path,
          headers: { ...officer.headers, 'content-type': 'application/json' },
          payload: `{"${marker}": "${marker}`,
        })
        requests++
      }
    }
  }
  t.ok(requests > 300, `${requests} requests`)
  t.ok(logs.length > requests, `${logs.length} log lines`)
  t.ok(
    logs.some((line) => line.level === 50),
    'error lines among them (the failures above)',
  )
  const leaks = logs.filter((line) => JSON.stringify(line).toLowerCase().includes(marker))
  t.same(leaks, [], 'no log line carries the marker')
})
