import { sql } from 'drizzle-orm'
import t from 'tap'
import { queryRows } from '../../../src/db/client.js'
import { createTestApp } from '../../support/app.js'
import { accountFor, otherWardToday, province, wardToday } from '../../support/auth.js'
import { registerChild } from '../../support/registry.js'

// Name search as officers use it: as registered, without diacritics, in part, out of order, with a slip
// or unfinished; ranked exact, then family and given name, then every syllable with the last as given
// name, then every syllable elsewhere, then corrected; paged across those tiers; only ever inside the
// caller's units.
const ctx = await createTestApp(t, { now: '2026-12-04T03:00:00Z' })
const { app } = ctx
const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardToday] })
const city = await accountFor(ctx, { role: 'district_officer', units: [province] })
const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })

const register = async (fullName: string, extra: Record<string, unknown> = {}, wardCode = wardToday) =>
  (await registerChild(ctx, wardCode === wardToday ? officer : city, { fullName, address: { wardCode }, ...extra })).id
const anFirst = await register('Nguyễn Văn An', { dateOfBirth: '2018-05-10' })
const anSecond = await register('Nguyễn Văn An', { dateOfBirth: '2019-01-01', sex: 'male' })
const tranAn = await register('Trần Văn An', { sex: 'male', dateOfBirth: '2015-03-02' })
const minhAn = await register('Nguyễn Văn Minh An')
const anKhang = await register('Nguyễn Văn An Khang')
const anBinh = await register('Nguyễn An Bình')
const anh = await register('Nguyễn Thị Ánh')
const leNguyenAn = await register('Lê Nguyễn An', { sex: 'female', dateOfBirth: '2017-07-07' })
await register('Lê Văn Bình')
const khoa = await register('Phạm Minh Khoa')
const elsewhere = await register('Nguyễn Văn An', {}, otherWardToday)

interface Found {
  id: string
  match: string
}
const search = async (query: string, account = officer, extra = ''): Promise<Found[]> => {
  const response = await app.inject({
    url: `/v1/children?q=${encodeURIComponent(query)}&limit=50${extra}`,
    headers: account.headers,
  })
  if (response.statusCode !== 200) throw new Error(`${query}: ${response.statusCode} ${response.body}`)
  return response.json<{ items: Found[] }>().items.map(({ id, match }) => ({ id, match }))
}
const twins = [anFirst, anSecond].sort()

t.test('as registered, without diacritics, in part, out of order: ranked by how the name matches', async (t) => {
  const cases: [string, [string, string][]][] = [
    [
      'Nguyễn Văn An',
      [
        [twins[0]!, 'exact'],
        [twins[1]!, 'exact'],
        [minhAn, 'family_and_given'],
        [anKhang, 'all_syllables'],
      ],
    ],
    [
      'nguyen van an',
      [
        [twins[0]!, 'exact'],
        [twins[1]!, 'exact'],
        [minhAn, 'family_and_given'],
        [anKhang, 'all_syllables'],
      ],
    ],
    [
      'An',
      [
        [leNguyenAn, 'given_name'],
        [twins[0]!, 'given_name'],
        [twins[1]!, 'given_name'],
        [minhAn, 'given_name'],
        [tranAn, 'given_name'],
        [anBinh, 'all_syllables'],
        [anKhang, 'all_syllables'],
      ],
    ],
    [
      // Family and given name: Nguyễn first and An last before a name with Nguyễn elsewhere.
      'Nguyen An',
      [
        [twins[0]!, 'family_and_given'],
        [twins[1]!, 'family_and_given'],
        [minhAn, 'family_and_given'],
        [leNguyenAn, 'given_name'],
        [anBinh, 'all_syllables'],
        [anKhang, 'all_syllables'],
      ],
    ],
    [
      'an nguyen',
      [
        [leNguyenAn, 'all_syllables'],
        [anBinh, 'all_syllables'],
        [twins[0]!, 'all_syllables'],
        [twins[1]!, 'all_syllables'],
        [anKhang, 'all_syllables'],
        [minhAn, 'all_syllables'],
      ],
    ],
    ['ánh', [[anh, 'given_name']]],
  ]
  for (const [query, expected] of cases)
    t.same(
      (await search(query)).map((found) => [found.id, found.match]),
      expected,
      query,
    )
})

t.test('a slip or an unfinished syllable is corrected to the syllables in use', async (t) => {
  const corrected: [string, string][] = [
    [twins[0]!, 'corrected'],
    [twins[1]!, 'corrected'],
    [anKhang, 'corrected'],
    [minhAn, 'corrected'],
  ]
  for (const query of ['Nguyen Vna An', 'Ngyuen Van An', 'nguyen van an'.replace('van', 'vaan')])
    t.same(
      (await search(query)).map((found) => [found.id, found.match]),
      corrected,
      query,
    )
  t.same(await search('Pham Minh Kh'), [{ id: khoa, match: 'corrected' }], 'the last syllable still being typed')
  t.same(
    await search('Tran Van Anh'),
    [{ id: tranAn, match: 'corrected' }],
    'a slip that makes another syllable in use ("anh" for "an"), when no name has them all',
  )
  const similar = await search('Le Van Cuong')
  t.ok(similar.length > 0, 'a syllable nothing is near: similar names')
  t.ok(
    similar.every((found) => found.match === 'similar'),
    'only similar names, when nothing closer exists',
  )
  t.same(await search('Qwxz Zzkq'), [], 'nothing alike: nothing')
})

