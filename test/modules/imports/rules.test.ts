import t from 'tap'
import { childColumns } from '../../../src/modules/children/columns.js'
import { householdColumns } from '../../../src/modules/households/columns.js'
import { detectDelimiter } from '../../../src/modules/imports/parse.js'
import { columnIndex, isDateFormat, serialToDate, unescapeText } from '../../../src/modules/imports/xlsx.js'
import {
  cleanCell,
  errorCellText,
  mapHeader,
  missingColumns,
  normaliseText,
  parseBirthDate,
  parseBoolean,
  parseDate,
  parseGroupCodes,
  parseSex,
  percentDone,
  restoreLeadingZeros,
  sameText,
  scopeCovers,
} from '../../../src/modules/imports/rules.js'
import type { Scope, UnitNode } from '../../../src/platform/scope.js'

t.test('headers map in English or Vietnamese, whatever the case, accents or spacing', async (t) => {
  const mapping = mapHeader(
    ['STT', 'Mã nguồn', 'HO VA TEN', ' Ngày sinh ', 'sex', 'Mã phường', 'Lỗi', ''],
    childColumns,
  )
  t.same(mapping.keys, [null, 'externalId', 'fullName', 'dateOfBirth', 'sex', 'wardCode', null, null])
  t.same(mapping.unknown, ['STT'], 'the error column of errors.csv and empty headers are skipped without a warning')
  t.same(mapping.columns[0], { key: 'externalId', header: 'Mã nguồn' }, 'the header is kept as written')
  t.equal(mapping.language, 'vi')
  t.equal(mapHeader(['externalId', 'fullName'], childColumns).language, 'en')
  t.same(mapHeader(['fullName', 'Họ và tên'], childColumns).duplicated, ['fullName'])
  t.same(
    mapHeader(
      childColumns.map((c) => c.vi),
      childColumns,
    ).keys,
    childColumns.map((c) => c.key),
    'every Vietnamese header the export writes',
  )
  t.same(
    mapHeader(
      householdColumns.map((c) => c.vi),
      householdColumns,
    ).keys,
    householdColumns.map((c) => c.key),
  )
})

t.test('missing required columns are named in both languages, alternatives together', async (t) => {
  const cases: [string, string[], string[]][] = [
    ['children, complete', ['externalId', 'fullName', 'sex', 'dateOfBirth', 'wardCode'], []],
    ['an export (id instead of externalId, birthYear)', ['id', 'fullName', 'sex', 'birthYear', 'wardCode'], []],
    [
      'no name, no birth',
      ['externalId', 'sex', 'wardCode'],
      ['fullName (Họ và tên)', 'dateOfBirth (Ngày sinh) or birthYear (Năm sinh)'],
    ],
    ['no key', ['fullName', 'sex', 'dateOfBirth', 'wardCode'], ['externalId (Mã nguồn) or id (Mã trẻ)']],
  ]
  for (const [name, present, expected] of cases)
    t.same(missingColumns('children', new Set(present), childColumns), expected, name)
  t.same(missingColumns('households', new Set(['externalId']), householdColumns), [
    'headName (Họ và tên chủ hộ)',
    'wardCode (Mã phường)',
  ])
})

t.test('cells: trimmed; formula-looking ones refused unless an apostrophe marks them as text', async (t) => {
  const cases: [string, string | { code: string }][] = [
    ['  Nguyễn Văn An ', 'Nguyễn Văn An'],
    ['=HYPERLINK("http://x")', { code: 'formula_rejected' }],
    ['+84912345678', { code: 'formula_rejected' }],
    ['-12 ngõ 5', { code: 'formula_rejected' }],
    ['@SUM(A1)', { code: 'formula_rejected' }],
    ["'-12 ngõ 5", '-12 ngõ 5'],
    ["'=1+1", '=1+1'],
    ["O'Brien", "O'Brien"],
    ['', ''],
  ]
  for (const [raw, expected] of cases) {
    const cleaned = cleanCell('streetAddress', raw)
    if (typeof expected === 'string') t.equal(cleaned, expected, raw)
    else t.match(cleaned, { column: 'streetAddress', code: expected.code, severity: 'error' }, raw)
  }
})

