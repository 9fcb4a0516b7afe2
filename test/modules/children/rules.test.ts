import t from 'tap'
import {
  ageGroupOf,
  ageGroups,
  ageInMonths,
  ageInYears,
  allowanceRates,
  careKinds,
  childAgeLimitYears,
  circumstanceGroupCodes,
  defaultBhytExpiry,
  derivedStatus,
  effectiveDateOfBirth,
  foldName,
  isBhytValidOn,
  isChildOn,
  isMembershipActiveOn,
  moneyCareKinds,
  monthlyAllowanceVnd,
  nameTokens,
  normaliseGroupCode,
  parsePersonalId,
  personalIdPattern,
  personalIdWarnings,
  sensitiveGroupCodes,
  sixteenthBirthday,
  type AllowanceRate,
  type BirthDatePrecision,
  type ChildStatus,
  type PersonalIdParts,
  type RegistryWarning,
  type StoredChildStatus,
} from '../../../src/modules/children/rules.js'

t.test('personal ID: the format', async (t) => {
  const cases: [string, boolean][] = [
    ['001203012345', true],
    ['000000000000', true],
    ['00120301234', false],
    ['0012030123456', false],
    ['00120301234a', false],
    [' 001203012345', false],
    ['001203012345\n', false],
    ['001-203-012345', false],
    ['００１２０３０１２３４５', false],
    ['', false],
  ]
  for (const [id, valid] of cases) t.equal(personalIdPattern.test(id), valid, JSON.stringify(id))
})

t.test('personal ID: what the 12 digits encode', async (t) => {
  const cases: [string, PersonalIdParts | null][] = [
    ['001203012345', { provinceCode: '001', sex: 'male', birthYear: 2003 }],
    ['079310000123', { provinceCode: '079', sex: 'female', birthYear: 2010 }],
    ['001099123456', { provinceCode: '001', sex: 'male', birthYear: 1999 }],
    ['038185000001', { provinceCode: '038', sex: 'female', birthYear: 1985 }],
    ['001200000000', { provinceCode: '001', sex: 'male', birthYear: 2000 }],
    ['001400000000', { provinceCode: '001', sex: 'male', birthYear: 2100 }],
    ['001512345678', { provinceCode: '001', sex: 'female', birthYear: 2112 }],
    ['001625000000', { provinceCode: '001', sex: 'male', birthYear: 2225 }],
    ['001799000000', { provinceCode: '001', sex: 'female', birthYear: 2299 }],
    ['001800000000', { provinceCode: '001', sex: 'male', birthYear: 2300 }],
    ['001901000000', { provinceCode: '001', sex: 'female', birthYear: 2301 }],
    ['00120301234', null],
    ['0012030123456', null],
    ['00120301234x', null],
    ['', null],
  ]
  for (const [id, expected] of cases) t.same(parsePersonalId(id), expected, JSON.stringify(id))
})

t.test('personal ID: warnings on mismatch with the record', async (t) => {
  const yearMismatch = (encoded: number, recorded: number): RegistryWarning => ({
    code: 'personal_id_birth_year_mismatch',
    field: 'personalId',
    message: `encodes birth year ${encoded}, but the child's birth year is ${recorded}`,
  })
  const sexMismatch = (encoded: string, recorded: string): RegistryWarning => ({
    code: 'personal_id_sex_mismatch',
    field: 'personalId',
    message: `encodes sex ${encoded}, but the child is recorded as ${recorded}`,
  })
  type Person = Parameters<typeof personalIdWarnings>[1]
  // 001216000123: male, born 2016. 001316000123: female, born 2016. 001116000123: female, born 1916.
  const cases: [string, string, Person, RegistryWarning[]][] = [
    ['all agree', '001216000123', { dateOfBirth: '2016-05-01', sex: 'male' }, []],
    ['birth year differs', '001216000123', { dateOfBirth: '2015-05-01', sex: 'male' }, [yearMismatch(2016, 2015)]],
    ['sex differs', '001216000123', { dateOfBirth: '2016-05-01', sex: 'female' }, [sexMismatch('male', 'female')]],
    [
      'female ID, male child',
      '001316000123',
      { dateOfBirth: '2016-12-31', sex: 'male' },
      [sexMismatch('female', 'male')],
    ],
    [
      'both differ, year first',
      '001216000123',
      { dateOfBirth: '2017-01-01', sex: 'female' },
      [yearMismatch(2016, 2017), sexMismatch('male', 'female')],
    ],
    ['unknown sex is not compared', '001316000123', { dateOfBirth: '2016-01-01', sex: 'unknown' }, []],
    ['estimated birth year agrees', '001216000123', { birthYear: 2016, sex: 'male' }, []],
    ['estimated birth year differs', '001216000123', { birthYear: 2014, sex: 'male' }, [yearMismatch(2016, 2014)]],
    [
      'the date of birth wins over the birth year',
      '001216000123',
      { dateOfBirth: '2016-01-01', birthYear: 2015, sex: 'male' },
      [],
    ],
    ['nulls mean unknown', '001216000123', { dateOfBirth: null, birthYear: null, sex: 'male' }, []],
    ['no birth data: only sex is checked', '001216000123', { sex: 'female' }, [sexMismatch('male', 'female')]],
    ['the century counts', '001116000123', { dateOfBirth: '2016-03-03', sex: 'female' }, [yearMismatch(1916, 2016)]],
    ['a malformed ID is the schema’s business', '00121600012', { dateOfBirth: '2010-01-01', sex: 'female' }, []],
    ['letters are the schema’s business', '00121600012x', { dateOfBirth: '2010-01-01', sex: 'female' }, []],
  ]
  for (const [name, id, person, expected] of cases) t.same(personalIdWarnings(id, person), expected, name)
})

