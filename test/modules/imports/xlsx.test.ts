import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises'
import ExcelJS from 'exceljs'
import t from 'tap'
import { childColumns } from '../../../src/modules/children/columns.js'
import { ImportFileError, describeFileError, openImportFile } from '../../../src/modules/imports/parse.js'
import {
  defaultWorkbookLimits,
  openWorkbook,
  WorkbookError,
  type WorkbookLimits,
  type WorkbookRow,
} from '../../../src/modules/imports/xlsx.js'
import { childEnvironment } from '../../support/process.js'
import { inlineRows, workbookArchive, zipArchive } from '../../support/zip.js'

async function readAll(
  content: Buffer,
  limits?: Partial<WorkbookLimits>,
  pause?: () => Promise<unknown>,
): Promise<WorkbookRow[]> {
  const workbook = await openWorkbook({ content }, { ...defaultWorkbookLimits, ...limits })
  const rows: WorkbookRow[] = []
  for await (const row of workbook.rows) {
    rows.push(row)
    await pause?.()
  }
  return rows
}

async function refusal(content: Buffer, limits?: Partial<WorkbookLimits>): Promise<WorkbookError> {
  try {
    await readAll(content, limits)
  } catch (error) {
    if (error instanceof WorkbookError) return error
    throw error
  }
  throw new Error('the workbook was read without a problem')
}

const header = ['Mã nguồn', 'Họ và tên', 'Giới tính', 'Ngày sinh', 'Mã phường']

/** A workbook as ExcelJS writes it: the sheets stored before the shared strings, and the workbook part last. */
async function excelJsWorkbook(rows: number): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook()
  const sheet = workbook.addWorksheet('Trẻ em')
  sheet.addRow(header)
  for (let n = 1; n <= rows; n++)
    sheet.addRow([
      `E-${n}`,
      `Trẻ Thử Nghiệm ${n}`,
      n % 2 ? 'Nam' : 'Nữ',
      new Date(Date.UTC(2018, n % 12, (n % 28) + 1)),
      '00301',
    ])
  workbook.addWorksheet('Khác').addRow(['not read'])
  return Buffer.from(await workbook.xlsx.writeBuffer())
}

t.test(
  'the parts a sheet depends on are read first, whatever order they are stored in; a slow reader loses nothing',
  async (t) => {
    const buffer = await excelJsWorkbook(30)
    // ExcelJS's single-pass reader lost the parts stored after the sheet when its reader fell this far behind.
    const rows = await readAll(buffer, {}, () => sleep(5))
    t.equal(rows.length, 31)
    t.same(rows[1], { line: 2, cells: ['E-1', 'Trẻ Thử Nghiệm 1', 'Nam', '2018-02-02', '00301'] })
    for (const order of ['sheet-first', 'workbook-first'] as const) {
      const built = workbookArchive({
        order,
        sheetData: inlineRows([header, ['E-1', 'An', 'Nam', '2018-01-01', '00301']]),
      })
      t.same(
        (await readAll(built, {}, () => sleep(5))).map((row) => row.cells[1]),
        ['Họ và tên', 'An'],
        order,
      )
    }
  },
)

t.test('many workbooks read at once, while the event loop is kept busy, are all read whole', async (t) => {
  const buffer = await excelJsWorkbook(200)
  const expected = await readAll(buffer)
  let busy = true
  const spinner = (async () => {
    while (busy) {
      const until = Date.now() + 15
      while (Date.now() < until);
      await nextTurn()
    }
  })()
  const readers = Array.from({ length: 40 }, async (_, index) => {
    const file = await openImportFile('children', 'xlsx', { content: buffer }, childColumns)
    const rows: string[] = []
    for await (const row of file.rows) {
      rows.push(row.cells.externalId!)
      if ((rows.length + index) % 17 === 0) await sleep(index % 5)
    }
    return rows
  })
  const results = await Promise.allSettled(readers)
  busy = false
  await spinner
  const failures = results.filter((result) => result.status === 'rejected')
  t.same(failures, [], 'no workbook was refused')
  for (const result of results)
    if (result.status === 'fulfilled')
      t.same(
        result.value,
        expected.slice(1).map((row) => row.cells[0]),
      )
})

