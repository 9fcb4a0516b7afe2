/**
 * The registry's values as an officer reads them in a Vietnamese spreadsheet (Nam/Nữ, Có/Không, the school
 * level by name), and back: an import reads either these labels or the codes the English export writes.
 */
import type { CellValue } from '../../platform/export.js'
import { foldName } from './rules.js'
import type { schoolingStatuses } from './tables.js'

export type ExportLanguage = 'vi' | 'en'
type SchoolingStatus = (typeof schoolingStatuses)[number]

/** Sex as registers and reports print it. */
export const sexLabels: Record<string, string> = { male: 'Nam', female: 'Nữ', unknown: 'Không rõ' }

const statusLabels: Record<string, string> = {
  active: 'Đang theo dõi',
  aged_out: 'Đã đủ 16 tuổi',
  moved_out: 'Đã chuyển đi',
  deceased: 'Đã mất',
}

const schoolingLabels: Record<SchoolingStatus, string> = {
  not_yet_school_age: 'Chưa đến tuổi đi học',
  preschool: 'Mầm non',
  primary: 'Tiểu học',
  lower_secondary: 'Trung học cơ sở',
  upper_secondary: 'Trung học phổ thông',
  out_of_school: 'Không đi học',
  other: 'Khác',
}

const schoolingByLabel = new Map<string, SchoolingStatus>(
  (Object.entries(schoolingLabels) as [SchoolingStatus, string][]).flatMap(([code, label]) => [
    [code, code],
    [foldName(label), code],
  ]),
)

/** A schooling status written as its code or its Vietnamese label (any case, with or without marks); null when neither. */
export function parseSchoolingStatus(value: string): SchoolingStatus | null {
  return schoolingByLabel.get(value.trim().toLowerCase()) ?? schoolingByLabel.get(foldName(value)) ?? null
}

/** A cell of the registry export: dates as dates, lists space-separated, and in Vietnamese the labels above. */
export function exportCell(key: string, value: unknown, language: ExportLanguage): CellValue {
  if (value === null || value === undefined) return null
  if (key === 'dateOfBirth' && typeof value === 'string') return { date: value }
  if (Array.isArray(value)) return value.join(' ')
  if (language === 'en') return value as CellValue
  if (typeof value === 'boolean') return value ? 'Có' : 'Không'
  if (key === 'sex') return sexLabels[value as string] ?? (value as string)
  if (key === 'status') return statusLabels[value as string] ?? (value as string)
  if (key === 'schoolingStatus') return schoolingLabels[value as SchoolingStatus] ?? (value as string)
  return value as CellValue
}
