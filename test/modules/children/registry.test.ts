import ExcelJS from 'exceljs'
import { parse } from 'csv-parse/sync'
import t from 'tap'
import { createTestApp } from '../../support/app.js'
import { accountFor, province, wardA, wardB } from '../../support/auth.js'
import { registerChild } from '../../support/registry.js'

const now = '2024-06-15T03:00:00Z' // 10:00 in Hanoi

t.test('the child registry', async (t) => {
  const ctx = await createTestApp(t, { now })
  const { app } = ctx
  const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const officerB = await accountFor(ctx, { role: 'ward_officer', units: [wardB] })
  const district = await accountFor(ctx, { role: 'district_officer', units: [province] })
  const get = (url: string, account = officer) => app.inject({ url, headers: account.headers })

  const an = await registerChild(ctx, officer, {
    fullName: 'Nguyễn Văn An',
    sex: 'male',
    dateOfBirth: '2019-03-02',
    personalId: '001219012345',
    address: { wardCode: wardA, streetAddress: 'Ngõ 12 phố Mẫu' },
  })
  const binh = await registerChild(ctx, officer, {
    fullName: 'Trần Thị Bình',
    sex: 'female',
    dateOfBirth: '2012-11-20',
    address: { wardCode: wardA },
  })
  const cuong = await registerChild(ctx, officerB, {
    fullName: 'Lê Văn Cường',
    sex: 'male',
    dateOfBirth: '2016-01-01',
    address: { wardCode: wardB },
  })

  t.test('create: ID-number warnings do not block, and the record comes back', async (t) => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/children',
      headers: officer.headers,
      payload: {
        fullName: 'Phạm Minh Châu',
        sex: 'female',
        dateOfBirth: '2020-07-07',
        personalId: '001215099999',
        address: { wardCode: wardA },
      },
    })
    t.equal(response.statusCode, 201)
    const codes = response
      .json()
      .warnings.map((w: { code: string }) => w.code)
      .sort()
    t.same(codes, ['personal_id_birth_year_mismatch', 'personal_id_sex_mismatch'])
    t.equal(response.headers.etag, '"1"')
    t.equal(response.json().ageYears, 3)
    t.equal(response.json().address.provinceCode, '01')
  })

  t.test('create: bad input is refused with every reason, and nothing is written', async (t) => {
    const before = (await get('/v1/children?limit=200')).json().items.length
    const cases: [string, Record<string, unknown>, number, string[]][] = [
      [
        'a bad ID format',
        { fullName: 'X', sex: 'male', dateOfBirth: '2019-01-01', personalId: '12345', address: { wardCode: wardA } },
        400,
        ['/personalId'],
      ],
      ['no birth date', { fullName: 'X', sex: 'male', address: { wardCode: wardA } }, 422, ['/dateOfBirth']],
      [
        'born in the future',
        { fullName: 'X', sex: 'male', dateOfBirth: '2024-07-01', address: { wardCode: wardA } },
        422,
        ['/dateOfBirth'],
      ],
      [
        '16 or older',
        { fullName: 'X', sex: 'male', dateOfBirth: '2008-06-14', address: { wardCode: wardA } },
        422,
        ['/dateOfBirth'],
      ],
      [
        'not a ward',
        { fullName: 'X', sex: 'male', dateOfBirth: '2019-01-01', address: { wardCode: '008' } },
        422,
        ['/address/wardCode'],
      ],
      [
        'another ward',
        { fullName: 'X', sex: 'male', dateOfBirth: '2019-01-01', address: { wardCode: wardB } },
        422,
        ['/address/wardCode'],
      ],
      [
        'unknown ethnicity',
        { fullName: 'X', sex: 'male', dateOfBirth: '2019-01-01', ethnicityCode: '99', address: { wardCode: wardA } },
        422,
        ['/ethnicityCode'],
      ],
      [
        'an unknown member',
        { fullName: 'X', sex: 'male', dateOfBirth: '2019-01-01', address: { wardCode: wardA }, nickname: 'x' },
        400,
        ['/nickname'],
      ],
    ]
    for (const [name, payload, status, pointers] of cases) {
      const response = await app.inject({ method: 'POST', url: '/v1/children', headers: officer.headers, payload })
      t.equal(response.statusCode, status, name)
      t.same(
        response.json().errors.map((e: { pointer: string }) => e.pointer),
        pointers,
        name,
      )
    }
    t.equal((await get('/v1/children?limit=200')).json().items.length, before, 'nothing was created')
  })

  t.test('the personal ID number is unique: 409 pointing at the record when you may see it', async (t) => {
    const same = await app.inject({
      method: 'POST',
      url: '/v1/children',
      headers: officer.headers,
      payload: {
        fullName: 'Khác',
        sex: 'male',
        dateOfBirth: '2019-03-02',
        personalId: '001219012345',
        address: { wardCode: wardA },
      },
    })
    t.equal(same.statusCode, 409)
    t.equal(same.json().code, 'personal_id_taken')
    t.equal(same.json().existingId, an.id)
    const elsewhere = await app.inject({
      method: 'POST',
      url: '/v1/children',
      headers: officerB.headers,
      payload: {
        fullName: 'Khác',
        sex: 'male',
        dateOfBirth: '2019-03-02',
        personalId: '001219012345',
        address: { wardCode: wardB },
      },
    })
    t.equal(elsewhere.statusCode, 409, 'still unique across wards')
    t.notOk('existingId' in elsewhere.json(), 'but another ward’s record is not revealed')
  })

  t.test('a likely duplicate is created, with possibleDuplicates', async (t) => {
    const register = () =>
      app.inject({
        method: 'POST',
        url: '/v1/children',
        headers: { ...officer.headers, 'idempotency-key': 'register-an-again' },
        payload: { fullName: 'nguyen  van AN', sex: 'male', dateOfBirth: '2019-03-02', address: { wardCode: wardA } },
      })
    const response = await register()
    t.equal(response.statusCode, 201)
    t.match(response.json().possibleDuplicates, [{ id: an.id, reason: 'same_name_and_birth_date' }])
    const replayed = await register()
    t.equal(replayed.headers['idempotent-replayed'], 'true')
    t.same(
      [replayed.json().id, replayed.json().possibleDuplicates, replayed.json().warnings],
      [response.json().id, response.json().possibleDuplicates, response.json().warnings],
      'a retry whose first answer was lost still learns of the likely duplicate',
    )
    const pairs = await get('/v1/children/duplicates')
    t.equal(pairs.statusCode, 200)
    const pair = pairs
      .json()
      .items.find((p: { first: { id: string }; second: { id: string } }) => [p.first.id, p.second.id].includes(an.id))
    t.ok(pair, 'the pair is listed')
    t.equal(pair.reason, 'same_name_and_birth_date')
    t.equal((await get('/v1/children/duplicates', officerB)).json().items.length, 0, 'not in another ward’s list')
  })

  t.test('a name built to break out of the likely-duplicate search stays a name', async (t) => {
    // The search opens the registration's transaction as SQL text with literals, before the name is validated.
    const hostile = [
      "Lê Văn A'); delete from children; --",
      "Trần Thị B\\'; select pg_sleep(5); --",
      'Phạm $$ Văn $x$ C',
    ]
    for (const fullName of hostile) {
      const register = () =>
        app.inject({
          method: 'POST',
          url: '/v1/children',
          headers: officer.headers,
          payload: { fullName, sex: 'male', dateOfBirth: '2019-03-02', address: { wardCode: wardA } },
        })
      const started = Date.now()
      const first = await register()
      t.equal(first.statusCode, 201, 'registered as a name')
      t.equal(first.json().fullName, fullName, 'kept as written')
      t.ok(Date.now() - started < 4000, 'nothing it carried ran')
      const again = await register()
      t.match(again.json().possibleDuplicates, [{ id: first.json().id }], 'and the search finds it by that name')
    }
    t.equal((await get(`/v1/children/${an.id}`)).statusCode, 200, 'the registry is as it was')
  })

  t.test('a birth date no child has is the record’s 422, not a database error', async (t) => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/children',
      headers: officer.headers,
      payload: { fullName: 'Đỗ Văn Xưa', sex: 'male', dateOfBirth: '0000-01-01', address: { wardCode: wardA } },
    })
    t.equal(response.statusCode, 422)
    t.match(response.json().errors, [{ pointer: '/dateOfBirth' }])
  })

  t.test('name search ignores diacritics and tolerates typos', async (t) => {
    const cases: [string, string][] = [
      ['Nguyen Van An', an.id],
      ['nguyễn văn an', an.id],
      ['Ngyuen Van An', an.id],
      ['tran thi binh', binh.id],
      ['Binh', binh.id],
    ]
    for (const [query, expected] of cases) {
      const response = await get(`/v1/children?q=${encodeURIComponent(query)}`)
      t.equal(response.statusCode, 200, query)
      const top = response
        .json()
        .items.slice(0, 2)
        .map((item: { id: string }) => item.id)
      t.ok(top.includes(expected), `"${query}" finds it among the closest (its registered duplicate ties)`)
    }
    const other = await get(`/v1/children?q=${encodeURIComponent('Le Van Cuong')}`)
    t.same(other.json().items, [], 'a child in another ward is not found')
  })

  t.test('filters: age, under 6, health insurance, status and unit', async (t) => {
    const under6 = (await get('/v1/children?under6=true&limit=200')).json().items.map((c: { id: string }) => c.id)
    t.ok(under6.includes(an.id))
    t.notOk(under6.includes(binh.id))
    const aged = (await get('/v1/children?ageFrom=10&ageTo=12')).json().items.map((c: { id: string }) => c.id)
    t.same(aged, [binh.id], 'Bình is 11')
    const card = await app.inject({
      method: 'POST',
      url: `/v1/children/${an.id}/health-insurance`,
      headers: officer.headers,
      payload: { cardNumber: 'TE1010012345678', validFrom: '2019-03-02' },
    })
    t.equal(card.statusCode, 201)
    t.equal(card.json().validTo, '2025-09-30', 'Decree 146: 72 months on 2025-03-02, before 30/09, so to 30 September')
    const without = (await get('/v1/children?under6=true&withoutValidHealthInsurance=true&limit=200'))
      .json()
      .items.map((c: { id: string }) => c.id)
    t.notOk(without.includes(an.id), 'a valid card takes him out of the list')
    const later = (await get('/v1/children?withoutValidHealthInsurance=true&asOf=2025-10-01&limit=200'))
      .json()
      .items.map((c: { id: string }) => c.id)
    t.ok(later.includes(an.id), 'the card has expired on 2025-10-01')
    const agedOut = (await get('/v1/children?status=aged_out&asOf=2028-11-20'))
      .json()
      .items.map((c: { id: string }) => c.id)
    t.same(agedOut, [binh.id], 'aged out is derived from the date, never stored')
    const byDistrict = (await get('/v1/children?unit=008&limit=200', district)).json().items.length
    t.ok(byDistrict >= 4, 'a unit includes every ward below it')
    const unknownUnit = await get('/v1/children?unit=nowhere')
    t.equal(unknownUnit.statusCode, 400)
  })

  t.test('circumstances: groups and risks with dates, history kept', async (t) => {
    const added = await app.inject({
      method: 'POST',
      url: `/v1/children/${binh.id}/circumstances`,
      headers: officer.headers,
      payload: { kind: 'group', groupCode: 'a', subGroup: 'with relatives', startDate: '2023-01-01' },
    })
    t.equal(added.statusCode, 201)
    const risk = await app.inject({
      method: 'POST',
      url: `/v1/children/${binh.id}/circumstances`,
      headers: officer.headers,
      payload: { kind: 'risk', risk: 'parents working far away, alone at night', startDate: '2024-01-01' },
    })
    t.equal(risk.statusCode, 201)
    const inGroup = (await get('/v1/children?group=a')).json().items.map((c: { id: string }) => c.id)
    t.same(inGroup, [binh.id])
    const atRisk = (await get('/v1/children?atRisk=true')).json().items
    t.same(
      atRisk.map((c: { id: string }) => c.id),
      [binh.id],
    )
    const ended = await app.inject({
      method: 'PATCH',
      url: `/v1/children/${binh.id}/circumstances/${added.json().id}`,
      headers: { ...officer.headers, 'if-match': added.headers.etag as string },
      payload: { endDate: '2024-05-31', endReason: 'adopted' },
    })
    t.equal(ended.statusCode, 200)
    t.equal(ended.json().active, false)
    t.same((await get('/v1/children?group=a')).json().items, [], 'no longer in the group today')
    t.equal((await get('/v1/children?group=a&asOf=2024-03-01')).json().items.length, 1, 'but it was in March')
    const record = (await get(`/v1/children/${binh.id}`)).json()
    t.equal(record.circumstances.length, 2, 'ended memberships stay on the record')
    const badRange = await app.inject({
      method: 'POST',
      url: `/v1/children/${binh.id}/circumstances`,
      headers: officer.headers,
      payload: { kind: 'group', groupCode: 'd', startDate: '2024-01-01', endDate: '2023-01-01' },
    })
    t.equal(badRange.statusCode, 422)
    const badGroup = await app.inject({
      method: 'POST',
      url: `/v1/children/${binh.id}/circumstances`,
      headers: officer.headers,
      payload: { kind: 'group', groupCode: 'f', startDate: '2024-01-01' },
    })
    t.equal(badGroup.statusCode, 400, 'there is no group f')
    const care = await app.inject({
      method: 'POST',
      url: `/v1/children/${binh.id}/care`,
      headers: officer.headers,
      payload: { kind: 'allowance', provider: 'UBND phường', startDate: '2024-01-01', amountVnd: 540000 },
    })
    t.equal(care.statusCode, 201)
    t.equal((await get(`/v1/children/${binh.id}`)).json().care[0].amountVnd, 540000)
  })

  t.test('PATCH: If-Match 428 and 412; changes land in the history with who and when', async (t) => {
    const url = `/v1/children/${binh.id}`
    const missing = await app.inject({
      method: 'PATCH',
      url,
      headers: officer.headers,
      payload: { schoolingStatus: 'lower_secondary' },
    })
    t.equal(missing.statusCode, 428)
    const current = await get(url)
    const changed = await app.inject({
      method: 'PATCH',
      url,
      headers: { ...officer.headers, 'if-match': current.headers.etag as string },
      payload: {
        schoolingStatus: 'lower_secondary',
        fullName: 'Trần Thị Bình An',
        reason: 'corrected from the birth certificate',
      },
    })
    t.equal(changed.statusCode, 200)
    t.equal(changed.json().version, current.json().version + 1)
    const stale = await app.inject({
      method: 'PATCH',
      url,
      headers: { ...officer.headers, 'if-match': current.headers.etag as string },
      payload: { schoolingStatus: 'primary' },
    })
    t.equal(stale.statusCode, 412)
    t.equal((await get(url)).json().schoolingStatus, 'lower_secondary', 'the stale change did not land')
    const history = (await get(`${url}/history`)).json().items
    const update = history.find((r: { action: string }) => r.action === 'update')
    t.match(update, {
      actorId: officer.id,
      reason: 'corrected from the birth certificate',
      changes: [
        { field: 'fullName', from: 'Trần Thị Bình', to: 'Trần Thị Bình An' },
        { field: 'schoolingStatus', from: null, to: 'lower_secondary' },
      ],
    })
    t.equal(history[0].action, 'create')
    t.ok(history.some((r: { action: string }) => r.action === 'circumstance.add'))
  })

  t.test('merge moves circumstances, care and cards and keeps a tombstone', async (t) => {
    const duplicate = await registerChild(ctx, officer, {
      fullName: 'Trần Thị Bình An',
      sex: 'female',
      dateOfBirth: '2012-11-20',
      personalId: '001312000111',
      ethnicityCode: '01',
      address: { wardCode: wardA },
    })
    await app.inject({
      method: 'POST',
      url: `/v1/children/${duplicate.id}/circumstances`,
      headers: officer.headers,
      payload: { kind: 'group', groupCode: 'h', startDate: '2024-02-01' },
    })
    await app.inject({
      method: 'POST',
      url: `/v1/children/${duplicate.id}/care`,
      headers: officer.headers,
      payload: { kind: 'education_support', startDate: '2024-02-01' },
    })
    const merged = await app.inject({
      method: 'POST',
      url: `/v1/children/${binh.id}/merge`,
      headers: officer.headers,
      payload: { duplicateId: duplicate.id, duplicateVersion: 1, reason: 'same girl registered twice' },
    })
    t.equal(merged.statusCode, 200)
    const survivor = merged.json()
    t.ok(
      survivor.circumstances.some((c: { groupCode: string }) => c.groupCode === 'h'),
      'circumstances moved',
    )
    t.ok(
      survivor.care.some((c: { kind: string }) => c.kind === 'education_support'),
      'care moved',
    )
    t.equal(survivor.personalId, '001312000111', 'the missing ID number was taken from the duplicate')
    t.equal(survivor.ethnicityCode, '01')
    const gone = await get(`/v1/children/${duplicate.id}`)
    t.equal(gone.statusCode, 404, 'the duplicate is a tombstone')
    const history = (await get(`/v1/children/${binh.id}/history`)).json().items
    t.match(history.at(-1), { action: 'merge', changes: [{ field: 'mergedFrom', to: duplicate.id }] })
    const twice = await app.inject({
      method: 'POST',
      url: `/v1/children/${binh.id}/merge`,
      headers: officer.headers,
      payload: { duplicateId: duplicate.id, duplicateVersion: 2 },
    })
    t.equal(twice.statusCode, 404)
  })

  t.test('a child who moves to another ward takes circumstances, care, cards and history along', async (t) => {
    const dung = await registerChild(ctx, officer, {
      fullName: 'Đỗ Văn Dũng',
      sex: 'male',
      dateOfBirth: '2021-04-04',
      address: { wardCode: wardA },
    })
    const add = (path: string, payload: object) =>
      app.inject({ method: 'POST', url: `/v1/children/${dung.id}/${path}`, headers: officer.headers, payload })
    t.equal((await add('circumstances', { kind: 'group', groupCode: 'd', startDate: '2024-01-01' })).statusCode, 201)
    t.equal((await add('care', { kind: 'medical', startDate: '2024-01-01' })).statusCode, 201)
    t.equal((await add('health-insurance', { cardNumber: 'TE1010123456789', validFrom: '2024-01-01' })).statusCode, 201)
    const current = await get(`/v1/children/${dung.id}`, district)
    const moved = await app.inject({
      method: 'PATCH',
      url: `/v1/children/${dung.id}`,
      headers: { ...district.headers, 'if-match': current.headers.etag as string },
      payload: { address: { wardCode: wardB }, reason: 'family moved' },
    })
    t.equal(moved.statusCode, 200)
    t.equal((await get(`/v1/children/${dung.id}`)).statusCode, 404, 'the old ward no longer sees the child')
    const inNewWard = (await get(`/v1/children/${dung.id}`, officerB)).json()
    t.equal(inNewWard.circumstances.length, 1)
    t.equal(inNewWard.care.length, 1)
    t.equal(inNewWard.healthInsurance.length, 1)
    t.same(
      (await get('/v1/children?group=d', officerB)).json().items.map((c: { id: string }) => c.id),
      [dung.id],
    )
    t.same((await get('/v1/children?group=d')).json().items, [], 'the old ward counts the child no more')
    const history = (await get(`/v1/children/${dung.id}/history`, officerB)).json().items
    t.equal(history[0].action, 'create', 'the whole history came along')
    t.equal(history.at(-1).action, 'update')
  })

  t.test('delete is soft, with a reason; the record leaves every list', async (t) => {
    const child = await registerChild(ctx, officer, {
      fullName: 'Đỗ Văn Tạm',
      dateOfBirth: '2021-01-01',
      address: { wardCode: wardA },
    })
    const url = `/v1/children/${child.id}`
    const noReason = await app.inject({ method: 'DELETE', url, headers: { ...officer.headers, 'if-match': '"1"' } })
    t.equal(noReason.statusCode, 400)
    const deleted = await app.inject({
      method: 'DELETE',
      url: `${url}?reason=${encodeURIComponent('registered by mistake')}`,
      headers: { ...officer.headers, 'if-match': '"1"' },
    })
    t.equal(deleted.statusCode, 204)
    t.equal((await get(url)).statusCode, 404)
    t.notOk((await get('/v1/children?q=do van tam')).json().items.length)
  })

  t.test('exports: CSV and XLSX carry the same rows, Vietnamese headers, formulas neutralised', async (t) => {
    await registerChild(ctx, officer, {
      fullName: '=HYPERLINK("http://evil.example","bấm")',
      dateOfBirth: '2020-01-01',
      address: { wardCode: wardA },
    })
    const csv = await get('/v1/children/export?format=csv')
    t.equal(csv.statusCode, 200)
    t.match(csv.headers['content-type'], /^text\/csv/)
    t.match(csv.headers['content-disposition'], /attachment; filename="children-20240615\.csv"/)
    const lines = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
    t.match(lines[0], /^Mã trẻ,Mã nguồn,Họ và tên,Ngày sinh/)
    t.ok(
      lines.some((line) => line.includes(`"'=HYPERLINK(""http://evil.example"",""bấm"")"`)),
      'the formula is neutralised',
    )
    t.notOk(lines.some((line) => /,=HYPERLINK/.test(line)))
    const english = await get('/v1/children/export?format=csv&headers=en')
    t.match(english.body, /^\uFEFFid,externalId,fullName,dateOfBirth/)
    // Vietnamese values for the officer, codes for machines.
    const parsed = (body: string) => parse<Record<string, string>>(body.replace(/^\uFEFF/, ''), { columns: true })
    const viRows = parsed(csv.body)
    t.ok(viRows.length > 1)
    const valuesOf = (name: string) => new Set(viRows.map((row) => row[name]))
    t.ok(
      [...valuesOf('Giới tính')].every((value) => ['Nam', 'Nữ', 'Không rõ'].includes(value!)),
      'Nam, Nữ',
    )
    t.ok(
      [...valuesOf('Có nguy cơ')].every((value) => ['Có', 'Không'].includes(value!)),
      'Có, Không',
    )
    t.ok(
      [...valuesOf('Tình trạng')].every((value) =>
        ['Đang theo dõi', 'Đã đủ 16 tuổi', 'Đã chuyển đi', 'Đã mất'].includes(value!),
      ),
      'the status by name',
    )
    t.ok(valuesOf('Ngày sinh').has('01/01/2020'), 'dates as dd/mm/yyyy')
    const enRows = parsed(english.body)
    t.ok(
      enRows.some((row) => row.dateOfBirth === '2020-01-01'),
      'ISO dates in English',
    )
    t.ok(
      enRows.every((row) => ['male', 'female', 'unknown'].includes(row.sex!)),
      'and codes',
    )
    const xlsx = await app.inject({ url: '/v1/children/export?format=xlsx', headers: officer.headers })
    t.equal(xlsx.statusCode, 200)
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer)
    const sheet = workbook.worksheets[0]!
    t.equal(sheet.getRow(1).getCell(3).value, 'Họ và tên')
    t.equal(sheet.rowCount, lines.length, 'the same number of rows as the CSV')
    t.match(sheet.views, [{ state: 'frozen', ySplit: 1 }], 'the header row stays in view')
    t.ok(sheet.autoFilter, 'and carries a filter')
    t.equal(sheet.getColumn(3).width, 28, 'the name column is wide enough for a name')
    const born = sheet
      .getColumn(4)
      .values.find((value): value is Date => value instanceof Date && value.toISOString().startsWith('2020-01-01'))
    t.ok(born, 'a date of birth is a date cell')
    const bornCell = sheet
      .getRows(2, sheet.rowCount - 1)!
      .find((row) => row.getCell(4).value instanceof Date)!
      .getCell(4)
    t.equal(bornCell.numFmt, 'dd/mm/yyyy', 'shown as dd/mm/yyyy')
    const formulaRow = sheet.getRows(2, sheet.rowCount - 1)!.find((row) => {
      const name = row.getCell(3).value
      return typeof name === 'string' && name.includes('HYPERLINK')
    })
    const formulaName = formulaRow?.getCell(3).value
    t.equal(
      typeof formulaName === 'string' ? formulaName.charAt(0) : formulaName,
      "'",
      'no formula cell in the workbook',
    )
    t.equal(formulaRow?.getCell(3).formula, undefined)
  })

  t.test('households: the household book', async (t) => {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/households',
      headers: officer.headers,
      payload: {
        headName: 'Nguyễn Văn Hùng',
        address: { wardCode: wardA, streetAddress: 'Số 5 ngõ 12' },
        poverty: { status: 'near_poor', from: '2024-01-01', to: '2025-12-31' },
        members: [{ fullName: 'Nguyễn Văn Hùng', birthYear: 1985, sex: 'male', relationship: 'head' }],
      },
    })
    t.equal(created.statusCode, 201)
    const household = created.json()
    t.equal(household.members.length, 1)
    t.ok(household.members[0].id)
    const child = await registerChild(ctx, officer, {
      fullName: 'Nguyễn Thị Mai',
      dateOfBirth: '2017-09-09',
      householdId: household.id,
      relationshipToHead: 'child',
      address: { wardCode: wardA },
    })
    const fetched = await get(`/v1/households/${household.id}`)
    t.same(
      fetched.json().children.map((c: { id: string }) => c.id),
      [child.id],
    )
    t.same(
      (await get(`/v1/children?householdId=${household.id}`)).json().items.map((c: { id: string }) => c.id),
      [child.id],
    )
    const list = await get('/v1/households?q=nguyen van hung&poverty=near_poor')
    t.equal(list.json().items.length, 1)
    const patched = await app.inject({
      method: 'PATCH',
      url: `/v1/households/${household.id}`,
      headers: { ...officer.headers, 'if-match': '"1"' },
      payload: { poverty: { status: 'none' } },
    })
    t.equal(patched.statusCode, 200)
    t.equal(patched.json().poverty.status, 'none')
    t.equal((await get(`/v1/households/${household.id}`, officerB)).statusCode, 404, 'another ward sees nothing')
    const wrongHousehold = await app.inject({
      method: 'POST',
      url: '/v1/children',
      headers: officerB.headers,
      payload: {
        fullName: 'X',
        sex: 'male',
        dateOfBirth: '2019-01-01',
        householdId: household.id,
        address: { wardCode: wardB },
      },
    })
    t.equal(wrongHousehold.statusCode, 422, 'a household in another ward cannot be used')
    t.equal(cuong.address.wardCode, wardB)
  })
})
