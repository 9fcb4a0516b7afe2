import { createHash, randomBytes } from 'node:crypto'
import { and, eq, sql } from 'drizzle-orm'
import t from 'tap'
import { queryRows } from '../../../src/db/client.js'
import { auditEvents } from '../../../src/modules/audit/tables.js'
import { chunkBytes } from '../../../src/modules/incidents/documents-store.js'
import { inScope, systemScope } from '../../../src/platform/scope.js'
import { createTestApp } from '../../support/app.js'
import { accountFor, clientFor, province, wardA, wardB, type TestAccount } from '../../support/auth.js'
import { incidentReport, recordIncidentOn, registerChild } from '../../support/registry.js'
import { zipArchive } from '../../support/zip.js'

const maxBytes = 1024 * 1024
const wordMain = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml'
const excelMain = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml'

/** An office document: an archive whose content types name its main part, and that part. */
function officeArchive(mainPart: string, contentType: string): Buffer {
  return zipArchive([
    {
      name: '[Content_Types].xml',
      data:
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="xml" ContentType="application/xml"/>' +
        `<Override PartName="/${mainPart}" ContentType="${contentType}"/></Types>`,
    },
    { name: mainPart, data: '<?xml version="1.0"?><document/>' },
  ])
}

/** Minimal files of each accepted type: the signature and a little content, unique per call. */
const fixtures = {
  pdf: (size = 400) => {
    const head = Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n% ')
    const tail = Buffer.from('\n%%EOF\n')
    return Buffer.concat([head, randomBytes(size - head.length - tail.length), tail])
  },
  png: () =>
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
      Buffer.from('IHDR'),
      randomBytes(17),
    ]),
  jpeg: () =>
    Buffer.concat([
      Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]),
      Buffer.from('JFIF\0'),
      randomBytes(64),
      Buffer.from([0xff, 0xd9]),
    ]),
  docx: () => officeArchive(`word/document-${randomBytes(4).toString('hex')}.xml`, wordMain),
  xlsx: () => officeArchive('xl/workbook.xml', excelMain),
}

interface Part {
  name: string
  value: string | Buffer
  filename?: string
  type?: string
}

