import ExcelJS from 'exceljs'
import t from 'tap'
import { childColumns } from '../../../src/modules/children/columns.js'
import { ImportFileError, openImportFile, type ParsedRow } from '../../../src/modules/imports/parse.js'
import type { ImportFormat } from '../../../src/modules/imports/rules.js'

async function read(format: ImportFormat, content: Buffer | string) {
  const file = await openImportFile(
    'children',
    format,
    { content: typeof content === 'string' ? Buffer.from(content) : content },
    childColumns,
  )
  const rows: ParsedRow[] = []
  for await (const row of file.rows) rows.push(row)
  return { header: file.header, headerRowNumber: file.headerRowNumber, rows }
}

async function failure(format: ImportFormat, content: Buffer | string): Promise<ImportFileError> {
  try {
    await read(format, content)
  } catch (error) {
    if (error instanceof ImportFileError) return error
    throw error
  }
  throw new Error('the file was read without a problem')
}

const header = 'externalId,fullName,sex,dateOfBirth,wardCode'

t.test(
  'CSV: UTF-8 with a BOM, semicolons, quoted cells over two lines, row numbers as a spreadsheet shows them',
  async (t) => {
    const csv =
      '\uFEFFMã nguồn;Họ và tên;Giới tính;Ngày sinh;Mã phường\r\nA1;"Nguyễn; Văn An";Nam;02/03/2019;00301\r\n\r\nA2;"Trần Thị\r\nBình";Nữ;2018-05-10;00301\r\nA3;Lê Văn C;Nam;2017;00301\r\n'
    const { header: mapping, rows } = await read('csv', csv)
    t.same(mapping?.keys, ['externalId', 'fullName', 'sex', 'dateOfBirth', 'wardCode'])
    t.same(
      rows.map((row) => row.rowNumber),
      [2, 4, 6],
    )
    t.equal(rows[0]!.cells.fullName, 'Nguyễn; Văn An')
    t.equal(rows[1]!.cells.fullName, 'Trần Thị\r\nBình')
    const plain = await read('csv', `${header}\nA1,An,male,2019-01-01,00301\n`)
    t.equal(plain.rows.length, 1, 'without a BOM, LF line ends')
  },
)

t.test(
  'CSV: a row with more or fewer cells than the header is that row’s problem; empty rows are skipped',
  async (t) => {
    const { rows } = await read(
      'csv',
      `STT,${header}\n1,A1,Nguyễn, Văn An,male,2019-01-01,00301\n2,A2,An\n3,,,,,\n4,A4,Bình,female,2019-01-01,00301\n`,
    )
    t.same(
      rows.map((row) => [row.rowNumber, row.problems?.map((p) => p.code) ?? []]),
      [
        [2, ['wrong_cell_count']],
        [3, ['wrong_cell_count']],
        [5, []],
      ],
      'row 4 (numbered but empty) is skipped',
    )
  },
)

t.test('whole-file problems, each with its code (and the line when there is one)', async (t) => {
  const latin1 = Buffer.concat([
    Buffer.from(`${header}\nA1,`),
    Buffer.from([0x4e, 0x67, 0x75, 0x79, 0xea, 0x6e]),
    Buffer.from(',male,2019-01-01,00301\n'),
  ])
  const cases: [string, ImportFormat, Buffer | string, string, number | undefined][] = [
    ['not UTF-8 (Windows-1258)', 'csv', latin1, 'invalid_encoding', 2],
    [
      'UTF-16',
      'csv',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(header, 'utf16le')]),
      'invalid_encoding',
      1,
    ],
    ['binary junk', 'csv', Buffer.from([0x65, 0x78, 0x0a, 0x00, 0x01, 0x02, 0x03]), 'binary_content', 2],
    ['an XLSX sent as CSV', 'csv', Buffer.from('PK\u0003\u0004rest-of-a-zip'), 'binary_content', undefined],
    [
      'a quote left open',
      'csv',
      `${header}\nA1,"Nguyễn Văn An,male,2019-01-01,00301\nA2,Bình,female,2019-01-01,00301\n`,
      'broken_quoting',
      3,
    ],
    [
      'a quote in the middle of a cell',
      'csv',
      `${header}\nA1,"Nguyễn" Văn,male,2019-01-01,00301\n`,
      'broken_quoting',
      2,
    ],
    ['missing columns', 'csv', 'externalId,sex\nA1,male\n', 'missing_columns', 1],
    ['a column twice', 'csv', `${header},Họ và tên\nA1,An,male,2019-01-01,00301,An\n`, 'duplicate_columns', 1],
    ['no rows', 'csv', `${header}\n`, 'empty_file', undefined],
    ['nothing at all', 'csv', '', 'empty_file', undefined],
    ['NDJSON: not JSON', 'ndjson', '{"externalId":"A1"}\n{"externalId": oops}\n', 'invalid_json', 2],
    ['NDJSON: not an object', 'ndjson', '["A1"]\n', 'invalid_json', 1],
    ['XLSX: not a workbook', 'xlsx', Buffer.from('this is not a zip file at all'), 'unreadable_file', undefined],
  ]
  for (const [name, format, content, code, line] of cases) {
    const error = await failure(format, content)
    t.equal(error.code, code, name)
    t.equal(error.details.line, line, `${name}: line`)
  }
  const missing = await failure('csv', 'externalId,sex\nA1,male\n')
  t.same(
    missing.details.columns,
    ['fullName (Họ và tên)', 'dateOfBirth (Ngày sinh) or birthYear (Năm sinh)', 'wardCode (Mã phường)'],
    'listed by name',
  )
})

