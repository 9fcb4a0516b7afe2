import { readFileSync } from 'node:fs'
import Ajv2020 from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import t from 'tap'
import { exampleOf, withExamples } from '../../src/platform/openapi-examples.js'

type Media = { schema?: Record<string, unknown>; example?: unknown }
type Operation = {
  requestBody?: { content?: Record<string, Media> }
  responses: Record<string, { content?: Record<string, Media> }>
}

const documentBase = 'https://contract.cps.example/openapi.json'

t.test('every request body and success response of the contract has an example its schema accepts', async (t) => {
  const document = JSON.parse(readFileSync('openapi/openapi.json', 'utf8')) as {
    paths: Record<string, Record<string, Operation>>
    components: { schemas: Record<string, unknown> }
  }
  const ajv = new Ajv2020.default({ strict: false, allErrors: true, validateFormats: true })
  addFormats.default(ajv)
  ajv.addSchema({ $id: documentBase, components: document.components })
  const absolute = (schema: unknown) =>
    JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${documentBase}#/components/`)) as object
  let checked = 0
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const bodies: [string, Media][] = [
        ...Object.entries(operation.requestBody?.content ?? {}).map(([type, media]) => [`request ${type}`, media]),
        ...Object.entries(operation.responses)
          .filter(([status]) => /^2\d\d$/.test(status))
          .flatMap(([status, response]) =>
            Object.entries(response.content ?? {}).map(([type, media]) => [`${status} ${type}`, media]),
          ),
      ] as [string, Media][]
      for (const [which, media] of bodies) {
        if (!media.schema || !which.includes('json')) continue
        const name = `${method.toUpperCase()} ${path} ${which}`
        t.ok('example' in media, `${name} has an example`)
        const validate = ajv.compile(absolute(media.schema))
        if (!validate(media.example)) t.fail(`${name}: ${ajv.errorsText(validate.errors)}`)
        checked++
      }
    }
  }
  t.ok(checked >= 150, `${checked} examples checked`)
})

t.test('examples are made from what a member is named, else from what its schema allows', async (t) => {
  const components = {
    Address: {
      type: 'object',
      required: ['wardCode'],
      properties: { wardCode: { type: 'string', pattern: '^\\d{5}(-\\d{4})?$' }, streetAddress: { type: 'string' } },
    },
  }
  const cases: [string, Record<string, unknown>, boolean, unknown][] = [
    [
      'a named member',
      { type: 'object', required: ['fullName'], properties: { fullName: { type: 'string' } } },
      false,
      { fullName: 'Nguyễn Thị Lan' },
    ],
    [
      'a request leaves optional members out',
      { type: 'object', properties: { remark: { type: 'string' } } },
      false,
      {},
    ],
    [
      'but shows those an officer fills in',
      { type: 'object', properties: { streetAddress: { type: 'string' } } },
      false,
      { streetAddress: 'Số 12, ngõ 45 phố Vĩnh Hưng' },
    ],
    [
      'a response shows them',
      { type: 'object', properties: { note: { type: 'string' } } },
      true,
      { note: 'Cán bộ phường đã đến thăm gia đình ngày 02/12/2026.' },
    ],
    [
      'an enum takes the named value when it is one',
      { type: 'object', required: ['sex'], properties: { sex: { enum: ['male', 'female'] } } },
      false,
      { sex: 'female' },
    ],
    ['an enum without it takes its first', { enum: ['ward', 'district'] }, false, 'ward'],
    [
      'a nullable member is given a value',
      { anyOf: [{ type: 'null' }, { type: 'string', format: 'date' }] },
      false,
      '2026-12-03',
    ],
    [
      'a referenced component',
      { $ref: '#/components/schemas/Address' },
      false,
      { wardCode: '00301-2025', streetAddress: 'Số 12, ngõ 45 phố Vĩnh Hưng' },
    ],
    ['a pattern no named value meets', { type: 'string', pattern: '^\\d{12}$' }, false, '001216004512'],
    ['bounds', { type: 'integer', minimum: 5, maximum: 9 }, false, 5],
    [
      'a named number out of bounds',
      { type: 'object', required: ['year'], properties: { year: { type: 'integer', maximum: 2020 } } },
      false,
      { year: 1 },
    ],
    [
      'an array holds one item',
      { type: 'array', items: { type: 'string', format: 'uuid' } },
      false,
      ['6a1f0c2e-4b7d-4e9a-9c3f-2d8b5e7a1c40'],
    ],
    ['a schema’s own example wins', { type: 'string', examples: ['2026-H1'] }, false, '2026-H1'],
  ]
  for (const [name, schema, complete, expected] of cases)
    t.same(exampleOf(schema, components, { complete }), expected, name)
})

t.test('an example already written is kept', async (t) => {
  const document = {
    paths: {
      '/x': {
        post: {
          requestBody: { content: { 'application/json': { schema: { type: 'string' }, example: 'kept' } } },
          responses: {},
        },
      },
    },
    components: { schemas: {} },
  }
  t.equal(withExamples(document).paths['/x'].post.requestBody.content['application/json'].example, 'kept')
})
