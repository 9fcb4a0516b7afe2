import { sql } from 'drizzle-orm'
import t from 'tap'
import { queryRows } from '../../../src/db/client.js'
import { inScope, systemScope } from '../../../src/platform/scope.js'
import { createTestApp } from '../../support/app.js'
import { accountFor, wardA, wardB } from '../../support/auth.js'
import { inlineRows, workbookArchive } from '../../support/zip.js'
import { childHeader, childRow, countRows, csv, now, postImport, registrySnapshot } from './helpers.js'

t.test('importing children from CSV', async (t) => {
  const ctx = await createTestApp(t, { now })
  const { app } = ctx
  const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const file = csv([
    childHeader,
    childRow(1),
    childRow(2),
    childRow(3, wardA, { personalId: '001218000003', groupCodes: 'a' }),
  ])

  t.test('a dry run reports what would happen and writes nothing to the registry', async (t) => {
    const before = await registrySnapshot(ctx)
    const response = await postImport(ctx, officer, file, { query: 'dryRun=true' })
    t.equal(response.statusCode, 201)
    t.match(response.json(), {
      dryRun: true,
      state: 'completed',
      source: wardA,
      counts: { created: 3, updated: 0, unchanged: 0, rejected: 0 },
    })
    t.same(await registrySnapshot(ctx), before, 'no child, revision, membership, record audit event or event')
    t.equal(await countRows(ctx, 'audit_events', sql`action = 'import.dry_run'`), 1, 'the dry run itself is audited')
    t.equal(await countRows(ctx, 'events', sql`type = 'import.completed'`), 0, 'a dry run is no completed import')
    t.equal(
      await countRows(
        ctx,
        'import_rows',
        sql`import_id = ${response.json().id}::uuid and not (data ? 'headerColumns')`,
      ),
      1,
      'one row to report (besides the header, which maps the columns): row 3 adds a group with no start date',
    )
    t.match(response.json().problems, [
      {
        problems: [
          { field: 'groupsSince', code: 'start_date_assumed', severity: 'warning', message: /recorded from 2024-/ },
        ],
      },
    ])
  })

  t.test('an import creates the records, with revisions, memberships and audit events', async (t) => {
    const response = await postImport(ctx, officer, file)
    t.equal(response.statusCode, 201)
    t.equal(response.headers.location, `/v1/imports/${response.json().id}`)
    t.match(response.json(), {
      state: 'completed',
      percent: 100,
      rowsRead: 3,
      rowsDone: 3,
      counts: { created: 3, rejected: 0 },
      problems: [],
    })
    t.equal(await countRows(ctx, 'children', sql`source = ${wardA}`), 3)
    t.equal(await countRows(ctx, 'child_revisions', sql`action = 'create'`), 3)
    t.equal(await countRows(ctx, 'child_circumstances', sql`group_code = 'a' and end_date is null`), 1)
    t.equal(
      await countRows(
        ctx,
        'audit_events',
        sql`action = 'child.create' and details->>'importId' = ${response.json().id}`,
      ),
      3,
    )
    const feed = await app.inject({ url: '/v1/events?types=import.completed', headers: officer.headers })
    t.match(feed.json().items, [
      {
        type: 'import.completed',
        data: { importId: response.json().id, kind: 'children', mode: 'atomic', created: 3, rejected: 0 },
      },
    ])
    const listed = await app.inject({ url: '/v1/children?q=Thu%20Nghiem', headers: officer.headers })
    t.equal(listed.json().items.length, 3, 'the registry lists them')
  })

  t.test('importing the same file again changes nothing', async (t) => {
    const before = await registrySnapshot(ctx)
    const response = await postImport(ctx, officer, file)
    t.match(response.json().counts, { created: 0, updated: 0, unchanged: 3, rejected: 0 })
    t.same(await registrySnapshot(ctx), before)
  })

  t.test('a changed row updates its record, with a revision and an audit event', async (t) => {
    const changed = csv([
      childHeader,
      childRow(1, wardA, { streetAddress: 'Số 99 phố Mới' }),
      childRow(2),
      childRow(3, wardA, { personalId: '001218000003', groupCodes: 'a d' }),
    ])
    const response = await postImport(ctx, officer, changed)
    t.match(response.json().counts, { created: 0, updated: 2, unchanged: 1 })
    const [child] = (await app.inject({ url: '/v1/children?q=Thu%20Nghiem%201', headers: officer.headers })).json()
      .items
    const history = await app.inject({ url: `/v1/children/${child.id}/history`, headers: officer.headers })
    const update = history.json().items.find((item: { action: string }) => item.action === 'update')
    t.match(update, {
      changes: [{ field: 'streetAddress', from: 'Số 1 ngõ Mẫu', to: 'Số 99 phố Mới' }],
      reason: /import/,
    })
    t.equal(
      await countRows(
        ctx,
        'audit_events',
        sql`action = 'child.update' and details->>'importId' = ${response.json().id}`,
      ),
      2,
    )
    t.equal(await countRows(ctx, 'child_circumstances', sql`group_code = 'd'`), 1, 'the new group starts today')
  })

  t.test('atomic (the default) imports nothing when a row is rejected; partial imports the good rows', async (t) => {
    const mixed = csv([childHeader, childRow(10), childRow(11, wardA, { dateOfBirth: '31/02/2018' }), childRow(12)])
    const before = await registrySnapshot(ctx)
    const atomic = await postImport(ctx, officer, mixed)
    t.equal(atomic.statusCode, 201)
    t.match(atomic.json(), {
      mode: 'atomic',
      state: 'failed',
      failure: { code: 'rows_rejected' },
      counts: { created: 0, updated: 0, unchanged: 0, rejected: 1 },
      problems: [
        {
          row: 3,
          outcome: 'rejected',
          problems: [{ column: 'dateOfBirth', field: 'dateOfBirth', code: 'invalid_date', severity: 'error' }],
        },
      ],
    })
    t.same(await registrySnapshot(ctx), before, 'atomic: nothing written')
    const partial = await postImport(ctx, officer, mixed, { query: 'mode=partial' })
    t.match(partial.json(), { mode: 'partial', state: 'completed', counts: { created: 2, rejected: 1 } })
    t.equal(await countRows(ctx, 'children', sql`external_id in ('E-10', 'E-12')`), 2)
  })

  t.test('errors.csv gives back the rejected rows, which import once fixed', async (t) => {
    const bad = csv([
      childHeader,
      childRow(20, wardA, { fullName: '=HYPERLINK("http://evil")' }),
      childRow(21, wardA, { groupCodes: 'a z' }),
      childRow(22),
      childRow(23, wardA, { personalId: '001218000003' }),
    ])
    const imported = await postImport(ctx, officer, bad, { query: 'mode=partial' })
    t.match(imported.json().counts, { created: 1, rejected: 3 })
    t.same(
      imported
        .json()
        .problems.map((row: { row: number; problems: { code: string }[] }) => [
          row.row,
          row.problems.map((p) => p.code),
        ]),
      [
        [2, ['formula_rejected']],
        [3, ['unknown_group']],
        [5, ['personal_id_taken']],
      ],
    )
    const errors = await app.inject({ url: `/v1/imports/${imported.json().id}/errors.csv`, headers: officer.headers })
    t.equal(errors.statusCode, 200)
    t.match(errors.headers['content-type'], /text\/csv/)
    const lines = errors.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
    t.equal(lines[0], `${childHeader.join(',')},error`)
    t.equal(lines.length, 4)
    t.match(lines[1], /^E-20,"'=HYPERLINK\(""http:\/\/evil""\)"/, 'the formula comes back neutralised')
    t.match(lines[2], /\[row 3\] groupCodes: ""z"" is not a special-circumstance group/)
    t.equal(await countRows(ctx, 'audit_events', sql`action = 'import.errors.export'`), 1, 'the download is audited')

    const fixed = errors.body
      .replace(`"'=HYPERLINK(""http://evil"")"`, 'Nguyễn Văn Hai Mươi')
      .replace('a z', 'a')
      .replace('001218000003', '001218000023')
    const again = await postImport(ctx, officer, fixed, { query: 'mode=partial' })
    t.match(again.json(), { state: 'completed', counts: { created: 3, rejected: 0 } }, 'the error column is skipped')
  })

  t.test('rows for another ward are rejected, never moved; the file itself is fine', async (t) => {
    const elsewhere = csv([childHeader, childRow(30, wardB), childRow(1, wardB)])
    const response = await postImport(ctx, officer, elsewhere, { query: 'mode=partial' })
    t.match(response.json().counts, { created: 0, updated: 0, rejected: 2 })
    t.same(
      response
        .json()
        .problems.map((row: { problems: { code: string; column: string }[] }) =>
          row.problems.map((p) => `${p.column}:${p.code}`),
        ),
      [['wardCode:unit_out_of_scope'], ['wardCode:unit_out_of_scope']],
    )
    t.equal(await countRows(ctx, 'children', sql`ward_code = ${wardB}`), 0)
    t.equal(
      await countRows(ctx, 'children', sql`external_id = 'E-1' and ward_code = ${wardA}`),
      1,
      'the existing child stays where it is',
    )
  })

  t.test('a key repeated in the file: the first row counts, the others are rejected', async (t) => {
    const repeated = csv([
      childHeader,
      childRow(40),
      childRow(41, wardA, { externalId: ' E-40 ' }),
      childRow(43, wardA, { personalId: '1218000043' }),
      childRow(45, wardA, { personalId: '001218000043' }),
    ])
    const response = await postImport(ctx, officer, repeated, { query: 'mode=partial' })
    t.match(response.json().counts, { created: 2, rejected: 2 })
    t.same(
      response
        .json()
        .problems.map((row: { row: number; problems: { code: string; message: string }[] }) => [
          row.row,
          row.problems[0]!.code,
          row.problems[0]!.message,
        ]),
      [
        [3, 'duplicate_external_id', 'this externalId is already on row 2 of the file'],
        [5, 'duplicate_personal_id', 'this personal ID number is already on row 4 of the file'],
      ],
    )
  })

  t.test('bad files are refused whole, with a clear problem, and nothing is written', async (t) => {
    const before = await registrySnapshot(ctx)
    const importsBefore = await countRows(ctx, 'imports')
    const cases: [string, string | Buffer, string, number, string][] = [
      ['missing columns', 'externalId,sex\nA,male\n', 'text/csv', 422, 'missing_columns'],
      [
        'not UTF-8',
        Buffer.from([...Buffer.from(`${childHeader.join(',')}\nA,`), 0xe9, 0x0a]),
        'text/csv',
        422,
        'invalid_encoding',
      ],
      [
        'another charset declared',
        csv([childHeader, childRow(50)]),
        'text/csv; charset=windows-1258',
        422,
        'invalid_encoding',
      ],
      ['binary junk', Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe, 0x00]), 'text/csv', 422, 'binary_content'],
      [
        'broken quoting',
        `${childHeader.join(',')}\nE-51,"Nguyễn,male,01/01/2018,00301,,,\n`,
        'text/csv',
        422,
        'broken_quoting',
      ],
      ['an empty file', '', 'text/csv', 422, 'empty_file'],
      [
        'a workbook that is not one',
        Buffer.from('not a workbook'),
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        422,
        'unreadable_file',
      ],
      [
        'a zip bomb (40 MiB of sheet in 40 KiB)',
        workbookArchive({ sheetData: inlineRows([childHeader]) + ' '.repeat(40 * 1024 * 1024) }),
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        413,
        'workbook_too_large',
      ],
      ['a media type the import does not read', 'externalId\nA\n', 'text/plain', 415, 'unsupported_media_type'],
    ]
    for (const [name, body, contentType, status, code] of cases) {
      const response = await postImport(ctx, officer, body, { contentType })
      t.equal(response.statusCode, status, name)
      t.match(response.headers['content-type'], /application\/problem\+json/, name)
      t.equal(response.json().code, code, name)
    }
    const missing = await postImport(ctx, officer, 'externalId,sex\nA,male\n')
    t.same(missing.json().columns, [
      'fullName (Họ và tên)',
      'dateOfBirth (Ngày sinh) or birthYear (Năm sinh)',
      'wardCode (Mã phường)',
    ])
    const quoting = await postImport(ctx, officer, `${childHeader.join(',')}\nE-51,"Nguyễn,male,01/01/2018,00301,,,\n`)
    t.equal(quoting.json().line, 2, 'the line is given')
    const tooLarge = await app.inject({
      method: 'POST',
      url: '/v1/imports?kind=children',
      headers: { ...officer.headers, 'content-type': 'text/csv', 'content-length': String(201 * 1024 * 1024) },
      payload: 'x',
    })
    t.equal(tooLarge.statusCode, 413)
    t.equal(tooLarge.json().code, 'payload_too_large')
    const badQuery = await postImport(ctx, officer, csv([childHeader, childRow(52)]), {
      query: 'mode=sometimes&source=no spaces',
    })
    t.equal(badQuery.statusCode, 400)
    t.same(await registrySnapshot(ctx), before)
    t.equal(await countRows(ctx, 'imports'), importsBefore, 'no import record is left behind')
    t.ok((await countRows(ctx, 'audit_events', sql`action = 'import.refused'`)) >= 8, 'refusals are audited')
    t.ok(
      ctx.logs.some((line) => (line.importFile as { code?: string } | undefined)?.code === 'workbook_too_large'),
      'the refusal is logged by its code',
    )
  })

  t.test('semicolons, Vietnamese headers, NDJSON and multipart uploads', async (t) => {
    const semicolons = '\uFEFFMã nguồn;Họ và tên;Giới tính;Ngày sinh;Mã phường\r\nV-1;Phạm Thị Lan;Nữ;05/2017;00301\r\n'
    const vi = await postImport(ctx, officer, semicolons)
    t.match(vi.json(), { format: 'csv', counts: { created: 1 } })
    const ndjson = '{"externalId":"J-1","fullName":"Đỗ Văn Minh","sex":"male","birthYear":2016,"wardCode":"00301"}\n'
    const json = await postImport(ctx, officer, ndjson, { contentType: 'application/x-ndjson' })
    t.match(json.json(), { format: 'ndjson', counts: { created: 1 } })
    const boundary = 'cps-boundary'
    const form = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="tre-em.csv"\r\nContent-Type: application/vnd.ms-excel\r\n\r\n` +
        csv([childHeader, childRow(60)]) +
        `\r\n--${boundary}--\r\n`,
    )
    const multipart = await postImport(ctx, officer, form, { contentType: `multipart/form-data; boundary=${boundary}` })
    t.equal(multipart.statusCode, 201)
    t.match(multipart.json(), { fileName: 'tre-em.csv', format: 'csv', counts: { created: 1 } })
    const noFile = await postImport(
      ctx,
      officer,
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n--${boundary}--\r\n`),
      {
        contentType: `multipart/form-data; boundary=${boundary}`,
      },
    )
    t.equal(noFile.statusCode, 400)
    t.equal(noFile.json().code, 'file_required')
    const nulName = await postImport(
      ctx,
      officer,
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename*=UTF-8''tre%00em.csv\r\nContent-Type: text/csv\r\n\r\n` +
          csv([childHeader, childRow(61)]) +
          `\r\n--${boundary}--\r\n`,
      ),
      { contentType: `multipart/form-data; boundary=${boundary}` },
    )
    t.equal(nulName.statusCode, 400, 'a file name that is not text')
    t.match(nulName.json(), { code: 'invalid_text', errors: [{ pointer: '/file' }] })
  })

  t.test('households: created, then unchanged, keyed the same way', async (t) => {
    const book = csv([
      ['Mã nguồn', 'Họ và tên chủ hộ', 'Mã phường', 'Địa chỉ', 'Hộ nghèo, cận nghèo'],
      ['H-1', 'Trần Văn Bình', wardA, 'Số 3 ngõ 7', 'Hộ nghèo'],
      ['H-2', 'Lê Thị Cúc', wardB, '', ''],
    ])
    const first = await postImport(ctx, officer, book, { kind: 'households', query: 'mode=partial' })
    t.match(first.json(), { kind: 'households', counts: { created: 1, rejected: 1 } })
    t.equal(first.json().problems[0].problems[0].code, 'unit_out_of_scope')
    const again = await postImport(ctx, officer, book, { kind: 'households', query: 'mode=partial' })
    t.match(again.json().counts, { created: 0, unchanged: 1, rejected: 1 })
    t.equal(await countRows(ctx, 'audit_events', sql`action = 'household.create'`), 1)
  })

  t.test('a new row like a registered child (name, birth date, ward) is imported with a warning', async (t) => {
    const registered = await inScope(ctx.database.db, systemScope, async (tx) => {
      const [row] = await queryRows<{ id: string }>(
        tx,
        sql`select id from children where source = ${wardA} and external_id = 'E-2'`,
      )
      return row!
    })
    const lookalikes = csv([
      childHeader,
      childRow(2, wardA, { externalId: 'other-2' }),
      childRow(2, wardA, { externalId: 'other-3', dateOfBirth: '01/01/2017' }),
    ])
    const response = await postImport(ctx, officer, lookalikes, { query: 'source=another-book' })
    t.match(response.json(), { counts: { created: 2, warnings: 1 } })
    t.match(response.json().problems, [
      {
        row: 2,
        outcome: 'created',
        problems: [{ column: 'fullName', code: 'possible_duplicate', severity: 'warning', message: registered.id }],
      },
    ])
    t.equal(response.json().problems.length, 1, 'another date of birth is another child')
  })
})
