import t from 'tap'
import { createTestApp } from '../../support/app.js'
import { accountFor, province } from '../../support/auth.js'

// One service for the file: these tests only read reference data.
const ctx = await createTestApp(t)

t.test('administrative units', async (t) => {
  const reader = await accountFor(ctx, { role: 'district_officer', units: [province] })
  const app = { inject: (options: { url: string }) => ctx.app.inject({ ...options, headers: reader.headers }) }

  t.test('asOf 2024-06-01 lists the 14 wards of Hoàng Mai', async (t) => {
    const response = await app.inject({ url: '/v1/units?level=ward&asOf=2024-06-01' })
    t.equal(response.statusCode, 200)
    const { items, nextCursor } = response.json()
    t.equal(items.length, 14)
    t.equal(nextCursor, null)
    t.ok(items.every((u: { parentCode: string }) => u.parentCode === '008'))
    t.ok(items.some((u: { nameVi: string }) => u.nameVi === 'Phường Hoàng Văn Thụ'))
  })

  t.test('asOf 2025-08-01 lists the 7 successor wards', async (t) => {
    const response = await app.inject({ url: '/v1/units?level=ward&asOf=2025-08-01' })
    const names = response
      .json()
      .items.map((u: { nameVi: string }) => u.nameVi)
      .sort()
    t.same(names, [
      'Phường Hoàng Liệt',
      'Phường Hoàng Mai',
      'Phường Lĩnh Nam',
      'Phường Tương Mai',
      'Phường Vĩnh Hưng',
      'Phường Yên Sở',
      'Phường Định Công',
    ])
  })

  t.test('the district is valid to 2025-06-30 and gone after', async (t) => {
    const before = await app.inject({ url: '/v1/units?level=district&asOf=2025-06-30' })
    t.same(
      before.json().items.map((u: { code: string }) => u.code),
      ['008'],
    )
    const after = await app.inject({ url: '/v1/units?level=district&asOf=2025-07-01' })
    t.same(after.json().items, [])
  })

  t.test('parent filter', async (t) => {
    const response = await app.inject({ url: '/v1/units?parent=008&limit=200' })
    t.equal(response.json().items.length, 14)
  })

  t.test('a successor ward names its predecessors, a predecessor its successors', async (t) => {
    const successor = await app.inject({ url: '/v1/units/00337-2025' })
    t.equal(successor.statusCode, 200)
    const body = successor.json()
    t.equal(body.officialCode, '00337')
    t.equal(body.validFrom, '2025-07-01')
    t.same(body.predecessors.map((l: { code: string }) => l.code).sort(), ['00316', '00337'])
    const predecessor = await app.inject({ url: '/v1/units/00337' })
    const successors = predecessor
      .json()
      .successors.map((l: { code: string }) => l.code)
      .sort()
    t.same(successors, ['00316-2025', '00331-2025', '00337-2025', '00340-2025'])
    t.ok(
      predecessor.json().successors.every((l: { partial: boolean }) => l.partial),
      'Hoàng Liệt was split',
    )
  })

  t.test('404 problem for an unknown code', async (t) => {
    const response = await app.inject({ url: '/v1/units/99999' })
    t.equal(response.statusCode, 404)
    t.equal(response.json().code, 'not_found')
  })

  t.test('cursor pagination walks every unit exactly once', async (t) => {
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const query: string = cursor ? `&cursor=${cursor}` : ''
      const response = await app.inject({ url: `/v1/units?limit=5${query}` })
      t.equal(response.statusCode, 200)
      const page = response.json()
      seen.push(...page.items.map((u: { code: string }) => u.code))
      cursor = page.nextCursor
      pages++
    } while (cursor && pages < 20)
    t.equal(seen.length, 95)
    t.equal(new Set(seen).size, 95)
    t.same(seen, [...seen].sort())
  })

  t.test('a forged cursor is a 400', async (t) => {
    const response = await app.inject({ url: '/v1/units?cursor=bm90LWEtY3Vyc29y' })
    t.equal(response.statusCode, 400)
    t.equal(response.json().code, 'invalid_cursor')
  })

  t.test('limit above 200 is rejected', async (t) => {
    const response = await app.inject({ url: '/v1/units?limit=201' })
    t.equal(response.statusCode, 400)
    t.equal(response.json().errors[0].pointer, '/limit')
  })
})

t.test('special-circumstance groups', async (t) => {
  const reader = await accountFor(ctx, { role: 'collaborator', units: [province] })
  const response = await ctx.app.inject({ url: '/v1/circumstance-groups', headers: reader.headers })
  const items = response.json().items
  t.equal(items.length, 14)
  t.same(
    items.map((g: { code: string }) => g.code),
    ['a', 'b', 'c', 'd', 'đ', 'e', 'g', 'h', 'i', 'k', 'l', 'm', 'n', 'o'],
  )
  t.same(
    items.filter((g: { sensitive: boolean }) => g.sensitive).map((g: { code: string }) => g.code),
    ['d', 'đ', 'e', 'g', 'i', 'l', 'm', 'n'],
  )
})

t.test('reference data needs a token', async (t) => {
  const response = await ctx.app.inject({ url: '/v1/units' })
  t.equal(response.statusCode, 401)
})
