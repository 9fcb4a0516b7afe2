import t from 'tap'
import {
  findingProblem,
  identifiersIn,
  nameCandidates,
  namesCheckedAtMost,
  narrativeFindings,
  placeName,
  type PersonalDataKind,
} from '../../../src/modules/reports/narrative.js'
import { unitsOfRecords } from '../../../src/modules/reports/rules.js'
import type { UnitRow } from '../../../src/modules/indicators/repository.js'

t.test('identifiersIn: numbers and addresses that identify a person, not the figures of a report', async (t) => {
  const cases: [string, PersonalDataKind[]][] = [
    ['CCCD số 001206012345 của mẹ cháu', ['identity_number']],
    ['CMND 012345678 cấp năm 2010', ['identity_number']],
    ['mã số BHXH 0123456789.', ['phone_number']],
    ['mã số BHXH 7912345678.', ['identity_number']],
    ['thẻ BHYT HS4010123456789 còn hạn', ['insurance_card_number']],
    ['thẻ BHYT TE 1010123456789', ['insurance_card_number']],
    ['liên hệ 0912 345 678 hoặc 0912.345.678', ['phone_number']],
    ['gọi +84912345678', ['phone_number']],
    ['điện thoại cơ quan 024 3864 1234', ['phone_number']],
    ['gửi về hoa.nt@example.org trước ngày 15', ['email_address']],
    ['ĐT 0987654321, CCCD 001206012345, thư hoa@example.vn', ['identity_number', 'phone_number', 'email_address']],
    ['CCCD 001 206 012 345 của bố', ['identity_number']],
    ['CCCD 001-206-012-345', ['identity_number']],
    ['CMND 012 345 678', ['identity_number']],
    ['gọi (024) 3825 1234 giờ hành chính', ['phone_number']],
    ['gọi 84912345678', ['phone_number']],
    ['thẻ hs4010123456789', ['insurance_card_number']],
    // The figures of a report: counts, years, amounts, dates, percentages, decision numbers.
    ['năm 2024 có 1.234 trẻ em, 56 trẻ em có hoàn cảnh đặc biệt', []],
    ['kinh phí 1.500.000.000 đồng; 99,17% trẻ dưới 6 tuổi có thẻ BHYT', []],
    ['theo Quyết định 06/QĐ-TTg ngày 05/01/2024 và Kế hoạch 140/KH-UBND', []],
    ['tổng đài 111 và số 18001567', []],
    ['mã đơn vị 00301, kỳ 2024S1, 12345678901 (11 chữ số)', []],
    ['từ 01.01.2025-30.06.2025 và ngày 15/3/2024, 02-09-2024', []],
    ['kinh phí 1250000000 đồng, 150000000đ và 2500000000 VNĐ', []],
    ['các năm 2022 2023 2024, năm học 2024-2025', []],
    ['cộng 100.000 và 0,5 tỷ; tỉ lệ 0,91 và 12,345678901', []],
  ]
  for (const [text, expected] of cases) t.same(identifiersIn(text), expected, text)
})

t.test('nameCandidates: runs of three to six capitalised words, places left out', async (t) => {
  const places = new Set(['hoang mai', 'hoang liet', 'hoang van thu'])
  const cases: [string, string[]][] = [
    ['em Nguyễn Văn An, 8 tuổi', ['nguyen van an']],
    ['cháu NGUYỄN THỊ HOA bị bạo lực', ['nguyen thi hoa']],
    ['cháu Nguyen Thi Hoa', ['nguyen thi hoa']],
    ['em Nguyễn Văn An'.normalize('NFD'), ['nguyen van an']],
    ['em Nguyễn\u00a0Văn\u00a0An', ['nguyen van an']],
    ['Em Lê Thị Mai', ['em le thi', 'em le thi mai', 'le thi mai']],
    ['trẻ tại Hoàng Mai và Phường Hoàng Liệt', []],
    ['phường Hoàng Văn Thụ', []],
    [
      'Tôn Nữ Thị Ngọc Hân',
      ['ton nu thi', 'ton nu thi ngoc', 'ton nu thi ngoc han', 'nu thi ngoc', 'nu thi ngoc han', 'thi ngoc han'],
    ],
    ['Nguyễn Văn, An Bình', []],
    ['Nguyễn\nVăn An', []],
    ['cháu Minh Khang đã đi học', []],
    ['', []],
  ]
  for (const [text, expected] of cases) t.same(nameCandidates(text, places).sort(), expected.sort(), text)
})