t.test('age in full years', async (t) => {
  const cases: [string, string, number][] = [
    ['2010-02-28', '2026-02-28', 16],
    ['2010-02-28', '2026-02-27', 15],
    ['2010-03-01', '2026-02-28', 15],
    ['2008-02-29', '2024-02-28', 15],
    ['2008-02-29', '2024-02-29', 16],
    ['2008-02-29', '2023-02-28', 14],
    ['2008-02-29', '2023-03-01', 15],
    ['2012-02-29', '2027-02-28', 14],
    ['2012-02-29', '2027-03-01', 15],
    ['2020-12-31', '2021-12-30', 0],
    ['2020-12-31', '2021-12-31', 1],
    ['2020-01-01', '2020-01-01', 0],
    ['2020-01-01', '2020-12-31', 0],
    ['2000-01-01', '2026-04-30', 26],
    ['2020-06-15', '2020-06-14', -1],
  ]
  for (const [born, asOf, expected] of cases) t.equal(ageInYears(born, asOf), expected, `${born} on ${asOf}`)
})

t.test('age in full months', async (t) => {
  const cases: [string, string, number][] = [
    ['2020-01-15', '2020-01-15', 0],
    ['2020-01-15', '2020-02-14', 0],
    ['2020-01-15', '2020-02-15', 1],
    ['2020-01-31', '2020-02-29', 0],
    ['2020-01-31', '2020-03-01', 1],
    ['2020-01-31', '2020-03-31', 2],
    ['2024-03-31', '2024-04-30', 0],
    ['2024-03-31', '2024-05-01', 1],
    ['2019-12-31', '2020-12-31', 12],
    ['2019-12-31', '2021-01-01', 12],
    ['2019-09-30', '2025-09-29', 71],
    ['2019-09-30', '2025-09-30', 72],
    ['2020-02-29', '2026-02-28', 71],
    ['2020-02-29', '2026-03-01', 72],
    ['2018-10-01', '2024-10-01', 72],
  ]
  for (const [born, asOf, expected] of cases) t.equal(ageInMonths(born, asOf), expected, `${born} on ${asOf}`)
})

t.test('malformed or impossible dates are refused', async (t) => {
  const cases = [
    '2023-02-29',
    '2024-02-30',
    '2024-04-31',
    '2024-13-01',
    '2024-00-10',
    '2024-2-3',
    '20240203',
    '2024-02-03T00:00:00Z',
    '',
  ]
  for (const date of cases) {
    t.throws(() => ageInYears(date, '2025-01-01'), RangeError, `date of birth ${JSON.stringify(date)}`)
    t.throws(() => ageInMonths('2020-01-01', date), RangeError, `as of ${JSON.stringify(date)}`)
  }
})

t.test('the 16th birthday ends childhood', async (t) => {
  t.equal(childAgeLimitYears, 16)
  const cases: [string, string][] = [
    ['2010-02-28', '2026-02-28'],
    ['2010-01-01', '2026-01-01'],
    ['2010-12-31', '2026-12-31'],
    ['2008-02-29', '2024-02-29'],
    ['1984-02-29', '2000-02-29'],
    // 2100 is not a leap year: the 16th birthday of a 29 February birth moves to 1 March.
    ['2084-02-29', '2100-03-01'],
  ]
  for (const [born, expected] of cases) t.equal(sixteenthBirthday(born), expected, born)
})