t.test('dates: dd/mm/yyyy and ISO; impossible dates are not dates', async (t) => {
  const cases: [string, string | null][] = [
    ['02/03/2019', '2019-03-02'],
    ['2/3/2019', '2019-03-02'],
    ['02-03-2019', '2019-03-02'],
    ['02.03.2019', '2019-03-02'],
    ['2019-03-02', '2019-03-02'],
    ['29/02/2020', '2020-02-29'],
    ['29/02/2019', null],
    ['31/04/2019', null],
    ['03/2019', null],
    ['2019', null],
    ['next week', null],
  ]
  for (const [text, expected] of cases) t.equal(parseDate(text), expected, text)
})

t.test('birth dates: a full date, a month, or a year', async (t) => {
  const cases: [string, ReturnType<typeof parseBirthDate>][] = [
    ['02/03/2019', { dateOfBirth: '2019-03-02', birthYear: 2019, precision: 'exact' }],
    ['05/2019', { dateOfBirth: '2019-05-15', birthYear: 2019, precision: 'month' }],
    ['2019', { dateOfBirth: null, birthYear: 2019, precision: 'year' }],
    ['13/2019', null],
    ['', null],
  ]
  for (const [text, expected] of cases) t.same(parseBirthDate(text), expected, text)
})

t.test('yes/no, sex and group codes as officers write them', async (t) => {
  const booleans: [string, boolean | null | undefined][] = [
    ['TRUE', true],
    ['x', true],
    ['Có', true],
    ['1', true],
    ['không', false],
    ['FALSE', false],
    ['0', false],
    ['', null],
    ['maybe', undefined],
  ]
  for (const [text, expected] of booleans) t.equal(parseBoolean(text), expected, `boolean ${text}`)
  const sexes: [string, string | null][] = [
    ['male', 'male'],
    ['Nam', 'male'],
    ['Nữ', 'female'],
    ['NU', 'female'],
    ['Không rõ', 'unknown'],
    ['x', null],
  ]
  for (const [text, expected] of sexes) t.equal(parseSex(text), expected, `sex ${text}`)
  t.same(
    parseGroupCodes('d, a;DD  đ'),
    { codes: ['a', 'd', 'đ'], unknown: [] },
    'in legal order, dd and đ the same group',
  )
  t.same(parseGroupCodes('a f j'), { codes: ['a'], unknown: ['f', 'j'] })
  t.same(parseGroupCodes(''), { codes: [], unknown: [] })
})

t.test('leading zeros a spreadsheet dropped are put back', async (t) => {
  const cases: [string, number, number, string][] = [
    ['301', 5, 3, '00301'],
    ['00301', 5, 3, '00301'],
    ['00301-2025', 5, 3, '00301-2025'],
    ['1219012345', 12, 9, '001219012345'],
    ['12345', 12, 9, '12345'],
    ['1', 2, 1, '01'],
  ]
  for (const [value, length, shortest, expected] of cases)
    t.equal(restoreLeadingZeros(value, length, shortest), expected, value)
})

t.test('texts equal up to Unicode form and spacing are the same', async (t) => {
  t.equal(normaliseText(' Nguyễn\u00a0 Văn\tAn '), 'Nguyễn Văn An')
  t.ok(sameText('Nguyễn  Văn An', 'Nguyễn Văn An'))
  t.ok(sameText('Nguyễn Văn An'.normalize('NFD'), 'Nguyễn Văn An'))
  t.ok(sameText(null, ''))
  t.notOk(sameText('An', 'Ân'))
})