t.test('filters narrow a search; scope bounds it', async (t) => {
  t.same(
    (await search('an', officer, '&sex=male')).map((found) => found.id),
    [anSecond, tranAn],
    'boys called An',
  )
  t.same(
    (await search('an', officer, '&birthYear=2015')).map((found) => found.id),
    [tranAn],
    'born in 2015',
  )
  t.notOk(
    (await search('nguyen van an')).some((found) => found.id === elsewhere),
    'another ward’s child is not found',
  )
  const wider = await search('nguyen van an', city)
  t.same(
    wider.filter((found) => found.match === 'exact').map((found) => found.id),
    [anFirst, anSecond, elsewhere].sort(),
    'an officer over both wards finds all three',
  )
})

t.test('pages run across the tiers without a gap or a repeat', async (t) => {
  for (const query of ['an', 'Nguyen An', 'Nguyen Vna An', 'Le Van Cuong']) {
    const whole = (await search(query)).map((found) => found.id)
    const paged: string[] = []
    let cursor: string | null = null
    for (let page = 0; page < 20; page++) {
      const response: { statusCode: number; json: () => { items: Found[]; nextCursor: string | null } } =
        await app.inject({
          url: `/v1/children?q=${encodeURIComponent(query)}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
          headers: officer.headers,
        })
      t.equal(response.statusCode, 200)
      const body = response.json()
      paged.push(...body.items.map((found) => found.id))
      cursor = body.nextCursor
      if (!cursor) break
    }
    t.same(paged, whole, `${query}: ${whole.length} found, two at a time`)
  }
  const tampered = await app.inject({
    url: `/v1/children?q=an&cursor=${Buffer.from(JSON.stringify(['nowhere', 'x', anFirst])).toString('base64url')}`,
    headers: officer.headers,
  })
  t.equal(tampered.statusCode, 400, 'a cursor naming no tier')
  t.equal(tampered.json().code, 'invalid_cursor')
  const notADistance = await app.inject({
    url: `/v1/children?q=an&cursor=${Buffer.from(JSON.stringify(['similar', 'abc', anFirst])).toString('base64url')}`,
    headers: officer.headers,
  })
  t.same([notADistance.statusCode, notADistance.json().code], [400, 'invalid_cursor'], 'never a database error')
  const byPosition = await app.inject({
    url: `/v1/children?q=an&cursor=${Buffer.from(JSON.stringify([2, 'nguyen van an', anFirst])).toString('base64url')}`,
    headers: officer.headers,
  })
  t.same(
    [byPosition.statusCode, byPosition.json().code],
    [400, 'invalid_cursor'],
    'a cursor naming its tier by position (as issued before the tiers were named) is refused, never resumed elsewhere',
  )
  const foreign = await app.inject({
    url: `/v1/children?q=an&cursor=${Buffer.from(JSON.stringify(['x', anFirst])).toString('base64url')}`,
    headers: officer.headers,
  })
  t.equal(foreign.statusCode, 400, 'a list’s cursor is not a search’s')
})

t.test('a search is audited by the filters it used, never the name typed', async (t) => {
  await search('Nguyen Van An', officer, '&sex=female')
  const audit = await app.inject({ url: '/v1/audit-events?action=child.search&limit=1', headers: admin.headers })
  const [event] = audit.json().items
  t.same(event.details.filters, ['q', 'sex'])
  t.notMatch(JSON.stringify(event), /nguyen|Nguyễn/i)
})

t.test('a renamed child is found by the new name, whose syllables join those in use', async (t) => {
  const renamed = await app.inject({
    method: 'PATCH',
    url: `/v1/children/${khoa}`,
    headers: { ...officer.headers, 'if-match': '"1"' },
    payload: { fullName: 'Phạm Minh Khuê' },
  })
  t.equal(renamed.statusCode, 200)
  t.same(await search('khue'), [{ id: khoa, match: 'given_name' }])
  t.same(await search('Pham Minh Khue'), [{ id: khoa, match: 'exact' }])
})

t.test('the application may read the view and the syllables in use, never write them', async (t) => {
  const [row] = await queryRows<Record<string, boolean>>(
    app.database.db,
    sql`select has_table_privilege('cps_app', 'children_in_scope', 'SELECT') as view_read,
               has_table_privilege('cps_app', 'children_in_scope', 'INSERT, UPDATE, DELETE, TRUNCATE') as view_write,
               has_table_privilege('cps_app', 'name_syllables', 'SELECT') as syllables_read,
               has_table_privilege('cps_app', 'name_syllables', 'INSERT, UPDATE, DELETE, TRUNCATE') as syllables_write`,
  )
  t.same(row, { view_read: true, view_write: false, syllables_read: true, syllables_write: false })
})
