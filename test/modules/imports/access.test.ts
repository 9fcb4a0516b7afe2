import { sql } from 'drizzle-orm'
import t from 'tap'
import { createTestApp } from '../../support/app.js'
import { accountFor, clientFor, province, wardA, wardB } from '../../support/auth.js'
import { childHeader, childRow, countRows, csv, now, postImport } from './helpers.js'

t.test('who may import, and who may see an import', async (t) => {
  const ctx = await createTestApp(t, { now })
  const { app } = ctx
  const officerA = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const officerB = await accountFor(ctx, { role: 'ward_officer', units: [wardB] })
  const district = await accountFor(ctx, { role: 'district_officer', units: [province] })
  const collaborator = await accountFor(ctx, { role: 'collaborator', units: [wardA] })
  const chair = await accountFor(ctx, { role: 'ward_chair', units: [wardA] })
  const citySystem = await clientFor(ctx, { role: 'city_system', units: [province] })
  const file = csv([childHeader, childRow(1), childRow(2, wardA, { dateOfBirth: 'soon' })])

  const imported = await postImport(ctx, officerA, file, { query: 'mode=partial' })
  t.equal(imported.statusCode, 201)
  const id = imported.json().id as string
  const paths = [`/v1/imports/${id}`, `/v1/imports/${id}/problems`, `/v1/imports/${id}/errors.csv`]

  t.test('roles without imports:run cannot import, and write nothing', async (t) => {
    const before = await countRows(ctx, 'children')
    for (const [name, account] of [
      ['collaborator', collaborator],
      ['ward chair', chair],
      ['city system', citySystem],
    ] as const) {
      const response = await postImport(ctx, account, csv([childHeader, childRow(9)]))
      t.equal(response.statusCode, 403, name)
      t.equal(response.json().requiredPermission, 'imports:run', name)
      for (const path of paths)
        t.equal((await app.inject({ url: path, headers: account.headers })).statusCode, 403, `${name}: ${path}`)
    }
    t.equal(await countRows(ctx, 'children'), before)
    const anonymous = await app.inject({
      method: 'POST',
      url: '/v1/imports?kind=children',
      headers: { 'content-type': 'text/csv' },
      payload: file,
    })
    t.equal(anonymous.statusCode, 401)
  })

  t.test(
    'another ward’s officer gets 404, exactly as for an import that does not exist, and the attempt is audited',
    async (t) => {
      for (const path of paths) {
        const response = await app.inject({ url: path, headers: officerB.headers })
        t.equal(response.statusCode, 404, path)
        t.equal(response.json().code, 'not_found')
      }
      const missing = await app.inject({
        url: '/v1/imports/00000000-0000-4000-8000-000000000000',
        headers: officerB.headers,
      })
      t.same({ status: missing.statusCode, code: missing.json().code }, { status: 404, code: 'not_found' })
      t.ok(
        (await countRows(
          ctx,
          'audit_events',
          sql`resource_type = 'import' and resource_id = ${id} and outcome = 'not_found'`,
        )) >= 3,
      )
    },
  )

  t.test('the creator and a district officer over the ward see it; the report carries no personal data', async (t) => {
    for (const account of [officerA, district]) {
      const response = await app.inject({ url: `/v1/imports/${id}`, headers: account.headers })
      t.equal(response.statusCode, 200)
      t.match(response.json(), {
        id,
        counts: { created: 1, rejected: 1 },
        problems: [{ row: 3, problems: [{ code: 'invalid_date' }] }],
      })
      t.notMatch(response.body, /Trẻ Thử Nghiệm/, 'names are not in the report')
    }
    const page = await app.inject({ url: `/v1/imports/${id}/problems?limit=1`, headers: district.headers })
    t.match(page.json(), { items: [{ row: 3 }], nextCursor: null })
    const errors = await app.inject({ url: `/v1/imports/${id}/errors.csv`, headers: district.headers })
    t.match(errors.body, /Trẻ Thử Nghiệm 2/, 'errors.csv, audited as an export, does carry the rejected rows')
    const badCursor = await app.inject({ url: `/v1/imports/${id}/problems?cursor=nonsense`, headers: district.headers })
    t.equal(badCursor.statusCode, 400)
  })

  t.test(
    'keys held by records outside your units: the row is rejected (dry run alike), the other ward’s record untouched',
    async (t) => {
      const theirs = await postImport(
        ctx,
        officerB,
        csv([childHeader, childRow(5, wardB, { personalId: '001218000005' })]),
        { query: 'source=shared' },
      )
      t.match(theirs.json().counts, { created: 1 })
      const clashing = csv([
        childHeader,
        childRow(5, wardA),
        childRow(6, wardA, { personalId: '001218000005' }),
        childRow(7, wardA),
      ])
      for (const query of ['source=shared&mode=partial&dryRun=true', 'source=shared&mode=partial']) {
        const response = await postImport(ctx, officerA, clashing, { query })
        t.match(response.json().counts, { created: 1, rejected: 2 }, query)
        t.same(
          response
            .json()
            .problems.map((row: { row: number; problems: { code: string }[] }) => [
              row.row,
              row.problems.map((p) => p.code),
            ]),
          [
            [2, ['external_id_taken']],
            [3, ['personal_id_taken']],
          ],
          query,
        )
      }
      t.equal(
        await countRows(ctx, 'children', sql`source = 'shared' and external_id = 'E-5' and ward_code = ${wardB}`),
        1,
      )
    },
  )

  t.test('a district officer’s import is not visible to a ward officer', async (t) => {
    const theirs = await postImport(ctx, district, csv([childHeader, childRow(3, wardB)]))
    t.equal(theirs.statusCode, 201)
    t.equal(theirs.json().source, province, 'the default source is the importer’s first unit')
    t.equal((await app.inject({ url: `/v1/imports/${theirs.json().id}`, headers: officerB.headers })).statusCode, 404)
    t.equal(
      await countRows(
        ctx,
        'events',
        sql`type = 'import.completed' and resource_id = ${theirs.json().id} and ward_code = ${province}`,
      ),
      1,
      'its event is the province’s',
    )
  })
})
