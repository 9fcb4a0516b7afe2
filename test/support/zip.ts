import { crc32, deflateRawSync } from 'node:zlib'

export interface ZipPart {
  name: string
  data: Buffer | string
  /** Declared in the archive instead of the real size: an archive that lies, as a zip bomb may. */
  declaredSize?: number
  /** Marks the part as encrypted (a password-protected workbook). */
  encrypted?: boolean
}

/** A little-endian record of the ZIP format: its length, and each field's offset, width and value. */
function record(length: number, fields: readonly (readonly [offset: number, bytes: 2 | 4, value: number])[]): Buffer {
  const buffer = Buffer.alloc(length)
  for (const [offset, bytes, value] of fields) {
    if (bytes === 2) buffer.writeUInt16LE(value, offset)
    else buffer.writeUInt32LE(value, offset)
  }
  return buffer
}

/** A ZIP archive of the parts, in the order given, deflated: enough to build hostile workbooks by hand. */
export function zipArchive(parts: readonly ZipPart[]): Buffer {
  const files: Buffer[] = []
  const directory: Buffer[] = []
  let offset = 0
  for (const part of parts) {
    const data = Buffer.from(part.data)
    const name = Buffer.from(part.name)
    const packed = deflateRawSync(data, { level: 9 })
    const checksum = crc32(data) >>> 0
    const size = part.declaredSize ?? data.length
    const flags = 0x800 | (part.encrypted ? 0x1 : 0)
    const local = record(30, [
      [0, 4, 0x04034b50],
      [4, 2, 20],
      [6, 2, flags],
      [8, 2, 8],
      [14, 4, checksum],
      [18, 4, packed.length],
      [22, 4, size],
      [26, 2, name.length],
    ])
    const central = record(46, [
      [0, 4, 0x02014b50],
      [4, 2, 20],
      [6, 2, 20],
      [8, 2, flags],
      [10, 2, 8],
      [16, 4, checksum],
      [20, 4, packed.length],
      [24, 4, size],
      [28, 2, name.length],
      [42, 4, offset],
    ])
    files.push(local, name, packed)
    directory.push(central, name)
    offset += local.length + name.length + packed.length
  }
  const centralDirectory = Buffer.concat(directory)
  const end = record(22, [
    [0, 4, 0x06054b50],
    [8, 2, parts.length],
    [10, 2, parts.length],
    [12, 4, centralDirectory.length],
    [16, 4, offset],
  ])
  return Buffer.concat([...files, centralDirectory, end])
}

const main = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
const relationships = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'

/** `<row>` XML of a sheet from inline-string cells (null leaves a cell out). */
export function inlineRows(rows: readonly (readonly (string | null)[])[], firstRow = 1): string {
  const columnName = (index: number) => String.fromCharCode(65 + index)
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;')
  return rows
    .map((cells, index) => {
      const row = firstRow + index
      const xml = cells
        .map((text, column) =>
          text === null ? '' : `<c r="${columnName(column)}${row}" t="inlineStr"><is><t>${escape(text)}</t></is></c>`,
        )
        .join('')
      return `<row r="${row}">${xml}</row>`
    })
    .join('')
}

export interface WorkbookParts {
  /** The inside of `<sheetData>` of the first sheet. */
  sheetData: string
  sharedStrings?: string
  /** The inside of `<styleSheet>`. */
  styles?: string
  date1904?: boolean
  /** Parts in this order (by default the sheet first and the workbook last, as ExcelJS stores them). */
  order?: 'sheet-first' | 'workbook-first'
  /** Overrides per part name (e.g. a declared size that lies). */
  overrides?: Record<string, Partial<ZipPart>>
}

/** A minimal XLSX workbook of one sheet, built part by part. */
export function workbookArchive(parts: WorkbookParts): Buffer {
  const entries: ZipPart[] = [
    {
      name: '[Content_Types].xml',
      data: '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>',
    },
    {
      name: '_rels/.rels',
      data: `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${relationships}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    },
    {
      name: 'xl/worksheets/sheet1.xml',
      data: `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="${main}"><sheetData>${parts.sheetData}</sheetData></worksheet>`,
    },
    ...(parts.sharedStrings === undefined
      ? []
      : [
          {
            name: 'xl/sharedStrings.xml',
            data: `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="${main}">${parts.sharedStrings}</sst>`,
          },
        ]),
    ...(parts.styles === undefined
      ? []
      : [
          {
            name: 'xl/styles.xml',
            data: `<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="${main}">${parts.styles}</styleSheet>`,
          },
        ]),
    {
      name: 'xl/_rels/workbook.xml.rels',
      data:
        `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
        `<Relationship Id="rId1" Type="${relationships}/worksheet" Target="worksheets/sheet1.xml"/>` +
        `<Relationship Id="rId2" Type="${relationships}/sharedStrings" Target="sharedStrings.xml"/>` +
        `<Relationship Id="rId3" Type="${relationships}/styles" Target="/xl/styles.xml"/></Relationships>`,
    },
    {
      name: 'xl/workbook.xml',
      data:
        `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="${main}" xmlns:r="${relationships}">` +
        `${parts.date1904 ? '<workbookPr date1904="1"/>' : ''}<sheets><sheet name="Trẻ em" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    },
  ]
  if (parts.order === 'workbook-first') entries.reverse()
  return zipArchive(entries.map((entry) => ({ ...entry, ...parts.overrides?.[entry.name] })))
}
