import { readFileSync } from 'node:fs'
import { Ajv } from 'ajv'
import * as addFormatsModule from 'ajv-formats'
import fc from 'fast-check'
import t from 'tap'
import { hostileValue, validValue, type JsonSchema } from '../support/arbitraries.js'
import { createTestApp } from '../support/app.js'
import { accountFor, clientFor, province, wardA, type TestAccount } from '../support/auth.js'
import { registerChild } from '../support/registry.js'

const addFormats = addFormatsModule.default as unknown as typeof addFormatsModule.default.default

interface Operation {
  operationId: string
  parameters?: { in: 'path' | 'query' | 'header'; name: string; required?: boolean; schema: JsonSchema }[]
  requestBody?: { content: Record<string, { schema: JsonSchema }> }
  responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }>
}

const document = JSON.parse(readFileSync('openapi/openapi.json', 'utf8')) as {
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, JsonSchema> }
}
const resolve = (ref: string) => document.components.schemas[ref.replace('#/components/schemas/', '')]!

const ajv = new Ajv({ strict: false, allErrors: false })
addFormats(ajv)
ajv.addSchema({ $id: 'api', components: document.components })
function responseValidator(schema: JsonSchema) {
  const rewritten = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"api#/components/'))
  return ajv.compile(rewritten)
}

const runsPerOperation = Number(process.env.FUZZ_RUNS ?? 6)
const alwaysDocumented = new Set(['429', '500', '503'])

t.test(
  'every operation, fuzzed from the contract: never a 5xx, problems are documented, 2xx bodies match',
  async (t) => {
    const ctx = await createTestApp(t, { now: '2024-06-15T03:00:00Z' })
    const accounts: Record<string, TestAccount> = {
      district_admin: await accountFor(ctx, { role: 'district_admin', units: [province] }),
      ward_officer: await accountFor(ctx, { role: 'ward_officer', units: [wardA] }),
      collaborator: await accountFor(ctx, { role: 'collaborator', units: [wardA] }),
      city_system: await clientFor(ctx, { role: 'city_system', units: [province] }),
    }
    // Real ids give the fuzzer paths that reach records, not only 404s.
    const child = await registerChild(ctx, accounts.ward_officer!, {
      fullName: 'Fuzz Child',
      dateOfBirth: '2018-01-01',
      address: { wardCode: wardA },
    })
    const knownIds = [child.id]

    let requests = 0
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const parameters = operation.parameters ?? []
        const bodySchema = operation.requestBody?.content['application/json']?.schema
        const validators = new Map<string, ReturnType<typeof responseValidator>>()
        for (const [status, response] of Object.entries(operation.responses)) {
          const schema = response.content?.['application/json']?.schema
          if (schema && status.startsWith('2')) validators.set(status, responseValidator(schema))
        }
        const request = fc.record({
          hostile: fc.boolean(),
          account: fc.constantFrom(...Object.keys(accounts)),
          path: fc.record(
            Object.fromEntries(
              parameters
                .filter((p) => p.in === 'path')
                .map((p) => [
                  p.name,
                  p.schema.format === 'uuid'
                    ? fc.oneof(fc.constantFrom(...knownIds), fc.uuid())
                    : validValue(p.schema, resolve),
                ]),
            ),
          ),
          query: fc.record(
            Object.fromEntries(
              parameters
                .filter((p) => p.in === 'query')
                .map((p) => [p.name, fc.option(validValue(p.schema, resolve), { nil: undefined })]),
            ),
          ),
          body: bodySchema ? validValue(bodySchema, resolve) : fc.constant(undefined),
          junk: fc.record({ field: fc.string({ minLength: 1, maxLength: 10 }), value: hostileValue() }),
        })
        await fc.assert(
          fc.asyncProperty(request, async ({ hostile, account, path: pathValues, query, body, junk }) => {
            let url = path
            for (const [name, value] of Object.entries(pathValues))
              url = url.replace(`{${name}}`, encodeURIComponent(String(value)))
            const search = new URLSearchParams()
            for (const [name, value] of Object.entries(query))
              // Query parameters are strings, numbers or booleans (openapi.json); an absent one is undefined.
              if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
                search.set(name, String(value))
            if (hostile) search.set(junk.field, JSON.stringify(junk.value))
            let payload = body
            if (hostile && payload && typeof payload === 'object' && !Array.isArray(payload))
              payload = { ...payload, [junk.field]: junk.value }
            else if (hostile && bodySchema) payload = junk.value
            const response = await ctx.app.inject({
              method: method.toUpperCase() as 'GET',
              url: search.size ? `${url}?${search.toString()}` : url,
              headers: { ...accounts[account]!.headers, 'if-match': '"1"' },
              ...(payload !== undefined ? { payload: payload as object } : {}),
            })
            requests++
            const label = `${method.toUpperCase()} ${url} as ${account}: ${response.statusCode} ${response.body.slice(0, 300)}`
            if (response.statusCode >= 500) throw new Error(`server error: ${label}`)
            if (response.statusCode >= 400) {
              if (!/^application\/problem\+json/.test(String(response.headers['content-type'])))
                throw new Error(`not problem+json: ${label}`)
              const documented =
                operation.responses[String(response.statusCode)] || alwaysDocumented.has(String(response.statusCode))
              if (!documented) throw new Error(`undocumented status: ${label}`)
              return
            }
            const validate = validators.get(String(response.statusCode))
            if (validate && /json/.test(String(response.headers['content-type'])) && !validate(response.json())) {
              throw new Error(`body does not match the contract: ${label}: ${ajv.errorsText(validate.errors)}`)
            }
          }),
          { numRuns: runsPerOperation, seed: Number(process.env.FUZZ_SEED ?? 20241128), endOnFailure: true },
        )
      }
    }
    t.ok(requests > 100, `${requests} requests sent`)
  },
)