t.test('is a child on a date', async (t) => {
  const cases: [string, string, boolean][] = [
    ['2010-02-28', '2026-02-27', true],
    ['2010-02-28', '2026-02-28', false],
    ['2010-02-28', '2030-01-01', false],
    ['2084-02-29', '2100-02-28', true],
    ['2084-02-29', '2100-03-01', false],
    ['2024-05-01', '2024-05-01', true],
    ['2024-05-01', '2024-04-30', false],
    ['2026-01-01', '2025-12-31', false],
    ['2015-06-15', '2026-04-30', true],
  ]
  for (const [born, asOf, expected] of cases) t.equal(isChildOn(born, asOf), expected, `${born} on ${asOf}`)
})

t.test('age groups of the indicators', async (t) => {
  t.same(
    ageGroups.map((g) => [g.code, g.min, g.max]),
    [
      ['0-2', 0, 2],
      ['3-5', 3, 5],
      ['6-10', 6, 10],
      ['11-15', 11, 15],
    ],
  )
  const cases: [number, string | null][] = [
    [0, '0-2'],
    [1, '0-2'],
    [2, '0-2'],
    [2.9, '0-2'],
    [3, '3-5'],
    [5, '3-5'],
    [6, '6-10'],
    [10, '6-10'],
    [11, '11-15'],
    [15, '11-15'],
    [15.99, '11-15'],
    [16, null],
    [17, null],
    [-1, null],
  ]
  for (const [age, expected] of cases) t.equal(ageGroupOf(age), expected, `age ${age}`)
})

t.test('effective date of birth from estimates', async (t) => {
  type Child = { dateOfBirth?: string | null; birthYear?: number | null; birthDatePrecision: BirthDatePrecision }
  const cases: [string, Child, string | null][] = [
    ['exact is itself', { dateOfBirth: '2015-03-17', birthDatePrecision: 'exact' }, '2015-03-17'],
    ['exact on 29 February', { dateOfBirth: '2016-02-29', birthYear: 2016, birthDatePrecision: 'exact' }, '2016-02-29'],
    ['month: the 15th', { dateOfBirth: '2015-03-01', birthDatePrecision: 'month' }, '2015-03-15'],
    ['month: February too', { dateOfBirth: '2015-02-01', birthDatePrecision: 'month' }, '2015-02-15'],
    ['month: whatever day was stored', { dateOfBirth: '2015-12-31', birthDatePrecision: 'month' }, '2015-12-15'],
    ['year from the birth year', { dateOfBirth: null, birthYear: 2015, birthDatePrecision: 'year' }, '2015-07-01'],
    [
      'year with a placeholder date',
      { dateOfBirth: '2015-01-01', birthYear: 2015, birthDatePrecision: 'year' },
      '2015-07-01',
    ],
    [
      'year from the stored date only',
      { dateOfBirth: '2014-01-01', birthYear: null, birthDatePrecision: 'year' },
      '2014-07-01',
    ],
    [
      'exact claimed but only a year known',
      { dateOfBirth: null, birthYear: 2012, birthDatePrecision: 'exact' },
      '2012-07-01',
    ],
    ['month claimed but only a year known', { birthYear: 2013, birthDatePrecision: 'month' }, '2013-07-01'],
    ['nothing known (nulls)', { dateOfBirth: null, birthYear: null, birthDatePrecision: 'year' }, null],
    ['nothing known (absent)', { birthDatePrecision: 'exact' }, null],
  ]
  for (const [name, child, expected] of cases) t.equal(effectiveDateOfBirth(child), expected, name)
})

t.test('free health insurance card expiry for children under 6', async (t) => {
  const cases: [string, string, string][] = [
    ['2018-01-01', '2024-09-30', '72 months on 1 Jan: to 30 Sep'],
    ['2018-02-28', '2024-09-30', 'early in the year'],
    ['2018-06-15', '2024-09-30', 'mid-year'],
    ['2018-09-01', '2024-09-30', 'September'],
    ['2018-09-29', '2024-09-30', 'the day before 30 Sep'],
    ['2018-09-30', '2024-09-30', 'on 30 Sep: end of September either way'],
    ['2018-10-01', '2024-10-31', 'on 1 Oct: end of October'],
    ['2018-10-31', '2024-10-31', 'last day of October'],
    ['2018-11-30', '2024-11-30', 'November has 30 days'],
    ['2018-11-01', '2024-11-30', 'start of November'],
    ['2018-12-31', '2024-12-31', 'end of the year'],
    ['2019-11-05', '2025-11-30', 'November 2025'],
    ['2019-02-10', '2025-09-30', 'school entry 2025'],
    ['2020-02-29', '2026-09-30', '29 Feb: 72 months on 1 Mar 2026'],
    ['2022-02-01', '2028-09-30', 'school entry in a leap year'],
  ]
  for (const [born, expected, name] of cases) t.equal(defaultBhytExpiry(born), expected, `${born}: ${name}`)
})