t.test(
  'cells as the import reads them: shared and inline text, numbers, dates by style and date system, formulas',
  async (t) => {
    const sharedStrings =
      '<si><t>Mã nguồn</t></si><si><t>Họ và tên</t></si><si><r><t>Ngõ </t></r><r><rPh><t>ふりがな</t></rPh><t>12</t></r></si>' +
      '<si><t xml:space="preserve"> có khoảng trắng </t></si>'
    const styles =
      '<numFmts count="2"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/><numFmt numFmtId="165" formatCode="#,##0 &quot;đ&quot;"/></numFmts>' +
      '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="165"/></cellXfs>'
    const sheetData =
      '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>' +
      '<row r="3">' +
      '<c r="A3" t="s"><v>2</v></c>' +
      '<c r="B3" t="inlineStr"><is><r><t>Nguyễn </t></r><r><t>Văn An</t></r></is></c>' +
      '<c r="C3" s="1"><v>43526</v></c>' +
      '<c r="D3" s="2"><v>43526.75</v></c>' +
      '<c r="E3" s="3"><v>1219012345</v></c>' +
      '<c r="F3"><v>0.10000000000000001</v></c>' +
      '<c r="G3" t="b"><v>1</v></c>' +
      '<c r="H3" t="e"><v>#N/A</v></c>' +
      '<c r="I3" t="str"><f>B3&amp;"x"</f><v>Nguyễn Văn Anx</v></c>' +
      '<c r="J3"><f t="shared" si="0"/><v>2</v></c>' +
      '<c r="K3" t="d"><v>2019-03-02T00:00:00Z</v></c>' +
      '<c r="M3" t="s"><v>3</v></c>' +
      '</row>' +
      '<row r="4"><c t="inlineStr"><is><t>without references</t></is></c><c t="inlineStr"><is><t>B</t></is></c>' +
      '<c t="s"/><c s="1"><v>912345678</v></c><c t="inlineStr"><is><t>Số 12_x000D_\nngõ 4</t><rPh><t>ふり</t></rPh></is></c></row>' +
      '<row r="5"><c r="A5" s="1"/><c r="B5" t="inlineStr"><is><t>  </t></is></c></row>'
    const rows = await readAll(workbookArchive({ sheetData, sharedStrings, styles }))
    t.same(
      rows.map((row) => row.line),
      [1, 3, 4],
      'rows keep the numbers the spreadsheet shows; a row of blanks is skipped',
    )
    t.same(rows[1]!.cells, [
      'Ngõ 12',
      'Nguyễn Văn An',
      '2019-03-02',
      '2019-03-02',
      '1219012345',
      '0.1',
      'true',
      '#N/A',
      '=B3&"x"',
      '=',
      '2019-03-02',
      '',
      ' có khoảng trắng ',
    ])
    t.same(
      rows[2]!.cells,
      ['without references', 'B', '', '912345678', 'Số 12\r\nngõ 4'],
      'cells without references follow each other; a shared-string cell without a value is empty; a number too large for a date stays a number; escapes decoded, phonetics left out',
    )
    const in1904 = await readAll(
      workbookArchive({ date1904: true, styles, sheetData: '<row r="1"><c r="A1" s="1"><v>42064</v></c></row>' }),
    )
    t.same(in1904[0]!.cells, ['2019-03-02'], 'the 1904 date system')
    const prefixed = zipArchive([
      {
        name: '_rels/.rels',
        data: '<Relationships><Relationship Id="r" Type="x/officeDocument" Target="xl/book.xml"/></Relationships>',
      },
      {
        name: 'xl/book.xml',
        data: '<x:workbook xmlns:x="m" xmlns:r="rel"><x:sheets><x:sheet name="A" sheetId="2" r:id="s2"/><x:sheet name="B" sheetId="1" r:id="s1"/></x:sheets></x:workbook>',
      },
      {
        name: 'xl/_rels/book.xml.rels',
        data: '<Relationships><Relationship Id="s1" Type="x/worksheet" Target="sheets/one.xml"/><Relationship Id="s2" Type="x/worksheet" Target="./sheets/../sheets/two.xml"/></Relationships>',
      },
      {
        name: 'xl/sheets/one.xml',
        data: '<x:worksheet xmlns:x="m"><x:sheetData><x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>second</x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>',
      },
      {
        name: 'xl/sheets/two.xml',
        data: '<x:worksheet xmlns:x="m"><x:sheetData><x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>first</x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>',
      },
    ])
    t.same(
      (await readAll(prefixed)).map((row) => row.cells),
      [['first']],
      'the first sheet of the workbook, under any part name and prefix',
    )
    const hiddenFirst = zipArchive([
      {
        name: '_rels/.rels',
        data: '<Relationships><Relationship Id="r" Type="x/officeDocument" Target="XL/Book.xml"/></Relationships>',
      },
      {
        name: 'xl/book.xml',
        data: '<workbook><sheets><sheet name="A" sheetId="1" state="hidden" r:id="s1"/><sheet name="B" sheetId="2" r:id="s2"/></sheets></workbook>',
      },
      {
        name: 'xl/_rels/book.xml.rels',
        data: '<Relationships><Relationship Id="s1" Type="x/worksheet" Target="one.xml"/><Relationship Id="s2" Type="x/worksheet" Target="T%C6%B0%C6%A1ng%20Mai.xml"/></Relationships>',
      },
      {
        name: 'xl/one.xml',
        data: '<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>hidden</t></is></c></row></sheetData></worksheet>',
      },
      {
        name: 'xl/Tương Mai.xml',
        data: '<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>visible</t></is></c></row></sheetData></worksheet>',
      },
    ])
    t.same(
      (await readAll(hiddenFirst)).map((row) => row.cells),
      [['visible']],
      'a hidden first sheet is skipped; part names match whatever their case and encoding',
    )
  },
)

