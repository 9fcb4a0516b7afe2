import type { ColumnDefinition } from '../children/columns.js'

/**
 * The household child book's spreadsheet columns, in order, with the Vietnamese headers officers use.
 * Imports read either language, as for children; members are not a spreadsheet column (they are a list)
 * and are kept as they are when a household is imported again.
 */
export const householdColumns: readonly ColumnDefinition[] = [
  { key: 'id', vi: 'Mã hộ', en: 'id' },
  { key: 'externalId', vi: 'Mã nguồn', en: 'externalId' },
  { key: 'headName', vi: 'Họ và tên chủ hộ', en: 'headName' },
  { key: 'wardCode', vi: 'Mã phường', en: 'wardCode' },
  { key: 'residentialGroupCode', vi: 'Mã tổ dân phố', en: 'residentialGroupCode' },
  { key: 'streetAddress', vi: 'Địa chỉ', en: 'streetAddress' },
  { key: 'povertyStatus', vi: 'Hộ nghèo, cận nghèo', en: 'povertyStatus' },
  { key: 'povertyFrom', vi: 'Nghèo từ ngày', en: 'povertyFrom' },
  { key: 'povertyTo', vi: 'Nghèo đến ngày', en: 'povertyTo' },
]