t.test('a health insurance card is valid inclusively', async (t) => {
  const card = { validFrom: '2024-01-01', validTo: '2024-09-30' }
  const cases: [string, boolean][] = [
    ['2023-12-31', false],
    ['2024-01-01', true],
    ['2024-06-15', true],
    ['2024-09-30', true],
    ['2024-10-01', false],
  ]
  for (const [asOf, expected] of cases) t.equal(isBhytValidOn(card, asOf), expected, asOf)
  t.equal(isBhytValidOn({ validFrom: '2024-05-05', validTo: '2024-05-05' }, '2024-05-05'), true, 'a one-day card')
})

t.test('name folding for search', async (t) => {
  const cases: [string, string][] = [
    ['Nguyễn Văn Đức', 'nguyen van duc'],
    ['ĐẶNG THỊ ÁNH', 'dang thi anh'],
    ['  Trần   Thị  Mỹ   ', 'tran thi my'],
    ['Lê\tThị\nHồng', 'le thi hong'],
    ['Phạm Ngọc Ẩn', 'pham ngoc an'],
    ['Hoàng Thuỳ Linh', 'hoang thuy linh'],
    ['Hoàng Thùy Linh', 'hoang thuy linh'],
    ['Trương Vĩnh Ký', 'truong vinh ky'],
    ['Ưng Hoàng Phúc', 'ung hoang phuc'],
    ['Ông Ích Khiêm', 'ong ich khiem'],
    ['Bùi Quỳnh Hương', 'bui quynh huong'],
    ['Đỗ Thị Mười', 'do thi muoi'],
    ['Vũ Đình Đạt', 'vu dinh dat'],
    ['Dương Ngọc Yến', 'duong ngoc yen'],
    ['Giàng A Páo', 'giang a pao'],
    ['Lò Văn Sướng', 'lo van suong'],
    ['Hồ Thị Ngọc Trâm', 'ho thi ngoc tram'],
    ['Tăng Thanh Hà', 'tang thanh ha'],
    ['Ngô Bảo Châu', 'ngo bao chau'],
    ['Nguyễn Văn Đức'.normalize('NFD'), 'nguyen van duc'],
    ['Lê Thị Hồng'.normalize('NFD'), 'le thi hong'],
    ['ĐĐđđ', 'dddd'],
    ['nguyen van duc', 'nguyen van duc'],
    ['', ''],
    ['   ', ''],
    [
      'ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ',
      `${'a'.repeat(17)}d${'e'.repeat(11)}${'i'.repeat(5)}${'o'.repeat(17)}${'u'.repeat(11)}${'y'.repeat(5)}`,
    ],
  ]
  for (const [name, expected] of cases) t.equal(foldName(name), expected, JSON.stringify(name))
})

t.test('every tone on every vowel folds to the bare letter', async (t) => {
  const letters: [string, string][] = [
    ['aàáảãạ', 'a'],
    ['ăằắẳẵặ', 'a'],
    ['âầấẩẫậ', 'a'],
    ['eèéẻẽẹ', 'e'],
    ['êềếểễệ', 'e'],
    ['iìíỉĩị', 'i'],
    ['oòóỏõọ', 'o'],
    ['ôồốổỗộ', 'o'],
    ['ơờớởỡợ', 'o'],
    ['uùúủũụ', 'u'],
    ['ưừứửữự', 'u'],
    ['yỳýỷỹỵ', 'y'],
    ['AÀÁẢÃẠ', 'a'],
    ['ĂẰẮẲẴẶ', 'a'],
    ['ÂẦẤẨẪẬ', 'a'],
    ['EÈÉẺẼẸ', 'e'],
    ['ÊỀẾỂỄỆ', 'e'],
    ['IÌÍỈĨỊ', 'i'],
    ['OÒÓỎÕỌ', 'o'],
    ['ÔỒỐỔỖỘ', 'o'],
    ['ƠỜỚỞỠỢ', 'o'],
    ['UÙÚỦŨỤ', 'u'],
    ['ƯỪỨỬỮỰ', 'u'],
    ['YỲÝỶỸỴ', 'y'],
    ['đĐ', 'd'],
  ]
  for (const [variants, bare] of letters) {
    for (const letter of variants) {
      t.equal(foldName(letter), bare, `${letter} (precomposed)`)
      t.equal(foldName(letter.normalize('NFD')), bare, `${letter} (decomposed)`)
    }
  }
})

