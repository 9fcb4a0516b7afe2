import t from 'tap'
import { attachmentDisposition, officeTypeOf, signatureType } from '../../../src/modules/incidents/documents-rules.js'

t.test('a type is recognised by the bytes that open the file', async (t) => {
  const cases: [string, number[] | string, ReturnType<typeof signatureType>][] = [
    ['PDF', '%PDF-1.4\n', 'pdf'],
    ['JPEG', [0xff, 0xd8, 0xff, 0xdb], 'jpeg'],
    ['PNG', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'png'],
    ['ZIP', [0x50, 0x4b, 0x03, 0x04, 0x14], 'zip'],
    ['a PDF header after a byte-order mark', '\ufeff%PDF-1.4', null],
    ['a PNG cut short', [0x89, 0x50, 0x4e, 0x47], null],
    ['HTML', '<!DOCTYPE html>', null],
    ['a Windows executable', 'MZ\u0090\u0000', null],
    ['an empty zip (end record only)', [0x50, 0x4b, 0x05, 0x06], null],
    ['nothing', [], null],
  ]
  for (const [name, bytes, type] of cases)
    t.equal(signatureType(typeof bytes === 'string' ? Buffer.from(bytes) : Uint8Array.from(bytes)), type, name)
})

t.test('an archive is an office document when its content types name a main part it holds', async (t) => {
  const word = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml'
  const excel = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml'
  const has =
    (...names: string[]) =>
    (name: string) =>
      names.includes(name)
  t.equal(
    officeTypeOf(
      `<Types><Override PartName="/word/document.xml" ContentType="${word}"/></Types>`,
      has('word/document.xml'),
    ),
    'docx',
  )
  t.equal(
    officeTypeOf(
      `<ct:Types><ct:Override ContentType='${excel}' PartName='/XL/Workbook.xml'/></ct:Types>`,
      has('xl/workbook.xml'),
    ),
    'xlsx',
    'prefixed, single-quoted, attributes in any order, names compared without case',
  )
  t.equal(
    officeTypeOf(`<Types><Override PartName="/word/document.xml" ContentType="${word}"/></Types>`, has()),
    null,
    'a main part the archive lacks',
  )
  t.equal(
    officeTypeOf(
      '<Types><Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>',
      has('word/document.xml'),
    ),
    null,
    'macro-enabled',
  )
  t.equal(
    officeTypeOf(
      '<Types><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"/></Types>',
      has('word/document.xml'),
    ),
    null,
    'a template',
  )
})

t.test('a download is an attachment named safely, ending in what its content is', async (t) => {
  const cases: [string | null, Parameters<typeof attachmentDisposition>[2], string][] = [
    [
      'Biên bản họp.pdf',
      'pdf',
      `attachment; filename="Bien ban hop.pdf"; filename*=UTF-8''Bi%C3%AAn%20b%E1%BA%A3n%20h%E1%BB%8Dp.pdf`,
    ],
    [
      'Đơn "khẩn".PDF',
      'pdf',
      `attachment; filename="Don _khan_.PDF"; filename*=UTF-8''%C4%90%C6%A1n%20_kh%E1%BA%A9n_.PDF`,
    ],
    [
      'a\r\nx-injected: 1.png',
      'png',
      `attachment; filename="a__x-injected_ 1.png"; filename*=UTF-8''a__x-injected_%201.png`,
    ],
    ['..\\..\\boot.ini', 'jpeg', `attachment; filename=".._.._boot.ini.jpg"; filename*=UTF-8''.._.._boot.ini.jpg`],
    ["it's (1).docx", 'docx', `attachment; filename="it's (1).docx"; filename*=UTF-8''it%27s%20%281%29.docx`],
    ['漢字.xlsx', 'xlsx', `attachment; filename="__.xlsx"; filename*=UTF-8''%E6%BC%A2%E5%AD%97.xlsx`],
    [null, 'pdf', `attachment; filename="minutes.pdf"; filename*=UTF-8''minutes.pdf`],
    ['   ', 'png', `attachment; filename="minutes.png"; filename*=UTF-8''minutes.png`],
  ]
  for (const [name, type, expected] of cases)
    t.equal(attachmentDisposition(name, 'minutes', type), expected, String(name))
})