t.test('who may see another account’s imports: a scope covering all of its units', async (t) => {
  const tree: UnitNode[] = [
    { code: '01', level: 'province', parentCode: null },
    { code: '008', level: 'district', parentCode: '01' },
    { code: 'W1', level: 'ward', parentCode: '008' },
    { code: 'W2', level: 'ward', parentCode: '008' },
    { code: 'G1', level: 'residential_group', parentCode: 'W1' },
  ]
  const district: Scope = { all: false, wards: ['W1', 'W2'], groups: [] }
  const ward1: Scope = { all: false, wards: ['W1'], groups: [] }
  const ward2: Scope = { all: false, wards: ['W2'], groups: [] }
  const group1: Scope = { all: false, wards: [], groups: ['G1'] }
  const nothing: Scope = { all: false, wards: [], groups: [] }
  const cases: [string, Scope, Scope, boolean][] = [
    ['district over a ward', district, ward1, true],
    ['ward over its group', ward1, group1, true],
    ['a ward over another', ward2, ward1, false],
    ['a ward over the district', ward1, district, false],
    ['a group over its ward', group1, ward1, false],
    ['anyone over an account without units', district, nothing, false],
  ]
  for (const [name, viewer, owner, expected] of cases) t.equal(scopeCovers(viewer, owner, tree), expected, name)
})

t.test('progress and the errors.csv cell', async (t) => {
  t.equal(percentDone(0, 0), 0)
  t.equal(percentDone(1000, 999), 99, 'never 100 before the last row')
  t.equal(percentDone(3, 1), 33)
  t.equal(percentDone(5, 5), 100)
  t.equal(
    errorCellText(4, [
      { column: 'Ngày sinh', message: 'is not a date', severity: 'error' },
      { column: null, message: 'has 3 cells', severity: 'error' },
      { column: 'Số định danh cá nhân', message: 'encodes another year', severity: 'warning' },
    ]),
    '[row 4] Ngày sinh: is not a date; has 3 cells',
  )
})

t.test('CSV delimiters and workbook cells', async (t) => {
  t.equal(detectDelimiter('externalId,fullName,sex'), ',')
  t.equal(detectDelimiter('Mã nguồn;Họ và tên;Giới tính'), ';')
  t.equal(detectDelimiter('"Họ, tên";Giới tính;Ngày sinh'), ';', 'a delimiter inside quotes does not count')
  t.equal(detectDelimiter('a\tb\tc'), '\t')
  t.equal(detectDelimiter('single'), ',')
  const references: [string, number][] = [
    ['A1', 0],
    ['Z9', 25],
    ['AA10', 26],
    ['BC12', 54],
    ['XFD1048576', 16383],
  ]
  for (const [reference, column] of references) t.equal(columnIndex(reference), column, reference)
  const formats: [string, boolean][] = [
    ['dd/mm/yyyy', true],
    ['yyyy-mm-dd', true],
    ['[$-42A]d mmmm yyyy', true],
    ['d/m/yyyy h:mm', true],
    ['mmm-yy', true],
    ['h:mm AM/PM', false],
    ['[h]:mm:ss', false],
    ['mm:ss', false],
    ['General', false],
    ['0.00', false],
    ['#,##0 "đồng"', false],
    ['[Red]0.00', false],
    ['"ngày "0', false],
    ['0\\d', false],
  ]
  for (const [format, isDate] of formats) t.equal(isDateFormat(format), isDate, format)
  const serials: [number, boolean, string][] = [
    [43526, false, '2019-03-02'],
    [43526.75, false, '2019-03-02'],
    [1, false, '1899-12-31'],
    [61, false, '1900-03-01'],
    [42064, true, '2019-03-02'],
    [912345678, false, '912345678'],
    [-1, false, '-1'],
  ]
  for (const [serial, date1904, date] of serials)
    t.equal(serialToDate(serial, date1904), date, `${serial}${date1904 ? ' (1904)' : ''}`)
  const escaped: [string, string][] = [
    ['Số 12_x000D_\nngõ 4', 'Số 12\r\nngõ 4'],
    ['_x005F_x000D_', '_x000D_'],
    ['plain_text_x', 'plain_text_x'],
    ['_x00e9_', 'é'],
  ]
  for (const [text, unescaped] of escaped) t.equal(unescapeText(text), unescaped, text)
})
