/**
 * Vietnamese personal names for synthetic records, with frequencies close to published surveys of
 * family names (Nguyễn about 38%, Trần 11%, Lê 9.5%, …) and to common naming habits: Văn and Thị as
 * the usual middle names of the parents' generation, more varied middle names for children born
 * since 2008, and a second middle name for some children ("Nguyễn Ngọc Bảo Anh"). Weights are relative.
 * Hanoi skews Hoàng over Huỳnh and Vũ over Võ, which the northern spellings reflect.
 */
import { type Random, weighted } from './random.js'

export type Sex = 'male' | 'female'

const familyNames = weighted<string>([
  ['Nguyễn', 38],
  ['Trần', 11],
  ['Lê', 9.5],
  ['Phạm', 7],
  ['Hoàng', 4.3],
  ['Huỳnh', 0.7],
  ['Phan', 4.5],
  ['Vũ', 3.3],
  ['Võ', 0.7],
  ['Đặng', 2],
  ['Bùi', 2],
  ['Đỗ', 1.4],
  ['Hồ', 1.3],
  ['Ngô', 1.3],
  ['Dương', 1],
  ['Lý', 0.5],
  ['Đinh', 0.9],
  ['Trương', 0.8],
  ['Đoàn', 0.8],
  ['Trịnh', 0.8],
  ['Lương', 0.6],
  ['Mai', 0.6],
  ['Cao', 0.6],
  ['Lưu', 0.5],
  ['Hà', 0.5],
  ['Tạ', 0.5],
  ['Lâm', 0.4],
  ['Chu', 0.4],
  ['Tô', 0.4],
  ['Kiều', 0.3],
  ['Quách', 0.3],
  ['Khúc', 0.2],
  ['Triệu', 0.3],
  ['Nghiêm', 0.2],
  ['Khuất', 0.2],
  ['Thái', 0.2],
  ['Văn', 0.2],
  ['Lại', 0.2],
  ['Phùng', 0.3],
  ['Vương', 0.2],
  ['Đàm', 0.2],
  ['Doãn', 0.1],
  ['Mạc', 0.1],
  ['Ninh', 0.1],
  ['Tăng', 0.1],
])

const childMiddleNames: Record<Sex, ReturnType<typeof weighted<string>>> = {
  male: weighted([
    ['Văn', 22],
    ['Minh', 12],
    ['Đức', 10],
    ['Quang', 6],
    ['Gia', 6],
    ['Bảo', 5],
    ['Hoàng', 5],
    ['Anh', 4],
    ['Hữu', 4],
    ['Đình', 4],
    ['Thành', 3],
    ['Tuấn', 3],
    ['Công', 3],
    ['Khánh', 3],
    ['Trung', 3],
    ['Ngọc', 2],
    ['Xuân', 2],
    ['Thanh', 2],
    ['Hải', 2],
    ['Nhật', 2],
    ['Phúc', 1.5],
    ['Tiến', 1.5],
    ['Duy', 1.5],
    ['Mạnh', 1],
    ['Việt', 1],
    ['Trọng', 1],
    ['Đăng', 1],
  ]),
  female: weighted([
    ['Thị', 26],
    ['Ngọc', 10],
    ['Thanh', 6],
    ['Minh', 5],
    ['Thu', 5],
    ['Khánh', 4],
    ['Bảo', 4],
    ['Phương', 4],
    ['Thùy', 4],
    ['Hà', 3],
    ['Mai', 3],
    ['Gia', 3],
    ['Quỳnh', 3],
    ['Kim', 3],
    ['Hồng', 3],
    ['Hoài', 2],
    ['Diệu', 2],
    ['Tuệ', 2],
    ['Thảo', 2],
    ['Lan', 1.5],
    ['Hải', 1.5],
    ['Bích', 1],
    ['Tường', 1],
    ['Yến', 1],
  ]),
}

const parentMiddleNames: Record<Sex, ReturnType<typeof weighted<string>>> = {
  male: weighted([
    ['Văn', 50],
    ['Đức', 8],
    ['Minh', 7],
    ['Quang', 5],
    ['Hữu', 5],
    ['Đình', 5],
    ['Công', 4],
    ['Xuân', 4],
    ['Mạnh', 3],
    ['Trọng', 3],
    ['Thanh', 3],
    ['Ngọc', 3],
  ]),
  female: weighted([
    ['Thị', 62],
    ['Thu', 6],
    ['Thanh', 6],
    ['Ngọc', 5],
    ['Hồng', 4],
    ['Minh', 4],
    ['Kim', 4],
    ['Phương', 3],
    ['Bích', 3],
    ['Thúy', 3],
  ]),
}

