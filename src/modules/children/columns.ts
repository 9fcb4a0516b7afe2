/**
 * The registry's spreadsheet columns, in order, with the Vietnamese headers officers use. Exports write
 * them and imports read them (either language), so a file exported can be fixed and imported back.
 */
export interface ColumnDefinition {
  key: string
  vi: string
  en: string
  /** Omitted from exports for callers without registry:sensitive. */
  sensitive?: boolean
  /** Read by imports only: a fact about the file's rows, not a field of the record an export could write back. */
  importOnly?: boolean
  /** Its width in an exported workbook, in characters (14 when unset). */
  width?: number
}

export const childColumns: readonly ColumnDefinition[] = [
  { key: 'id', vi: 'Mã trẻ', en: 'id', width: 38 },
  { key: 'externalId', vi: 'Mã nguồn', en: 'externalId', width: 16 },
  { key: 'fullName', vi: 'Họ và tên', en: 'fullName', width: 28 },
  { key: 'dateOfBirth', vi: 'Ngày sinh', en: 'dateOfBirth', width: 12 },
  { key: 'birthYear', vi: 'Năm sinh', en: 'birthYear', width: 10 },
  { key: 'sex', vi: 'Giới tính', en: 'sex', width: 10 },
  { key: 'ethnicityCode', vi: 'Mã dân tộc', en: 'ethnicityCode', sensitive: true },
  { key: 'personalId', vi: 'Số định danh cá nhân', en: 'personalId', width: 16 },
  { key: 'birthRegistered', vi: 'Đã đăng ký khai sinh', en: 'birthRegistered', width: 12 },
  { key: 'wardCode', vi: 'Mã phường', en: 'wardCode', width: 12 },
  { key: 'residentialGroupCode', vi: 'Mã tổ dân phố', en: 'residentialGroupCode' },
  { key: 'streetAddress', vi: 'Địa chỉ', en: 'streetAddress', width: 36 },
  { key: 'householdId', vi: 'Mã hộ', en: 'householdId', width: 38 },
  { key: 'schoolingStatus', vi: 'Tình trạng đi học', en: 'schoolingStatus', width: 20 },
  { key: 'hasDisability', vi: 'Khuyết tật', en: 'hasDisability', sensitive: true },
  { key: 'status', vi: 'Tình trạng', en: 'status', width: 16 },
  { key: 'groupCodes', vi: 'Nhóm hoàn cảnh đặc biệt', en: 'groupCodes', width: 14 },
  { key: 'groupsSince', vi: 'Thuộc nhóm từ ngày', en: 'groupsSince', importOnly: true },
  { key: 'atRisk', vi: 'Có nguy cơ', en: 'atRisk' },
  { key: 'hasValidHealthInsurance', vi: 'Có thẻ BHYT còn hạn', en: 'hasValidHealthInsurance' },
  { key: 'healthNote', vi: 'Ghi chú sức khỏe', en: 'healthNote', sensitive: true, width: 30 },
  { key: 'disabilityNote', vi: 'Ghi chú khuyết tật', en: 'disabilityNote', sensitive: true, width: 30 },
]