/** A multipart/form-data body, as a browser sends it (file names in UTF-8). */
function form(parts: readonly Part[]) {
  const boundary = `----cps-${randomBytes(8).toString('hex')}`
  const chunks: Buffer[] = []
  for (const part of parts) {
    const file = part.filename !== undefined
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"` +
          (file ? `; filename="${part.filename}"\r\nContent-Type: ${part.type ?? 'application/octet-stream'}` : '') +
          '\r\n\r\n',
      ),
      Buffer.from(part.value),
      Buffer.from('\r\n'),
    )
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` }
}

const sha256 = (content: Buffer) => createHash('sha256').update(content).digest('hex')

t.test('documents attached to a case', async (t) => {
  const ctx = await createTestApp(t, { now: '2024-06-10T03:00:00Z', env: { DOCUMENT_MAX_BYTES: String(maxBytes) } })
  const { app } = ctx
  const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const officerB = await accountFor(ctx, { role: 'ward_officer', units: [wardB] })
  const chair = await accountFor(ctx, { role: 'ward_chair', units: [wardA] })
  const viewer = await accountFor(ctx, { role: 'agency_viewer', units: [wardA] })
  const child = await registerChild(ctx, officer, {
    fullName: 'Đặng Thị Hoa',
    dateOfBirth: '2014-03-03',
    address: { wardCode: wardA },
  })
  const incident = await recordIncidentOn(ctx, officer, { id: child.id, wardCode: wardA }, '2024-06-10')
  const base = `/v1/incidents/${incident.id}/documents`

  const upload = (account: TestAccount, parts: readonly Part[], url = base) => {
    const body = form(parts)
    return app.inject({
      method: 'POST',
      url,
      headers: { ...account.headers, 'content-type': body.contentType },
      payload: body.payload,
    })
  }
  const file = (content: Buffer, filename: string, kind = 'minutes', extra: Part[] = []) => [
    { name: 'kind', value: kind },
    ...extra,
    { name: 'file', value: content, filename },
  ]
  const auditOf = async (requestId: unknown) =>
    app.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.requestId, String(requestId)))
  const storedCounts = async () => {
    const [counts] = await inScope(app.database.db, systemScope, (tx) =>
      queryRows<{ documents: number; chunks: number }>(
        tx,
        sql`select (select count(*)::int from case_documents) as documents,
                   (select count(*)::int from case_document_chunks) as chunks`,
      ),
    )
    return counts!
  }

  t.test('each accepted type is recognised by its content, whatever its name', async (t) => {
    const cases: [keyof typeof fixtures, string, string][] = [
      ['pdf', 'bien-ban.bin', 'application/pdf'],
      ['png', 'anh.pdf', 'image/png'],
      ['jpeg', 'anh-hien-truong', 'image/jpeg'],
      ['docx', 'ke-hoach.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
      ['xlsx', 'danh-sach.xls', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
    ]
    for (const [type, filename, mediaType] of cases) {
      const content = fixtures[type]()
      const response = await upload(
        officer,
        file(content, filename, 'other', [{ name: 'title', value: `Tệp ${type}` }]),
      )
      t.equal(response.statusCode, 201, type)
      const document = response.json()
      t.match(document, {
        incidentId: incident.id,
        kind: 'other',
        title: `Tệp ${type}`,
        fileName: filename,
        mediaType,
        sizeBytes: content.length,
        sha256: sha256(content),
        uploadedAt: '2024-06-10T03:00:00.000Z',
        deletedAt: null,
      })
      t.equal(response.headers.location, `${base}/${document.id}`)
      const [event] = await auditOf(response.headers['x-request-id'])
      t.match(event, {
        action: 'incident.document.add',
        resourceType: 'incident',
        resourceId: incident.id,
        unitCode: wardA,
        actorId: officer.id,
        outcome: 'success',
        details: { documentId: document.id, kind: 'other', mediaType },
      })
    }
  })

  t.test('content of any other type is refused by what it is, and nothing is stored', async (t) => {
    const before = await storedCounts()
    const refused: [string, Buffer, string][] = [
      ['HTML named as a PDF', Buffer.from('<!doctype html><script>alert(1)</script>'), 'bao-cao.pdf'],
      ['an executable named as an image', Buffer.concat([Buffer.from('MZ\x90\x00'), randomBytes(200)]), 'anh.jpg'],
      ['a PDF header further in', Buffer.from('<html>%PDF-1.7</html>'), 'x.pdf'],
      ['a plain ZIP archive', zipArchive([{ name: 'a.txt', data: 'hello' }]), 'tai-lieu.docx'],
      [
        'a macro-enabled Word document',
        officeArchive('word/document.xml', 'application/vnd.ms-word.document.macroEnabled.main+xml'),
        'ke-hoach.docx',
      ],
      [
        'content types naming a part the archive lacks',
        zipArchive([
          {
            name: '[Content_Types].xml',
            data: `<Types><Override PartName="/word/document.xml" ContentType="${wordMain}"/></Types>`,
          },
        ]),
        'x.docx',
      ],
      ['an empty file', Buffer.alloc(0), 'empty.pdf'],
    ]
    for (const [name, content, filename] of refused) {
      const response = await upload(officer, file(content, filename, 'minutes'))
      t.equal(response.statusCode, 415, name)
      t.equal(response.json().code, 'unsupported_document_type', name)
    }
    t.same(await storedCounts(), before)
  })

  t.test('a file over the limit is refused while it streams in, and nothing is stored', async (t) => {
    const before = await storedCounts()
    const response = await upload(officer, file(fixtures.pdf(maxBytes + 1), 'lon.pdf'))
    t.equal(response.statusCode, 413)
    t.match(response.json(), { code: 'document_too_large', maxBytes })
    t.same(await storedCounts(), before)
    const exactly = await upload(officer, file(fixtures.pdf(maxBytes), 'vua.pdf'))
    t.equal(exactly.statusCode, 201, 'the limit itself is accepted')
  })

  t.test('the download is byte for byte what was uploaded, with safe headers, and each read is audited', async (t) => {
    const content = fixtures.pdf(chunkBytes * 2 + 12_345)
    const created = await upload(officer, file(content, 'Biên bản: họp* ngày 10.pdf', 'minutes'))
    t.equal(created.statusCode, 201)
    const { id } = created.json()
    const stored = await storedCounts()
    t.ok(stored.chunks >= 3, 'kept in pieces')
    for (const round of [1, 2]) {
      const response = await app.inject({ url: `${base}/${id}/content`, headers: officer.headers })
      t.equal(response.statusCode, 200)
      t.ok(response.rawPayload.equals(content), `round ${round}: byte-identical`)
      t.equal(response.headers['content-type'], 'application/pdf')
      t.equal(response.headers['content-length'], String(content.length))
      t.equal(response.headers.etag, `"${sha256(content)}"`)
      t.equal(response.headers['x-content-type-options'], 'nosniff')
      t.equal(response.headers['cache-control'], 'no-store')
      t.equal(
        response.headers['content-disposition'],
        `attachment; filename="Bien ban_ hop_ ngay 10.pdf"; filename*=UTF-8''${encodeURIComponent('Biên bản_ họp_ ngày 10.pdf')}`,
      )
      const events = await auditOf(response.headers['x-request-id'])
      t.equal(events.length, 1, `round ${round}: one audit event`)
      t.match(events[0], {
        action: 'incident.document.download',
        resourceType: 'incident',
        resourceId: incident.id,
        unitCode: wardA,
        actorId: officer.id,
        outcome: 'success',
        details: { documentId: id },
      })
    }
    const reads = await app.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'incident.document.download'), eq(auditEvents.resourceId, incident.id)))
    t.equal(reads.filter((event) => event.details?.documentId === id).length, 2, 'every read, each its own event')
    const renamed = await upload(officer, file(fixtures.png(), 'anh.pdf.exe', 'photo'))
    const disposition = await app.inject({ url: `${base}/${renamed.json().id}/content`, headers: chair.headers })
    t.equal(disposition.statusCode, 200, 'the ward chair reads content too')
    t.match(disposition.headers['content-disposition'], /filename="anh\.pdf\.exe\.png"/, 'saved as what it is')
  })

  t.test('the same content twice on one case answers 409 with the document that holds it', async (t) => {
    const content = fixtures.jpeg()
    const first = await upload(officer, file(content, 'a.jpg', 'photo'))
    const second = await upload(officer, file(content, 'b.jpg', 'photo'))
    t.equal(second.statusCode, 409)
    t.match(second.json(), { code: 'duplicate_document', existingId: first.json().id })
    const elsewhere = await recordIncidentOn(ctx, officer, { id: child.id, wardCode: wardA }, '2024-06-10')
    const other = await upload(officer, file(content, 'a.jpg', 'photo'), `/v1/incidents/${elsewhere.id}/documents`)
    t.equal(other.statusCode, 201, 'another case may hold the same content')
  })

  t.test('scoped like the case: another ward’s officer finds nothing, by any door', async (t) => {
    const content = fixtures.pdf()
    const { id } = (await upload(officer, file(content, 'x.pdf'))).json()
    const doors = [
      { method: 'GET' as const, url: base },
      { method: 'GET' as const, url: `${base}/${id}` },
      { method: 'GET' as const, url: `${base}/${id}/content` },
      { method: 'DELETE' as const, url: `${base}/${id}`, payload: { reason: 'Nhầm hồ sơ' } },
    ]
    for (const { method, url, payload } of doors) {
      const response = await app.inject({ method, url, payload, headers: officerB.headers })
      t.equal(response.statusCode, 404, `${method} ${url}`)
      t.equal(response.json().code, 'not_found')
      const [event] = await auditOf(response.headers['x-request-id'])
      t.equal(event?.outcome, 'not_found', `${method}: the attempt is audited`)
    }
    const uploadElsewhere = await upload(officerB, file(fixtures.pdf(), 'y.pdf'))
    t.equal(uploadElsewhere.statusCode, 404)
    const rows = await inScope(app.database.db, { all: false, wards: [wardB], groups: [] }, (tx) =>
      queryRows<{ n: number }>(tx, sql`select count(*)::int as n from case_document_chunks`),
    )
    t.equal(rows[0]?.n, 0, 'row-level security hides the content from another ward')
    t.equal((await app.inject({ url: `${base}/${id}/content`, headers: officer.headers })).statusCode, 200)
  })

  t.test('a reader without incidents:sensitive lists the documents but cannot read them', async (t) => {
    const { id } = (
      await upload(
        officer,
        file(fixtures.pdf(), 'Hồ sơ em Hoa.pdf', 'written_report_scan', [
          { name: 'title', value: 'Báo cáo của em Hoa' },
        ]),
      )
    ).json()
    const list = await app.inject({ url: base, headers: viewer.headers })
    t.equal(list.statusCode, 200)
    const listed = list.json().items.find((item: { id: string }) => item.id === id)
    t.match(listed, { kind: 'written_report_scan', mediaType: 'application/pdf' })
    t.notOk('title' in listed || 'fileName' in listed, 'no title or file name: they may name the child')
    const [listEvent] = await auditOf(list.headers['x-request-id'])
    t.match(listEvent, { action: 'incident.document.list', outcome: 'success', resourceId: incident.id })
    const one = await app.inject({ url: `${base}/${id}`, headers: viewer.headers })
    t.equal(one.statusCode, 200)
    t.notOk('title' in one.json())
    const content = await app.inject({ url: `${base}/${id}/content`, headers: viewer.headers })
    t.equal(content.statusCode, 403)
    t.match(content.json(), { code: 'forbidden', requiredPermission: 'incidents:sensitive' })
    const [denied] = await auditOf(content.headers['x-request-id'])
    t.equal(denied?.outcome, 'denied', 'the refusal is audited')
    const officerView = await app.inject({ url: `${base}/${id}`, headers: officer.headers })
    t.match(officerView.json(), { title: 'Báo cáo của em Hoa', fileName: 'Hồ sơ em Hoa.pdf' })
    t.equal((await upload(viewer, file(fixtures.pdf(), 'v.pdf'))).statusCode, 403, 'nor upload')
    t.equal((await upload(chair, file(fixtures.pdf(), 'c.pdf'))).statusCode, 403, 'uploading needs incidents:write')
    // The hotline's client writes what callers say (incidents:sensitive) for the whole city, and reads no case.
    const hotline = await clientFor(ctx, { role: 'hotline_intake', units: [province] })
    const taken = await app.inject({ url: `${base}/${id}/content`, headers: hotline.headers })
    t.equal(taken.statusCode, 403, 'the hotline client cannot download a case document')
    t.notOk(taken.body.includes('%PDF'), 'and gets none of it')
  })

  t.test('deleting removes the content and keeps a tombstone and the audit trail', async (t) => {
    const content = fixtures.docx()
    const { id } = (await upload(officer, file(content, 'ke-hoach.docx', 'signed_plan'))).json()
    const chunksBefore = (await storedCounts()).chunks
    const noBody = await app.inject({ method: 'DELETE', url: `${base}/${id}`, headers: officer.headers })
    t.equal(noBody.statusCode, 400)
    const missingReason = await app.inject({
      method: 'DELETE',
      url: `${base}/${id}`,
      payload: {},
      headers: officer.headers,
    })
    t.equal(missingReason.statusCode, 400)
    t.match(missingReason.json().errors, [{ pointer: '/reason' }])
    const reasonInQuery = await app.inject({
      method: 'DELETE',
      url: `${base}/${id}?reason=${encodeURIComponent('Tải nhầm hồ sơ')}`,
      payload: { reason: 'Tải nhầm hồ sơ' },
      headers: officer.headers,
    })
    t.equal(reasonInQuery.statusCode, 400, 'a reason in the query string is refused: URLs reach access logs')
    t.equal((await storedCounts()).chunks, chunksBefore, 'nothing deleted')
    const deleted = await app.inject({
      method: 'DELETE',
      url: `${base}/${id}`,
      payload: { reason: 'Tải nhầm hồ sơ' },
      headers: officer.headers,
    })
    t.equal(deleted.statusCode, 204)
    const [event] = await auditOf(deleted.headers['x-request-id'])
    t.match(event, {
      action: 'incident.document.delete',
      resourceId: incident.id,
      outcome: 'success',
      details: { documentId: id, kind: 'signed_plan' },
    })
    t.ok((await storedCounts()).chunks < chunksBefore, 'the content is gone')
    const tombstone = await app.inject({ url: `${base}/${id}`, headers: officer.headers })
    t.match(tombstone.json(), {
      id,
      sha256: sha256(content),
      deletedAt: '2024-06-10T03:00:00.000Z',
      deletedByName: officer.username,
      deletionReason: 'Tải nhầm hồ sơ',
    })
    const listed = (await app.inject({ url: base, headers: officer.headers })).json().items
    t.ok(
      listed.some((item: { id: string; deletedAt: string | null }) => item.id === id && item.deletedAt),
      'listed as a tombstone',
    )
    const content410 = await app.inject({ url: `${base}/${id}/content`, headers: officer.headers })
    t.equal(content410.statusCode, 410)
    t.equal(content410.json().code, 'document_deleted')
    const [refusedRead] = await auditOf(content410.headers['x-request-id'])
    t.match(refusedRead, { action: 'incident.document.download', outcome: 'not_found', details: { deleted: true } })
    const again = await app.inject({
      method: 'DELETE',
      url: `${base}/${id}`,
      payload: { reason: 'again' },
      headers: officer.headers,
    })
    t.equal(again.statusCode, 410)
    const reattached = await upload(officer, file(content, 'ke-hoach.docx', 'signed_plan'))
    t.equal(reattached.statusCode, 201, 'deleted content may be attached again')
  })

  t.test('bad input answers its problem code', async (t) => {
    const pdf = fixtures.pdf()
    const cases: [string, readonly Part[], number, string, string?][] = [
      ['no file', [{ name: 'kind', value: 'minutes' }], 400, 'file_required'],
      ['no kind', [{ name: 'file', value: pdf, filename: 'a.pdf' }], 400, 'validation_failed', '/kind'],
      ['an unknown kind', file(pdf, 'a.pdf', 'diary'), 400, 'validation_failed', '/kind'],
      [
        'an unknown field',
        file(pdf, 'a.pdf', 'minutes', [{ name: 'childName', value: 'x' }]),
        400,
        'validation_failed',
        '/childName',
      ],
      [
        'an empty title',
        file(pdf, 'a.pdf', 'minutes', [{ name: 'title', value: ' ' }]),
        400,
        'validation_failed',
        '/title',
      ],
      [
        'a title too long',
        file(pdf, 'a.pdf', 'minutes', [{ name: 'title', value: 'x'.repeat(201) }]),
        400,
        'validation_failed',
        '/title',
      ],
      [
        'a kind given twice',
        [...file(pdf, 'a.pdf'), { name: 'kind', value: 'photo' }],
        400,
        'validation_failed',
        '/kind',
      ],
      [
        'two files',
        [...file(pdf, 'a.pdf'), { name: 'file', value: fixtures.pdf(), filename: 'b.pdf' }],
        400,
        'validation_failed',
        '/file',
      ],
      [
        'the file as a plain field',
        [
          { name: 'kind', value: 'minutes' },
          { name: 'file', value: 'abc' },
        ],
        400,
        'validation_failed',
        '/file',
      ],
    ]
    for (const [name, parts, status, code, pointer] of cases) {
      const response = await upload(officer, parts)
      t.equal(response.statusCode, status, name)
      t.equal(response.json().code, code, name)
      if (pointer) t.match(response.json().errors, [{ pointer }], name)
    }
    const json = await app.inject({
      method: 'POST',
      url: base,
      headers: officer.headers,
      payload: { kind: 'minutes', file: 'JVBERi0=' },
    })
    t.equal(json.statusCode, 415, 'JSON is not a form')
    t.equal(json.json().code, 'unsupported_media_type')
    const badId = await app.inject({ url: `${base}/not-a-uuid`, headers: officer.headers })
    t.equal(badId.statusCode, 400)
    t.equal(badId.json().code, 'validation_failed')
    const missing = await app.inject({
      url: `${base}/00000000-0000-4000-8000-000000000000/content`,
      headers: officer.headers,
    })
    t.equal(missing.statusCode, 404)
    const noCase = await upload(
      officer,
      file(pdf, 'a.pdf'),
      '/v1/incidents/00000000-0000-4000-8000-000000000000/documents',
    )
    t.equal(noCase.statusCode, 404)
  })

  t.test('lists page through a case’s documents, newest first', async (t) => {
    const all = (await app.inject({ url: `${base}?limit=200`, headers: officer.headers })).json().items
    const first = await app.inject({ url: `${base}?limit=2`, headers: officer.headers })
    t.equal(first.json().items.length, 2)
    const second = await app.inject({
      url: `${base}?limit=2&cursor=${first.json().nextCursor}`,
      headers: officer.headers,
    })
    t.same(
      [...first.json().items, ...second.json().items].map((item: { id: string }) => item.id),
      all.slice(0, 4).map((item: { id: string }) => item.id),
    )
  })

  t.test('no file name or title reaches the log', async (t) => {
    const secret = `Nguyễn Văn Bí Mật ${randomBytes(4).toString('hex')}`
    const created = await upload(
      officer,
      file(fixtures.png(), `${secret}.png`, 'photo', [{ name: 'title', value: secret }]),
    )
    t.equal(created.statusCode, 201)
    await app.inject({ url: `${base}/${created.json().id}/content`, headers: officer.headers })
    await app.inject({
      method: 'DELETE',
      url: `${base}/${created.json().id}`,
      payload: { reason: secret },
      headers: officer.headers,
    })
    const logged = JSON.stringify(ctx.logs)
    t.notMatch(logged, secret)
    t.notMatch(logged, encodeURIComponent(secret))
  })
})

t.test('a document follows its case when the case is re-homed after the 2025 reorganisation', async (t) => {
  // Old ward 00301's group 00301-R02 maps to 00328-2025-R01 (src/reference/units.json).
  const ctx = await createTestApp(t, { now: '2024-06-15T03:00:00Z' })
  const { app } = ctx
  const officer2024 = await accountFor(ctx, { role: 'ward_officer', units: ['00301'] })
  const child = await registerChild(ctx, officer2024, { fullName: 'Lò Văn Mẫu', address: { wardCode: '00301' } })
  const incident = await app.inject({
    method: 'POST',
    url: '/v1/incidents',
    headers: officer2024.headers,
    payload: incidentReport(
      { id: child.id, wardCode: '00301' },
      { address: { wardCode: '00301', residentialGroupCode: '00301-R02' } },
    ),
  })
  const base = `/v1/incidents/${incident.json().id}/documents`
  const body = form([
    { name: 'kind', value: 'written_report_scan' },
    { name: 'file', value: fixtures.pdf(), filename: 'bao-cao.pdf' },
  ])
  const attached = await app.inject({
    method: 'POST',
    url: base,
    headers: { ...officer2024.headers, 'content-type': body.contentType },
    payload: body.payload,
  })
  t.equal(attached.statusCode, 201)
  const content = `${base}/${attached.json().id}/content`

  ctx.clock.set('2026-12-03T03:00:00Z')
  const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
  const linhNam = await accountFor(ctx, { role: 'ward_officer', units: ['00328-2025'] })
  const vinhHung = await accountFor(ctx, { role: 'ward_officer', units: ['00301-2025'] })
  t.equal((await app.inject({ url: content, headers: vinhHung.headers })).statusCode, 200, 'a successor, before')
  const started = await app.inject({
    method: 'POST',
    url: '/v1/reform/rehomings',
    headers: admin.headers,
    payload: { wards: ['00301'] },
  })
  t.equal(started.statusCode, 202)
  await app.jobs.runDue()
  t.equal((await app.inject({ url: content, headers: linhNam.headers })).statusCode, 200, 'the ward it moved to')
  t.equal((await app.inject({ url: content, headers: vinhHung.headers })).statusCode, 404, 'the other successor, after')
})