/** Rank-weighted (Zipf-like): the first names of each list are the most frequent. */
function byRank(names: readonly string[]): ReturnType<typeof weighted<string>> {
  return weighted(names.map((name, rank) => [name, 1 / (rank + 4)] as const))
}

const givenNames: Record<Sex, ReturnType<typeof weighted<string>>> = {
  male: byRank([
    'Anh', 'Minh', 'Huy', 'Nam', 'Khang', 'Phúc', 'Bảo', 'Long', 'Đức', 'Duy', 'Hưng', 'Quân', 'Khôi', 'Tuấn',
    'Hoàng', 'Dũng', 'Thành', 'Hải', 'Sơn', 'Tùng', 'Vinh', 'Kiên', 'Đạt', 'Hiếu', 'Trung', 'Phong', 'Lâm',
    'Khoa', 'Nhật', 'Quang', 'Thắng', 'Việt', 'Cường', 'Trí', 'Bình', 'An', 'Lộc', 'Thịnh', 'Tài', 'Nguyên',
    'Hậu', 'Hòa', 'Tâm', 'Thái', 'Toàn', 'Nghĩa', 'Nhân', 'Phát', 'Quý', 'Thiện', 'Trọng', 'Vũ', 'Vương',
    'Đăng', 'Khải', 'Tiến', 'Công', 'Định', 'Giang', 'Hào', 'Hiển', 'Hùng', 'Lực', 'Mạnh', 'Tú', 'Chiến',
    'Khánh', 'Dương', 'Đông', 'Hiệp',
  ]),
  female: byRank([
    'Anh', 'Linh', 'Ngọc', 'Trang', 'Hà', 'Chi', 'Vy', 'Nhi', 'My', 'Thảo', 'Hương', 'Phương', 'Huyền', 'Mai',
    'Lan', 'Thủy', 'Hằng', 'Quỳnh', 'Giang', 'Yến', 'Trâm', 'Hân', 'Ngân', 'An', 'Thư', 'Uyên', 'Diệp', 'Hoa',
    'Nhung', 'Hạnh', 'Hiền', 'Dung', 'Ly', 'Vân', 'Tâm', 'Thanh', 'Khánh', 'Châu', 'Ánh', 'Bích', 'Duyên',
    'Hồng', 'Huệ', 'Khuê', 'Liên', 'Loan', 'Mỹ', 'Nga', 'Nguyệt', 'Oanh', 'Quyên', 'Thơ', 'Thùy', 'Trinh',
    'Tuyết', 'Xuân', 'Hoài', 'Lam', 'Thương', 'Trà', 'Tú', 'Diệu', 'Đào', 'Hảo', 'Kim', 'Phượng', 'Sương',
    'Tiên', 'Vi', 'Yên',
  ]),
}

export function familyName(random: Random): string {
  return random.choose(familyNames)
}

/** A child's full name: the family name passed in, one middle name, sometimes two (about 15%). */
export function childName(random: Random, family: string, sex: Sex): string {
  const middle = random.choose(childMiddleNames[sex])
  const given = random.choose(givenNames[sex])
  if (random.chance(0.15)) {
    const second = random.choose(childMiddleNames[sex])
    if (second !== middle && second !== 'Văn' && second !== 'Thị') return `${family} ${middle} ${second} ${given}`
  }
  return `${family} ${middle} ${given}`
}

/** An adult's full name, in the style of people born in the 1960s–1990s. */
export function adultName(random: Random, family: string, sex: Sex): string {
  return `${family} ${random.choose(parentMiddleNames[sex])} ${random.choose(givenNames[sex])}`
}

/** Streets of Hoàng Mai for synthetic addresses. */
export const streets = [
  'Tam Trinh', 'Giải Phóng', 'Trương Định', 'Kim Giang', 'Định Công', 'Nguyễn Đức Cảnh', 'Lĩnh Nam',
  'Minh Khai', 'Hoàng Mai', 'Tân Mai', 'Lê Trọng Tấn', 'Bằng Liệt', 'Linh Đường', 'Nguyễn Hữu Thọ', 'Kim Đồng',
  'Đại Từ', 'Nguyễn Cảnh Dị', 'Vĩnh Hưng', 'Thanh Đàm', 'Yên Sở', 'Tân Khai', 'Mai Động', 'Tương Mai',
  'Giáp Nhị', 'Nguyễn An Ninh', 'Thịnh Liệt', 'Nam Dư', 'Lương Khánh Thiện', 'Hồng Quang', 'Nguyễn Chính',
] as const