t.test('every limit refuses the workbook with its own reason, before the bytes are spent', async (t) => {
  const sheet = (rows: (string | null)[][]) => workbookArchive({ sheetData: inlineRows(rows) })
  const spaces = (size: number) => ' '.repeat(size)
  const cases: [string, Buffer, Partial<WorkbookLimits>, WorkbookError['code'], RegExp][] = [
    ['too many rows', sheet([header, ['a'], ['b'], ['c']]), { maxRows: 3 }, 'workbook_too_large', /more than 3 rows/],
    [
      'too many cells in a row',
      sheet([['a', 'b', 'c', 'd']]),
      { maxCellsInRow: 3 },
      'workbook_too_large',
      /more than 3 cells/,
    ],
    [
      'data beyond the last column',
      sheet([['a', 'b', 'c']]),
      { maxColumns: 2 },
      'workbook_too_large',
      /beyond column 2/,
    ],
    [
      'a cell too long',
      sheet([['a', 'x'.repeat(11)]]),
      { maxCellCharacters: 10 },
      'workbook_too_large',
      /more than 10 characters/,
    ],
    [
      'too many shared strings',
      workbookArchive({ sheetData: '', sharedStrings: '<si><t>a</t></si><si><t>b</t></si><si><t>c</t></si>' }),
      { maxSharedStrings: 2 },
      'workbook_too_large',
      /more than 2 distinct texts/,
    ],
    [
      'a text that runs on across chunks',
      sheet([['a', spaces(200_000)]]),
      { maxTextRun: 50_000 },
      'workbook_too_large',
      /text of more than 50000/,
    ],
    [
      'a sheet declared larger than allowed',
      sheet([['a']]),
      { maxSheetBytes: 100, expansionFloorBytes: 50 },
      'workbook_too_large',
      /the sheet unpacks to/,
    ],
    [
      'a part that unpacks far beyond its packed size',
      sheet([['a', spaces(40 * 1024 * 1024)]]),
      {},
      'workbook_too_large',
      /the sheet unpacks to 41 MiB/,
    ],
    ['too many parts', sheet([['a']]), { maxEntries: 3 }, 'workbook_too_large', /holds 5 parts/],
    [
      'one long shared string referenced by every cell',
      workbookArchive({
        sharedStrings: `<si><t>${'Ngõ '.repeat(8000)}</t></si>`,
        sheetData: Array.from(
          { length: 2000 },
          (_, n) => `<row r="${n + 1}">${'<c t="s"><v>0</v></c>'.repeat(8)}</row>`,
        ).join(''),
      }),
      {},
      'workbook_too_large',
      /cells hold more than \d+ characters in all/,
    ],
    [
      'a shared string too long',
      workbookArchive({ sheetData: '', sharedStrings: `<si><t>${'x'.repeat(40)}</t></si>` }),
      { maxCellCharacters: 30 },
      'workbook_too_large',
      /more than 30 characters/,
    ],
    ['not a ZIP archive', Buffer.from('this is not a zip file at all'), {}, 'unreadable_file', /not a ZIP archive/],
    [
      'no workbook part',
      zipArchive([{ name: 'readme.txt', data: 'hello' }]),
      {},
      'unreadable_file',
      /no workbook part/,
    ],
    [
      'a sheet that is not XML',
      workbookArchive({ sheetData: '<row><c>' }),
      {},
      'unreadable_file',
      /not well-formed XML/,
    ],
    [
      'a part that inflates past its declared size',
      workbookArchive({
        sheetData: inlineRows([header]),
        overrides: { 'xl/worksheets/sheet1.xml': { declaredSize: 100 } },
      }),
      {},
      'unreadable_file',
      /cannot be unpacked/,
    ],
    [
      'a workbook protected with a password',
      workbookArchive({
        sheetData: inlineRows([header]),
        overrides: { 'xl/worksheets/sheet1.xml': { encrypted: true } },
      }),
      {},
      'unreadable_file',
      /password/,
    ],
  ]
  for (const [name, content, limits, code, message] of cases) {
    const error = await refusal(content, limits)
    t.equal(error.code, code, name)
    t.match(error.message, message, name)
  }
  t.same(
    (
      await readAll(
        workbookArchive({
          sheetData: '<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="XFD1" s="2"/></row>',
        }),
        { maxColumns: 2 },
      )
    ).map((row) => row.cells),
    [['a']],
    'an empty cell far to the right (a formatted column) is ignored',
  )
})

