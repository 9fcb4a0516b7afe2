/**
 * Documents of a case: their kinds, the types of content accepted and what each is recognised by, and the
 * file name a download is offered under. Pure.
 */

export const documentKinds = ['written_report_scan', 'minutes', 'signed_plan', 'assessment', 'photo', 'other'] as const
export type DocumentKind = (typeof documentKinds)[number]

/** The content accepted, by what its bytes are: media type and the extension a download carries. */
export const documentTypes = {
  pdf: { mediaType: 'application/pdf', extension: '.pdf' },
  jpeg: { mediaType: 'image/jpeg', extension: '.jpg' },
  png: { mediaType: 'image/png', extension: '.png' },
  docx: {
    mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    extension: '.docx',
  },
  xlsx: { mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', extension: '.xlsx' },
} as const
export type DocumentType = keyof typeof documentTypes

export const documentMediaTypes = [
  documentTypes.pdf.mediaType,
  documentTypes.jpeg.mediaType,
  documentTypes.png.mediaType,
  documentTypes.docx.mediaType,
  documentTypes.xlsx.mediaType,
] as const
export type DocumentMediaType = (typeof documentMediaTypes)[number]

/** The OOXML main part's content type ([Content_Types].xml) of each office type accepted. */
const officeMainPartTypes: Readonly<Record<string, 'docx' | 'xlsx'>> = {
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml': 'docx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml': 'xlsx',
}

const signatures: readonly { type: 'pdf' | 'jpeg' | 'png'; bytes: readonly number[] }[] = [
  { type: 'pdf', bytes: [0x25, 0x50, 0x44, 0x46, 0x2d] }, // %PDF-
  { type: 'jpeg', bytes: [0xff, 0xd8, 0xff] },
  { type: 'png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
]
const zipLocalHeader = [0x50, 0x4b, 0x03, 0x04]

const startsWith = (content: Uint8Array, bytes: readonly number[]) =>
  content.length >= bytes.length && bytes.every((byte, index) => content[index] === byte)

/**
 * What the first bytes say the content is: one of the plain types, a ZIP archive (an office document only
 * if its content types say so, documents-types.ts), or nothing accepted. The signature must open the file:
 * a PDF header further in (which readers tolerate) would let an HTML page that a browser sniffs pass as one.
 */
export function signatureType(content: Uint8Array): 'pdf' | 'jpeg' | 'png' | 'zip' | null {
  for (const { type, bytes } of signatures) if (startsWith(content, bytes)) return type
  return startsWith(content, zipLocalHeader) ? 'zip' : null
}

/**
 * The office type an archive's [Content_Types].xml declares for its main part, when that part is in the
 * archive (`hasPart`, by part name without the leading slash, case-insensitively as OPC names compare).
 * A macro-enabled or template main part is none of the types accepted.
 */
export function officeTypeOf(contentTypesXml: string, hasPart: (name: string) => boolean): 'docx' | 'xlsx' | null {
  for (const [element] of contentTypesXml.matchAll(/<(?:[A-Za-z_][\w.-]*:)?Override\b[^>]*>/g)) {
    const partName = /\bPartName\s*=\s*(["'])(.*?)\1/.exec(element)?.[2]
    const contentType = /\bContentType\s*=\s*(["'])(.*?)\1/.exec(element)?.[2]
    const type = contentType ? officeMainPartTypes[contentType.trim()] : undefined
    if (type && partName && hasPart(partName.replace(/^\//, '').toLowerCase())) return type
  }
  return null
}

/** Characters a quoted-string file name cannot carry safely, and those no file system or browser takes. */
const unsafeInName = /["\\/:*?<>|\p{Cc}\p{Cf}]/gu

/**
 * The name a download is offered under (RFC 6266): the stored file name, or the kind, always ending in the
 * extension of what the content is, so that a saved file opens as what it is whatever it was uploaded as.
 * `ascii` is the fallback `filename` (Vietnamese letters without their marks), `encoded` the UTF-8
 * `filename*`.
 */
function downloadFileName(fileName: string | null, kind: DocumentKind, type: DocumentType) {
  const { extension } = documentTypes[type]
  const base = (fileName ?? '').normalize('NFC').replace(unsafeInName, '_').trim().slice(0, 150) || kind
  const name = base.toLowerCase().endsWith(extension) ? base : `${base}${extension}`
  const ascii = name
    .replace(/[đĐ]/g, (letter) => (letter === 'đ' ? 'd' : 'D'))
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]/g, '_')
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return { ascii, encoded }
}

/** The Content-Disposition of a download: always an attachment, never shown inline. */
export function attachmentDisposition(fileName: string | null, kind: DocumentKind, type: DocumentType): string {
  const { ascii, encoded } = downloadFileName(fileName, kind, type)
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`
}

const typesByMediaType = Object.fromEntries(
  (Object.keys(documentTypes) as DocumentType[]).map((type) => [documentTypes[type].mediaType, type]),
) as Record<DocumentMediaType, DocumentType>

export function documentTypeOf(mediaType: DocumentMediaType): DocumentType {
  return typesByMediaType[mediaType]
}
