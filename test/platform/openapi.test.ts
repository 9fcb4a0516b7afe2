import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import t from 'tap'
import { generateOpenApiDocument, serialiseOpenApi } from '../../src/platform/openapi-document.js'
import { withoutUpgradeToHttps } from '../../src/platform/openapi.js'
import { createTestApp } from '../support/app.js'

type Operation = {
  operationId?: string
  tags?: string[]
  summary?: string
  security?: unknown[]
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>
}

t.test('the committed contract is what the code generates', async (t) => {
  const { json, yaml } = serialiseOpenApi(await generateOpenApiDocument())
  t.equal(readFileSync('openapi/openapi.json', 'utf8'), json, 'openapi.json is current: run `npm run openapi`')
  t.equal(readFileSync('openapi/openapi.yaml', 'utf8'), yaml, 'openapi.yaml is current: run `npm run openapi`')
})

t.test('every operation is documented for integrators', async (t) => {
  const document = JSON.parse(readFileSync('openapi/openapi.json', 'utf8')) as {
    openapi: string
    paths: Record<string, Record<string, Operation>>
    components: { schemas: Record<string, unknown> }
  }
  t.equal(document.openapi, '3.1.0')
  const ids = new Set<string>()
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const name = `${method.toUpperCase()} ${path}`
      t.ok(operation.operationId, `${name} has an operationId`)
      t.notOk(ids.has(operation.operationId!), `${name}: operationId is unique`)
      ids.add(operation.operationId!)
      t.ok(operation.tags?.length, `${name} has a tag`)
      t.ok(operation.summary, `${name} has a summary`)
      t.ok(Array.isArray(operation.security), `${name} declares its security`)
      const permission = (operation as { 'x-permission'?: string })['x-permission']
      t.ok(permission, `${name} names its permission`)
      if (permission !== 'public')
        t.same(operation.security, [{ bearerAuth: [] }, { oauth2: [] }], `${name} needs a bearer token`)
      t.ok(operation.responses['500'], `${name} documents 500`)
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400) continue
        t.equal(
          response.content?.['application/problem+json']?.schema?.$ref,
          '#/components/schemas/Problem',
          `${name} ${status} is a problem+json Problem`,
        )
      }
    }
  }
  t.ok(document.components.schemas.Problem, 'Problem is a named component')
  t.match((document.components as { securitySchemes?: unknown }).securitySchemes, {
    bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
    oauth2: {
      type: 'oauth2',
      flows: {
        password: { tokenUrl: '/v1/auth/token', scopes: {} },
        clientCredentials: { tokenUrl: '/v1/auth/token', scopes: {} },
      },
    },
  })
  t.ok(document.components.schemas.Unit, 'components are named after schema ids')
})

t.test('the spec passes redocly lint with no errors', async (t) => {
  const output = execFileSync(
    process.execPath,
    ['node_modules/@redocly/cli/bin/cli.js', 'lint', 'openapi/openapi.json', '--format=summary'],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  t.notMatch(output, /error/i, output)
})

t.test('the server serves the spec and the docs', async (t) => {
  const { app } = await createTestApp(t)
  const spec = await app.inject({ url: '/openapi.json' })
  t.equal(spec.statusCode, 200)
  t.equal(spec.json().info.title, 'Child protection information service')
  const docs = await app.inject({ url: '/docs/', headers: { host: 'cps.phuong.example' } })
  t.equal(docs.statusCode, 200)
  t.match(docs.headers['content-type'], /text\/html/)
  const policy = String(docs.headers['content-security-policy'])
  t.match(policy, /script-src 'self'/, 'the page’s own policy')
  t.notMatch(policy, /upgrade-insecure-requests/, 'which a browser on plain http at this host could follow')
  const script = await app.inject({ url: '/docs/static/swagger-ui-bundle.js', headers: { host: 'cps.phuong.example' } })
  t.equal(script.statusCode, 200, 'its scripts are served')
})

t.test('a policy loses only its upgrade to https', async (t) => {
  const cases: [string, string][] = [
    ["default-src 'self'; upgrade-insecure-requests;", "default-src 'self'"],
    ["upgrade-insecure-requests; img-src 'self' data:", "img-src 'self' data:"],
    ["default-src 'self'", "default-src 'self'"],
  ]
  for (const [policy, expected] of cases) t.equal(withoutUpgradeToHttps(policy), expected, policy)
})