t.test('a workbook refused for its header, or left half read, leaves no file open', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'cps-xlsx-handles-'))
  const path = join(folder, 'sai-cot.xlsx')
  writeFileSync(
    path,
    workbookArchive({
      sheetData: inlineRows([
        ['Mã nguồn', 'Cột lạ'],
        ['A1', 'x'],
        ['A2', 'y'],
      ]),
    }),
  )
  const openOnThePath = () =>
    readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === path
      } catch {
        return false
      }
    }).length
  for (let n = 0; n < 5; n++) {
    await t.rejects(openImportFile('children', 'xlsx', { path }, childColumns), { code: 'missing_columns' })
  }
  const good = join(folder, 'dung.xlsx')
  writeFileSync(
    good,
    workbookArchive({
      sheetData: inlineRows([
        header,
        ['A1', 'An', 'Nam', '2018-01-01', '00301'],
        ['A2', 'Bình', 'Nữ', '2018-01-01', '00301'],
      ]),
    }),
  )
  const file = await openImportFile('children', 'xlsx', { path: good }, childColumns)
  await file.rows[Symbol.asyncIterator]().next()
  file.close()
  const openOnEither = () =>
    readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return [path, good].includes(readlinkSync(`/proc/self/fd/${fd}`))
      } catch {
        return false
      }
    })
  // The descriptors close on the thread pool: on a busy machine after a few turns of the event loop, not one.
  // Waited for (with a bound that only a leak reaches), never assumed after a fixed delay.
  const givingUpAt = Date.now() + 30_000
  while (openOnEither().length > 0 && Date.now() < givingUpAt) await new Promise((resolve) => setTimeout(resolve, 10))
  t.same(openOnEither(), [], 'no descriptor left on either file')
  t.equal(openOnThePath(), 0)
})