t.test('name tokens', async (t) => {
  const cases: [string, string[]][] = [
    ['Nguyễn Văn Đức', ['nguyen', 'van', 'duc']],
    ['  Đỗ   Thị ', ['do', 'thi']],
    ['Giàng A Páo', ['giang', 'a', 'pao']],
    ['Tôn-Nữ Thị Ninh', ['ton-nu', 'thi', 'ninh']],
    ['Mỹ', ['my']],
    ['', []],
    ['   ', []],
  ]
  for (const [name, expected] of cases) t.same(nameTokens(name), expected, JSON.stringify(name))
})

t.test('derived status', async (t) => {
  const cases: [StoredChildStatus, string | null, string, ChildStatus][] = [
    ['active', '2010-02-28', '2026-02-27', 'active'],
    ['active', '2010-02-28', '2026-02-28', 'aged_out'],
    ['active', '2000-01-01', '2026-01-01', 'aged_out'],
    ['active', '2084-02-29', '2100-02-28', 'active'],
    ['active', '2084-02-29', '2100-03-01', 'aged_out'],
    ['active', null, '2026-01-01', 'active'],
    ['moved_out', '2020-01-01', '2026-01-01', 'moved_out'],
    ['moved_out', '2000-01-01', '2026-01-01', 'moved_out'],
    ['deceased', '2000-01-01', '2026-01-01', 'deceased'],
    ['deceased', '2020-01-01', '2026-01-01', 'deceased'],
    ['deceased', null, '2026-01-01', 'deceased'],
    ['moved_out', null, '2026-01-01', 'moved_out'],
  ]
  for (const [stored, born, asOf, expected] of cases) {
    t.equal(derivedStatus(stored, born, asOf), expected, `${stored}, born ${born} on ${asOf}`)
  }
})

t.test('special-circumstance group codes', async (t) => {
  t.same([...circumstanceGroupCodes], ['a', 'b', 'c', 'd', 'đ', 'e', 'g', 'h', 'i', 'k', 'l', 'm', 'n', 'o'])
  const sensitivity: [string, boolean][] = [
    ['a', false],
    ['b', false],
    ['c', false],
    ['d', true],
    ['đ', true],
    ['e', true],
    ['g', true],
    ['h', false],
    ['i', true],
    ['k', false],
    ['l', true],
    ['m', true],
    ['n', true],
    ['o', false],
  ]
  for (const [code, sensitive] of sensitivity) t.equal(sensitiveGroupCodes.has(code), sensitive, `group ${code}`)
  t.equal(sensitiveGroupCodes.size, 8)
})

t.test('normalising a group code', async (t) => {
  const cases: [string, string | null][] = [
    ...circumstanceGroupCodes.map((code): [string, string] => [code, code]),
    ['A', 'a'],
    ['D', 'd'],
    ['O', 'o'],
    [' b ', 'b'],
    ['\tk\n', 'k'],
    ['dd', 'đ'],
    ['DD', 'đ'],
    ['Dd', 'đ'],
    [' dd ', 'đ'],
    ['Đ', 'đ'],
    [' đ ', 'đ'],
    ['f', null],
    ['F', null],
    ['j', null],
    ['p', null],
    ['x', null],
    ['z', null],
    ['', null],
    ['  ', null],
    ['ab', null],
    ['d d', null],
    ['ddd', null],
    ['đđ', null],
    ['1', null],
  ]
  for (const [input, expected] of cases) t.equal(normaliseGroupCode(input), expected, JSON.stringify(input))
})