t.test('placeName: folded, without the word of its level', async (t) => {
  t.equal(placeName('Phường Hoàng Liệt'), 'hoang liet')
  t.equal(placeName('Quận Hoàng Mai'), 'hoang mai')
  t.equal(placeName('Thành phố Hà Nội'), 'ha noi')
  t.equal(placeName('Tổ dân phố số 5'), 'so 5')
  t.equal(placeName('Đại Kim'), 'dai kim')
})

t.test('narrativeFindings: each text with what it holds, the registry asked once', async (t) => {
  const asked: string[][] = []
  const registered = async (names: string[]) => {
    asked.push(names)
    return new Set(names.filter((name) => name === 'pham thi hoi'))
  }
  const findings = await narrativeFindings(
    [
      { pointer: '/sections/0/text', text: 'Đã hỗ trợ cháu Phạm Thị Hồi và gia đình.' },
      { pointer: '/sections/1/text', text: 'Đồng chí Trần Văn Bình chủ trì.' },
      { pointer: '/sections/2/text', text: 'Liên hệ 0912345678.' },
      { pointer: '/sections/3/text', text: 'Không có khó khăn.' },
    ],
    new Set(),
    registered,
  )
  t.same(findings, [
    { pointer: '/sections/0/text', kinds: ['registered_name'] },
    { pointer: '/sections/2/text', kinds: ['phone_number'] },
  ])
  t.same(asked, [['pham thi hoi', 'tran van binh']], 'every text’s candidates in one lookup')
  t.same(await narrativeFindings([{ pointer: '/comments', text: 'Bổ sung số liệu.' }], new Set(), registered), [])
  t.equal(asked.length, 1, 'no candidate, no lookup')
})

t.test('narrativeFindings: beyond the names it can check, a text is taken to hold them', async (t) => {
  let asked = 0
  const registered = async () => {
    asked++
    return new Set<string>()
  }
  // A long text in capitals: every run of three to six of its 4,000 words is a name to look up.
  const word = (index: number) =>
    [...index.toString(26)].map((digit) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'[parseInt(digit, 26)]).join('')
  const shouted = Array.from({ length: 4000 }, (_, index) => `T${word(index)}`).join(' ')
  t.ok(nameCandidates(shouted, new Set()).length > namesCheckedAtMost)
  t.same(
    await narrativeFindings(
      [
        { pointer: '/sections/0/text', text: shouted },
        { pointer: '/sections/1/text', text: 'không có gì' },
      ],
      new Set(),
      registered,
    ),
    [{ pointer: '/sections/0/text', kinds: ['names_unchecked'] }],
  )
  t.equal(asked, 0, 'and the registry is not asked')
})

t.test('findingProblem: where and what kind, never the value', async (t) => {
  const problem = findingProblem({ pointer: '/sections/1/text', kinds: ['registered_name', 'phone_number'] })
  t.equal(problem.code, 'personal_data')
  t.equal(problem.pointer, '/sections/1/text')
  t.match(problem.message, /full name of a child or household head registered.*telephone number/)
})

t.test(
  'unitsOfRecords: a unit, those below it, and those it succeeded or that succeeded it, with theirs',
  async (t) => {
    const unit = (code: string, level: string, parentCode: string | null, predecessors: string[] = []): UnitRow => ({
      code,
      nameVi: code,
      level,
      parentCode,
      validFrom: '2020-01-01',
      validTo: null,
      predecessors,
    })
    const rows = [
      unit('01', 'province', null),
      unit('008', 'district', '01'),
      unit('00301', 'ward', '008'),
      unit('00301-01', 'residential_group', '00301'),
      unit('00304', 'ward', '008'),
      unit('00307', 'ward', '008'),
      unit('00310', 'ward', '008'),
      unit('00301-2025', 'ward', '01', ['00301', '00304']),
    ]
    t.same(unitsOfRecords(rows, '00301-2025').sort(), ['00301', '00301-01', '00301-2025', '00304'])
    t.same(
      unitsOfRecords(rows, '00304').sort(),
      ['00301', '00301-01', '00301-2025', '00304'],
      'an old ward: its children re-homed to the new one, and the other wards it took in',
    )
    t.same(unitsOfRecords(rows, '00307'), ['00307'])
    t.same(unitsOfRecords(rows, '008').sort(), ['00301', '00301-01', '00301-2025', '00304', '00307', '00310', '008'])
  },
)