t.test('a refused workbook is logged by its codes and the library error class, never by its content', async (t) => {
  const lying = workbookArchive({
    sheetData: inlineRows([header, ['E-1', 'Nguyễn Văn Bí Mật', 'Nam', '2018-01-01', '00301']]),
    overrides: { 'xl/worksheets/sheet1.xml': { declaredSize: 10 } },
  })
  const error = await openImportFile('children', 'xlsx', { content: lying }, childColumns).then(
    () => null,
    (error: unknown) => error,
  )
  t.ok(error instanceof ImportFileError)
  const logged = describeFileError(error as ImportFileError)
  t.match(logged, { code: 'unreadable_file', causeClass: 'Error' })
  t.notMatch(JSON.stringify(logged), /Bí Mật/)
})

t.test('a 5 MB workbook, real or a bomb, adds at most 200 MB to the reading process', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'cps-xlsx-'))
  const names = Array.from({ length: 120_000 }, (_, n) => `<si><t>Trẻ Thử Nghiệm Số ${n} ngõ ${n % 97}</t></si>`).join(
    '',
  )
  const rows = Array.from(
    { length: 120_000 },
    (_, n) =>
      `<row r="${n + 2}"><c r="A${n + 2}"><v>${n}</v></c><c r="B${n + 2}" t="s"><v>${n}</v></c><c r="C${n + 2}" t="inlineStr"><is><t>${n % 2 ? 'Nam' : 'Nữ'}</t></is></c>` +
      `<c r="D${n + 2}" s="1"><v>${43000 + (n % 2000)}</v></c><c r="E${n + 2}" t="inlineStr"><is><t>00301</t></is></c></row>`,
  ).join('')
  const real = workbookArchive({
    sheetData: inlineRows([header]) + rows,
    sharedStrings: names,
    styles: '<cellXfs><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs>',
  })
  // The worst a small file can do within the limits: shared strings at their cap, long texts of
  // two-byte characters, packed just under the expansion limit with incompressible filler.
  let seed = 2463534242
  const noise = () => {
    seed ^= seed << 13
    seed ^= seed >>> 17
    seed ^= seed << 5
    return (seed >>> 0).toString(16).padStart(8, '0')
  }
  const filler = Array.from({ length: 80_000 }, () => `<si><t>${noise()}${noise()}${noise()}${noise()}</t></si>`).join(
    '',
  )
  const longText = 'Ướt Đẫm Ưu Tư Ở Ấp Ẩn '.repeat(1400).slice(0, 30_000)
  const bombStrings = filler + `<si><t>${longText}</t></si>`.repeat(900)
  const bomb = workbookArchive({
    sheetData: inlineRows([header]) + '<row r="2"><c r="A2" t="s"><v>1</v></c></row>',
    sharedStrings: bombStrings,
  })
  const cases: [string, Buffer, string][] = [
    ['a real workbook', real, 'read'],
    ['a bomb of shared strings', bomb, 'read'],
  ]
  for (const [name, content, outcome] of cases) {
    const path = join(folder, 'workbook.xlsx')
    writeFileSync(path, content)
    t.ok(content.length <= 6 * 1024 * 1024, `${name}: ${(content.length / 1024 / 1024).toFixed(1)} MB packed`)
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/modules/imports/fixtures/read-workbook.ts', path], {
      env: childEnvironment({}),
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    await new Promise((resolve) => child.on('exit', resolve))
    const measured = JSON.parse(output) as { outcome: string; rows: number; addedMegabytes: number }
    t.equal(measured.outcome, outcome, `${name}: ${measured.rows} rows, ${measured.outcome}`)
    t.ok(measured.addedMegabytes <= 200, `${name}: added ${measured.addedMegabytes} MB`)
  }
})