t.test('group membership on a date, both ends inclusive', async (t) => {
  const closed = { startDate: '2024-03-01', endDate: '2024-06-30' }
  const open = { startDate: '2024-03-01', endDate: null }
  const cases: [string, { startDate: string; endDate: string | null }, string, boolean][] = [
    ['before the start', closed, '2024-02-29', false],
    ['on the start', closed, '2024-03-01', true],
    ['inside', closed, '2024-05-15', true],
    ['on the end', closed, '2024-06-30', true],
    ['after the end', closed, '2024-07-01', false],
    ['open, before the start', open, '2024-02-29', false],
    ['open, on the start', open, '2024-03-01', true],
    ['open, years later', open, '2030-01-01', true],
    ['a single day', { startDate: '2024-04-04', endDate: '2024-04-04' }, '2024-04-04', true],
  ]
  for (const [name, membership, asOf, expected] of cases)
    t.equal(isMembershipActiveOn(membership, asOf), expected, name)
})

t.test('care kinds and which carry an amount', async (t) => {
  const cases: [string, boolean][] = [
    ['allowance', true],
    ['health_insurance', false],
    ['education_support', true],
    ['alternative_care_relatives', false],
    ['alternative_care_non_relatives', false],
    ['alternative_care_facility', false],
    ['counselling', false],
    ['medical', false],
    ['legal_aid', false],
    ['referral', false],
    ['other', false],
  ]
  t.same(
    [...careKinds],
    cases.map(([kind]) => kind),
  )
  for (const [kind, money] of cases) t.equal(moneyCareKinds.has(kind), money, kind)
  t.equal(moneyCareKinds.has('unknown_kind'), false, 'an unknown kind')
})

t.test('monthly social allowance (Decree 20/2021)', async (t) => {
  t.same(allowanceRates, [
    { from: '2021-07-01', standardVnd: 360_000 },
    { from: '2024-07-01', standardVnd: 500_000 },
  ])
  // 360,000 × 2.5 = 900,000; × 1.5 = 540,000. 500,000 × 2.5 = 1,250,000; × 1.5 = 750,000.
  const cases: [string, string, number, string][] = [
    ['2020-07-01', '2024-06-30', 900_000, 'aged 3, the old rate'],
    ['2020-07-01', '2024-07-01', 750_000, '4th birthday on the day the rate rises'],
    ['2021-01-01', '2024-06-30', 900_000, 'the last day of the old rate'],
    ['2021-01-01', '2024-07-01', 1_250_000, 'the first day of the new rate'],
    ['2020-03-10', '2024-03-09', 900_000, 'the day before the 4th birthday'],
    ['2020-03-10', '2024-03-10', 540_000, 'the 4th birthday'],
    ['2021-03-10', '2025-03-09', 1_250_000, 'the day before the 4th birthday, new rate'],
    ['2021-03-10', '2025-03-10', 750_000, 'the 4th birthday, new rate'],
    ['2020-02-29', '2024-02-28', 900_000, '29 Feb birth, the day before'],
    ['2020-02-29', '2024-02-29', 540_000, '29 Feb birth, 4th birthday on 29 Feb'],
    ['2021-07-01', '2021-07-01', 900_000, 'a newborn on the decree’s first day'],
    ['2010-05-05', '2025-12-31', 750_000, 'aged 15'],
    ['2008-01-01', '2026-01-01', 750_000, 'aged 18, still studying: priced at 1.5'],
  ]
  for (const [born, onDate, expected, name] of cases)
    t.equal(monthlyAllowanceVnd(born, onDate), expected, `${born} on ${onDate}: ${name}`)
})

t.test('allowance with rates held as reference data', async (t) => {
  const rates: AllowanceRate[] = [
    { from: '2026-07-01', standardVnd: 600_000 },
    { from: '2021-07-01', standardVnd: 360_000 },
    { from: '2024-07-01', standardVnd: 500_000 },
  ]
  const cases: [string, string, number][] = [
    ['2020-01-01', '2026-06-30', 750_000],
    ['2020-01-01', '2026-07-01', 900_000],
    ['2025-01-01', '2026-07-01', 1_500_000],
    ['2020-01-01', '2022-01-01', 900_000],
  ]
  for (const [born, onDate, expected] of cases)
    t.equal(monthlyAllowanceVnd(born, onDate, rates), expected, `${born} on ${onDate}`)
})

t.test('no allowance is invented', async (t) => {
  const cases: [string, string, string][] = [
    ['2020-01-01', '2021-06-30', 'before Decree 20/2021'],
    ['2024-06-01', '2024-05-31', 'before the birth'],
  ]
  for (const [born, onDate, name] of cases) t.throws(() => monthlyAllowanceVnd(born, onDate), RangeError, name)
  t.throws(() => monthlyAllowanceVnd('2020-01-01', '2025-01-01', []), RangeError, 'no rates at all')
})
