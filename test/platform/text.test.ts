import type { InjectOptions } from 'fastify'
import t from 'tap'
import { encodeCursor } from '../../src/platform/pagination.js'
import { findTextFaults, textFault } from '../../src/platform/text.js'
import { countRows, registrySnapshot } from '../modules/imports/helpers.js'
import { createTestApp } from '../support/app.js'
import { accountFor, province, wardA } from '../support/auth.js'
import { incidentReport, registerChild } from '../support/registry.js'

t.test('what is not text: a NUL and half of a surrogate pair; everything else is', async (t) => {
  const cases: [string, string, ReturnType<typeof textFault>][] = [
    ['plain Vietnamese', 'Nguyễn Thị Bích', null],
    ['an emoji (a whole pair)', 'bé 😀', null],
    ['tabs and new lines', 'dòng 1\n\tdòng 2', null],
    ['a NUL', 'An\u0000', 'nul_character'],
    ['a high surrogate alone', '\ud800Bình', 'unpaired_surrogate'],
    ['a low surrogate alone', 'Bình\udc00', 'unpaired_surrogate'],
    ['a pair the wrong way round', '\ude00\ud83d', 'unpaired_surrogate'],
  ]
  for (const [name, value, fault] of cases) t.equal(textFault(value), fault, name)
  t.same(
    findTextFaults(
      {
        fullName: 'A\u0000',
        address: { streetAddress: 'ok', lines: ['ok', '\ud800'] },
        'key\u0000': 1,
        'a/b~': '\u0000',
      },
      'body',
    ).map((e) => [e.pointer, e.code]),
    [
      ['/fullName', 'nul_character'],
      ['/address/lines/1', 'unpaired_surrogate'],
      ['/key\u0000', 'nul_character'],
      ['/a~1b~0', 'nul_character'],
    ],
    'each place by its JSON pointer, object names included',
  )
})

t.test('a string that is not text is a 400 naming where it is, and nothing is written', async (t) => {
  const ctx = await createTestApp(t, { now: '2024-06-15T03:00:00Z' })
  const { app } = ctx
  const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
  const child = await registerChild(ctx, officer, { fullName: 'Lê Thị Hoa', address: { wardCode: wardA } })
  const before = await registrySnapshot(ctx)
  const incidentsBefore = await countRows(ctx, 'incidents')
  const cases: [string, InjectOptions, string, string][] = [
    [
      'a name',
      {
        method: 'POST',
        url: '/v1/children',
        payload: { fullName: 'Lê\u0000Văn', sex: 'male', dateOfBirth: '2018-01-01', address: { wardCode: wardA } },
      },
      'body',
      '/fullName',
    ],
    [
      'a health note',
      {
        method: 'POST',
        url: '/v1/children',
        payload: {
          fullName: 'Lê Văn',
          sex: 'male',
          dateOfBirth: '2018-01-01',
          healthNote: 'HIV \ud800',
          address: { wardCode: wardA },
        },
      },
      'body',
      '/healthNote',
    ],
    [
      'a narrative',
      {
        method: 'POST',
        url: '/v1/incidents',
        payload: incidentReport({ id: child.id, wardCode: wardA }, { narrative: 'xâm hại\u0000' }),
      },
      'body',
      '/narrative',
    ],
    [
      'an edit',
      {
        method: 'PATCH',
        url: `/v1/children/${child.id}`,
        headers: { 'if-match': `"${child.version}"` },
        payload: { fullName: '\u0000' },
      },
      'body',
      '/fullName',
    ],
    ['a search term', { url: '/v1/children?q=Hoa%00' }, 'querystring', '/q'],
    ['a search term in an export', { url: '/v1/children/export?format=csv&q=%00' }, 'querystring', '/q'],
    ['a household search', { url: '/v1/households?q=%00' }, 'querystring', '/q'],
    ['a path', { url: '/v1/units/003%0001' }, 'params', '/code'],
  ]
  for (const [name, request, location, pointer] of cases) {
    const response = await app.inject({
      ...request,
      headers: { ...officer.headers, ...(request.headers as Record<string, string>) },
    })
    t.equal(response.statusCode, 400, name)
    t.match(response.headers['content-type'], /^application\/problem\+json/, name)
    t.match(response.json(), { code: 'invalid_text', errors: [{ location, pointer }] }, name)
  }
  t.same(await registrySnapshot(ctx), before, 'the registry is unchanged')
  t.equal(await countRows(ctx, 'incidents'), incidentsBefore, 'no incident was written')

  const lists = [
    '/v1/children',
    '/v1/households',
    '/v1/incidents',
    '/v1/units',
    '/v1/audit-events',
    '/v1/reports',
    '/v1/users',
    '/v1/webhooks',
  ]
  const badCursors = [
    ['a NUL inside', encodeCursor(['Hoa\u0000', child.id])],
    ['the wrong kind of part', encodeCursor([1, 2])],
    ['not base64 JSON', 'not-a-cursor'],
    ['a very long part', encodeCursor(['x'.repeat(300), child.id])],
  ]
  for (const list of lists) {
    for (const [name, cursor] of badCursors) {
      const response = await app.inject({
        url: `${list}?cursor=${encodeURIComponent(cursor!)}`,
        headers: admin.headers,
      })
      t.equal(response.statusCode, 400, `${list}: ${name}`)
      t.equal(response.json().code, 'invalid_cursor', `${list}: ${name}`)
    }
  }
})

t.test('problems list at most 20 field errors and say how many there were', async (t) => {
  const ctx = await createTestApp(t)
  const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
  const unknown = Object.fromEntries(Array.from({ length: 5000 }, (_, n) => [`member${n}`, n]))
  const response = await ctx.app.inject({ method: 'POST', url: '/v1/users', headers: admin.headers, payload: unknown })
  t.equal(response.statusCode, 400)
  const body = response.json()
  t.equal(body.errors.length, 20)
  t.equal(body.errorsTruncated, true)
  t.ok(body.errorCount > 5000, `${body.errorCount} in all`)
  t.ok(response.body.length < 10_000, `${response.body.length} bytes`)
  const token = await ctx.app.inject({ method: 'POST', url: '/v1/auth/token', payload: unknown })
  t.equal(token.statusCode, 413, 'the token endpoint refuses a large body before reading it')
  const few = await ctx.app.inject({ method: 'POST', url: '/v1/users', headers: admin.headers, payload: { member: 1 } })
  t.notOk('errorsTruncated' in few.json(), 'a short list says nothing more')
})