t.test('NDJSON: keys in either language; unknown keys reject the row; arrays for group codes', async (t) => {
  const { header: mapping, rows } = await read(
    'ndjson',
    '{"externalId":"A1","fullName":"An","sex":"male","dateOfBirth":"2019-01-01","wardCode":"00301","groupCodes":["a","d"],"birthYear":2019}\n\n{"Mã nguồn":"A2","nickname":"Bé"}\n',
  )
  t.equal(mapping, null)
  t.same(rows[0]!.cells, {
    externalId: 'A1',
    fullName: 'An',
    sex: 'male',
    dateOfBirth: '2019-01-01',
    wardCode: '00301',
    groupCodes: 'a d',
    birthYear: '2019',
  })
  t.equal(rows[1]!.rowNumber, 3)
  t.same(rows[1]!.cells, { externalId: 'A2' })
  t.same(
    rows[1]!.problems?.map((p) => [p.column, p.code]),
    [['nickname', 'unknown_column']],
  )
})

t.test('NDJSON: a cell that is not text (a NUL, half a surrogate pair) is emptied and rejects its row', async (t) => {
  const { rows } = await read(
    'ndjson',
    '{"externalId":"A1","fullName":"An\\u0000","sex":"male"}\n{"externalId":"A2","fullName":"\\ud800Bình"}\n{"externalId":"A3","full\\u0000Name":"x"}\n',
  )
  t.same(
    rows.map((row) => [row.cells.fullName, row.problems?.map((p) => [p.column, p.code])]),
    [
      ['', [['fullName', 'nul_character']]],
      ['', [['fullName', 'unpaired_surrogate']]],
      [undefined, [['full\u2400Name', 'unknown_column']]],
    ],
  )
})

t.test('XLSX: the first sheet, its row numbers, dates as dates and formulas as formulas', async (t) => {
  const workbook = new ExcelJS.Workbook()
  const sheet = workbook.addWorksheet('Trẻ em')
  sheet.addRow(['Mã nguồn', 'Họ và tên', 'Giới tính', 'Ngày sinh', 'Mã phường', 'Số định danh cá nhân'])
  sheet.addRow(['A1', 'Nguyễn Văn An', 'Nam', new Date(Date.UTC(2019, 2, 2)), 301, 1219012345])
  sheet.addRow([])
  sheet.addRow(['A2', { formula: 'B2&"x"', result: 'Anx' }, 'Nữ', '10/05/2018', '00301', null])
  workbook.addWorksheet('Other').addRow(['not read'])
  const buffer = Buffer.from(await workbook.xlsx.writeBuffer())
  const { headerRowNumber, rows } = await read('xlsx', buffer)
  t.equal(headerRowNumber, 1)
  t.same(
    rows.map((row) => row.rowNumber),
    [2, 4],
  )
  t.same(rows[0]!.cells, {
    externalId: 'A1',
    fullName: 'Nguyễn Văn An',
    sex: 'Nam',
    dateOfBirth: '2019-03-02',
    wardCode: '301',
    personalId: '1219012345',
  })
  t.equal(rows[1]!.cells.fullName, '=B2&"x"', 'a formula stays a formula (the row rules refuse it)')
})
