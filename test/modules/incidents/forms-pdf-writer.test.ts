import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs'
import t from 'tap'
import { printForm, type PrintedCase } from '../../../src/modules/incidents/forms-pdf-writer.js'

const print: PrintedCase = {
  wardName: 'Phường Vĩnh Hưng',
  caseId: '6f1c2d3e-0000-4000-8000-000000000001',
  receivedAt: new Date('2026-12-01T01:00:00Z'),
  version: 1,
  withheld: false,
  updatedByName: 'can-bo-phuong',
  goalTitles: {},
  printedAt: new Date('2026-12-06T03:00:00Z'),
}

/** Every text item of every page, with the height it was drawn at. */
async function textOf(pdf: Uint8Array): Promise<{ text: string; y: number; page: number }[]> {
  const document = await getDocument({ data: pdf }).promise
  const items: { text: string; y: number; page: number }[] = []
  for (let page = 1; page <= document.numPages; page++) {
    for (const item of (await (await document.getPage(page)).getTextContent()).items)
      if ('str' in item && item.str.trim()) items.push({ text: item.str, y: item.transform[5] as number, page })
  }
  return items
}

t.test('a cell longer than a page goes on over the next pages, every word printed above the margin', async (t) => {
  // An account of about 9,000 characters, numbered so that a lost word is found.
  const words = Array.from({ length: 1500 }, (_, n) => `lời${n}`)
  const pdf = await printForm(print, 'PHIẾU TIẾP NHẬN', (writer) => {
    writer.field('Nội dung', words.join(' '))
    writer.field('Sau đó', 'dòng cuối')
  })
  const items = await textOf(pdf)
  const printed = items.flatMap((item) => item.text.split(/\s+/))
  t.same(
    printed.filter((word) => word.startsWith('lời')),
    words,
    'every word, in order',
  )
  t.ok(new Set(items.map((item) => item.page)).size >= 3, 'over several pages')
  t.ok(
    items.every((item) => item.y >= 40),
    'nothing drawn into the bottom margin',
  )
  t.ok(printed.includes('cuối'), 'the row after it follows')
})

t.test('a row that fits on a page is not split', async (t) => {
  const pdf = await printForm(print, 'PHIẾU', (writer) => {
    for (let n = 0; n < 30; n++) writer.field(`Mục ${n}`, `giá trị ${n}\ndòng hai ${n}\ndòng ba ${n}`)
  })
  const items = await textOf(pdf)
  for (let n = 0; n < 30; n++) {
    const pages = new Set(items.filter((item) => item.text.endsWith(` ${n}`)).map((item) => item.page))
    t.equal(pages.size, 1, `row ${n} on one page`)
  }
})
