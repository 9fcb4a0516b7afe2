import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import t from 'tap'
import { checkDeclaredProblemCodes } from '../../src/platform/contract-check.js'
import errors from '../../src/platform/errors.js'
import { generateOpenApiDocument } from '../../src/platform/openapi-document.js'
import { HttpProblem } from '../../src/platform/problem.js'
import {
  problemCodesFile,
  readProblemCodeDeclaration,
  serialiseProblemCodeDeclaration,
  operationCodes,
  type CommonGroup,
  type ProblemCodeDeclaration,
} from '../../src/platform/problem-codes.js'
import { fitToOperations, mergeObservations, readObservations } from '../../src/platform/problem-codes-recording.js'

interface Operation {
  operationId: string
  responses: Record<string, { description: string }>
  'x-problem-codes': Record<string, string[]>
  'x-common-problem-codes': CommonGroup[]
}

t.test('the declaration names operations the service has, and the contract lists every code of it', async (t) => {
  const declaration = readProblemCodeDeclaration()
  t.equal(
    readFileSync(problemCodesFile, 'utf8'),
    serialiseProblemCodeDeclaration(declaration),
    'openapi/problem-codes.json is in its sorted form (npm run contract:problems writes it so)',
  )
  const document = (await generateOpenApiDocument()) as {
    paths: Record<string, Record<string, Operation>>
    'x-common-problem-codes': Record<CommonGroup, { codes: Record<string, string[]> }>
  }
  const operations = new Map(
    Object.values(document.paths)
      .flatMap((methods) => Object.values(methods))
      .map((operation) => [operation.operationId, operation]),
  )
  for (const operationId of new Set([...Object.keys(declaration.operations), ...Object.keys(declaration.unreached)])) {
    const operation = operations.get(operationId)
    if (!operation) {
      t.fail(`${operationId} is no operation of the service: record again with --replace, or remove it`)
      continue
    }
    const byStatus = operationCodes(declaration, operationId)
    t.same(operation['x-problem-codes'], byStatus, `${operationId}: x-problem-codes`)
    for (const [status, codes] of Object.entries(byStatus))
      for (const code of codes)
        t.match(operation.responses[status]?.description, `\`${code}\``, `${operationId} ${status}: ${code} described`)
  }
  const groupsByOperation = new Map(
    [...operations].map(([operationId, operation]) => [operationId, operation['x-common-problem-codes']]),
  )
  t.same(
    fitToOperations(declaration, groupsByOperation).operations,
    declaration.operations,
    'no operation declares a code one of its common groups gives it (npm run contract:problems leaves those out)',
  )
  for (const [group, codes] of Object.entries(declaration.common))
    t.same(document['x-common-problem-codes'][group as CommonGroup].codes, codes, `${group} listed once`)
  const getChild = operations.get('getChild')!
  t.same(getChild['x-common-problem-codes'], ['everyOperation', 'withToken', 'withPermission'])
  t.match(getChild.responses['401']?.description, /Codes common to other operations: .*`unauthenticated`/)
})

const declaration: ProblemCodeDeclaration = {
  common: {
    everyOperation: { '429': ['rate_limited'] },
    withToken: { '401': ['unauthenticated'] },
    noOperation: { '404': ['route_not_found'] },
  },
  operations: { getThing: { '404': ['thing_missing'] }, getOwnThing: {} },
  unreached: { getThing: { '409': ['thing_raced'] } },
}

/** A server whose routes answer the problem their query names, held to `declaration`. */
async function server(recordTo: string | undefined) {
  const app = Fastify()
  await app.register(errors)
  checkDeclaredProblemCodes(app, { declaration, recordTo })
  const query = { type: 'object', properties: { status: { type: 'integer' }, code: { type: 'string' } } }
  const raise = async (request: { query: unknown }) => {
    const { status, code } = request.query as { status: number; code: string }
    throw new HttpProblem(status, code, 'as asked')
  }
  app.get('/things/:id', { schema: { operationId: 'getThing', querystring: query }, config: {} }, raise)
  app.get(
    '/own/things',
    { schema: { operationId: 'getOwnThing', querystring: query }, config: { permission: 'authenticated' } },
    raise,
  )
  app.get('/outside-the-contract', { schema: { querystring: query } }, raise)
  return app
}

