import t from 'tap'
import { exportCell, parseSchoolingStatus } from '../../../src/modules/children/export-values.js'

t.test('a registry cell as an officer reads it, and as a machine does', async (t) => {
  const cases: [string, string, unknown, 'vi' | 'en', unknown][] = [
    ['sex', 'sex', 'female', 'vi', 'Nữ'],
    ['sex in English', 'sex', 'female', 'en', 'female'],
    ['unknown sex', 'sex', 'unknown', 'vi', 'Không rõ'],
    ['yes', 'atRisk', true, 'vi', 'Có'],
    ['no', 'hasValidHealthInsurance', false, 'vi', 'Không'],
    ['yes in English', 'atRisk', true, 'en', true],
    ['status', 'status', 'aged_out', 'vi', 'Đã đủ 16 tuổi'],
    ['schooling', 'schoolingStatus', 'lower_secondary', 'vi', 'Trung học cơ sở'],
    ['a date, in either language', 'dateOfBirth', '2018-05-10', 'en', { date: '2018-05-10' }],
    ['groups', 'groupCodes', ['d', 'g'], 'vi', 'd g'],
    ['nothing', 'personalId', null, 'vi', null],
    ['text as it is', 'fullName', 'Phạm Thị Mai', 'vi', 'Phạm Thị Mai'],
  ]
  for (const [name, key, value, language, expected] of cases) t.same(exportCell(key, value, language), expected, name)
})

t.test('a schooling status is read back from its code or its label', async (t) => {
  const cases: [string, string | null][] = [
    ['primary', 'primary'],
    ['Tiểu học', 'primary'],
    ['tieu hoc', 'primary'],
    ['TRUNG HỌC PHỔ THÔNG', 'upper_secondary'],
    ['Không đi học', 'out_of_school'],
    ['college', null],
  ]
  for (const [value, expected] of cases) t.equal(parseSchoolingStatus(value), expected, value)
})