t.test('a problem is held to the codes its operation declares for its status', async (t) => {
  const app = await server(undefined)
  t.teardown(() => app.close())
  const cases: [string, number, RegExp | null][] = [
    ['/things/a?status=404&code=thing_missing', 404, null],
    ['/things/a?status=429&code=rate_limited', 429, null],
    [
      '/things/a?status=409&code=thing_busy',
      500,
      /GET \/things\/:id \(getThing\) answered 409 with problem code thing_busy/,
    ],
    ['/things/a?status=409&code=thing_missing', 500, /answered 409 with problem code thing_missing/],
    ['/things/a?status=409&code=thing_raced', 409, null],
    ['/things/a?status=401&code=unauthenticated', 500, /unauthenticated/],
    ['/own/things?status=401&code=unauthenticated', 401, null],
    ['/outside-the-contract?status=409&code=anything', 409, null],
    ['/no/such/route', 404, null],
  ]
  for (const [url, status, message] of cases) {
    const response = await app.inject({ url })
    t.equal(response.statusCode, status, url)
    if (!message) continue
    t.equal(response.json().code, 'contract_mismatch', `${url}: contract_mismatch`)
    t.match(response.json().detail, message, `${url} names the code and the operation`)
    t.match(response.json().detail, /npm run contract:problems/, `${url} says how to record it`)
  }
})

t.test(
  'recording appends each code an operation answered of its own, and the merge adds it to the declaration',
  async (t) => {
    const directory = mkdtempSync(join(tmpdir(), 'problem-codes-test-'))
    t.teardown(() => rmSync(directory, { recursive: true, force: true }))
    const app = await server(directory)
    t.teardown(() => app.close())
    for (const url of [
      '/things/a?status=409&code=thing_busy',
      '/things/b?status=409&code=thing_busy',
      '/things/a?status=404&code=thing_missing',
      '/things/a?status=429&code=rate_limited',
      '/own/things?status=422&code=thing_invalid',
    ])
      t.equal((await app.inject({ url })).statusCode, Number(/status=(\d+)/.exec(url)![1]), `${url} answered as is`)
    const observations = readObservations(directory)
    t.same(observations, [
      { operationId: 'getThing', status: '409', code: 'thing_busy' },
      { operationId: 'getThing', status: '404', code: 'thing_missing' },
      { operationId: 'getOwnThing', status: '422', code: 'thing_invalid' },
    ])

    const added = mergeObservations(declaration, [...observations, { operationId: null, status: '405', code: 'x' }], {
      replace: false,
    })
    t.same(added.operations, {
      getThing: { '404': ['thing_missing'], '409': ['thing_busy'] },
      getOwnThing: { '422': ['thing_invalid'] },
    })
    t.same(added.common.noOperation, { '404': ['route_not_found'], '405': ['x'] }, 'no operation: a common code')
    t.same(added.common.everyOperation, declaration.common.everyOperation, 'common codes kept')
    const replaced = mergeObservations(declaration, observations.slice(2), { replace: true })
    t.same(replaced.operations, { getOwnThing: { '422': ['thing_invalid'] } }, '--replace: this run only')
    t.same(replaced.unreached, declaration.unreached, 'what is kept by hand stays, --replace or not')
    const fitted = fitToOperations(
      mergeObservations(declaration, [{ operationId: 'getThing', status: '429', code: 'rate_limited' }], {
        replace: false,
      }),
      new Map([['getThing', ['everyOperation']]]),
    )
    t.same(
      fitted.operations,
      { getThing: { '404': ['thing_missing'] } },
      'a common code and an operation gone left out',
    )
  },
)
