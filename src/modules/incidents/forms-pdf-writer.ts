/**
 * The paper form every case form prints on: the state's heading, the ward's People's Committee, the form's
 * title under Decree 56/2017, the case, the form's own body, and who answers for it. DejaVu Sans is embedded
 * (subset) because the standard PDF fonts have no Vietnamese letters.
 */
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import type { Color, PDFDocument, PDFFont, PDFPage } from 'pdf-lib'
import { localDateOf, toLocalIso } from '../calendar/rules.js'

const require = createRequire(import.meta.url)
let fonts: Promise<{ regular: Uint8Array; bold: Uint8Array }> | undefined

/**
 * pdf-lib and its font engine, loaded with the first form printed: loading them takes half a second, which every
 * start of the service (and every process of the test suite) paid before a form was ever asked for.
 */
let pdfLibrary:
  | Promise<{ PDFDocument: typeof PDFDocument; fontkit: Parameters<PDFDocument['registerFontkit']>[0]; black: Color }>
  | undefined

function loadPdfLibrary() {
  pdfLibrary ??= Promise.all([import('pdf-lib'), import('@pdf-lib/fontkit')]).then(([pdfLib, fontkit]) => ({
    PDFDocument: pdfLib.PDFDocument,
    fontkit: fontkit.default,
    black: pdfLib.rgb(0, 0, 0),
  }))
  return pdfLibrary
}

function fontFiles() {
  fonts ??= Promise.all([
    readFile(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')),
    readFile(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')),
  ]).then(([regular, bold]) => ({ regular, bold }))
  return fonts
}

/** dd/mm/yyyy, as Vietnamese forms write dates. */
export const vietnameseDate = (day: string) => day.split('-').reverse().join('/')

/** hh:mm dd/mm/yyyy in local time, as Vietnamese forms write an instant. */
export function vietnameseInstant(instant: string | Date): string {
  const local = toLocalIso(new Date(instant))
  return `${local.slice(11, 16)} ngày ${vietnameseDate(local.slice(0, 10))}`
}

export const yesNo = (value: boolean) => (value ? 'Có' : 'Không')

const pageSize: [number, number] = [595.28, 841.89]
const margin = 50
const rowTextSize = 9
const rowLeading = rowTextSize * 1.3
const rowPadding = 6
/** The width between the margins, which a table's columns share. */
export const lineWidth = pageSize[0] - 2 * margin

/** Lines of `text` no wider than `width`, broken between words (a word wider than the line is broken too). */
function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = []
  for (const paragraph of text.split('\n')) {
    let line = ''
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      const candidate = line ? `${line} ${word}` : word
      if (font.widthOfTextAtSize(candidate, size) <= width) {
        line = candidate
        continue
      }
      if (line) lines.push(line)
      line = word
      while (font.widthOfTextAtSize(line, size) > width && line.length > 1) {
        let cut = line.length - 1
        while (cut > 1 && font.widthOfTextAtSize(line.slice(0, cut), size) > width) cut--
        lines.push(line.slice(0, cut))
        line = line.slice(cut)
      }
    }
    lines.push(line)
  }
  return lines
}

export class Writer {
  page: PDFPage
  y: number
  constructor(
    private readonly document: PDFDocument,
    readonly regular: PDFFont,
    readonly bold: PDFFont,
    private readonly ink: Color,
  ) {
    this.page = document.addPage(pageSize)
    this.y = pageSize[1] - margin
  }

  /** Room for `height` more points on this page, or a new page. */
  room(height: number): void {
    if (this.y - height >= margin) return
    this.newPage()
  }

  private newPage(): void {
    this.page = this.document.addPage(pageSize)
    this.y = pageSize[1] - margin
  }

  text(value: string, options: { size?: number; bold?: boolean; x?: number; width?: number; center?: boolean } = {}) {
    const size = options.size ?? 10
    const font = options.bold ? this.bold : this.regular
    const x = options.x ?? margin
    const width = options.width ?? lineWidth
    for (const line of wrap(value, font, size, width)) {
      this.room(size * 1.4)
      const shift = options.center ? (width - font.widthOfTextAtSize(line, size)) / 2 : 0
      this.page.drawText(line, { x: x + shift, y: this.y - size, size, font, color: this.ink })
      this.y -= size * 1.4
    }
  }

  gap(points: number) {
    this.y -= points
  }

  /**
   * A table row: each cell's text wrapped to its column, the row as tall as its tallest cell, ruled; `bold`
   * for the whole row (a table's head) or cell by cell. A row that fits on a page is kept whole; a taller one
   * (an account of several thousand characters) fills the page and goes on, ruled again, on the next.
   */
  row(cells: readonly string[], widths: readonly number[], bold: boolean | readonly boolean[] = false) {
    const fontOf = (i: number) => ((typeof bold === 'boolean' ? bold : bold[i]) ? this.bold : this.regular)
    const wrapped = cells.map((cell, i) => wrap(cell, fontOf(i), rowTextSize, widths[i]! - 6))
    const total = Math.max(...wrapped.map((lines) => lines.length))
    const linesIn = (height: number) => Math.floor((height - rowPadding) / rowLeading)
    const perPage = linesIn(pageSize[1] - 2 * margin)
    for (let from = 0; from < total;) {
      const remaining = total - from
      if (remaining <= perPage) this.room(remaining * rowLeading + rowPadding)
      const here = Math.min(remaining, linesIn(this.y - margin))
      if (here < 1) {
        this.newPage()
        continue
      }
      this.rowSlice(wrapped, widths, fontOf, from, from + here)
      from += here
    }
  }

  private rowSlice(
    wrapped: readonly string[][],
    widths: readonly number[],
    fontOf: (cell: number) => PDFFont,
    from: number,
    to: number,
  ) {
    const height = (to - from) * rowLeading + rowPadding
    let x = margin
    wrapped.forEach((lines, i) => {
      this.page.drawRectangle({
        x,
        y: this.y - height,
        width: widths[i]!,
        height,
        borderColor: this.ink,
        borderWidth: 0.5,
      })
      lines.slice(from, to).forEach((line, l) =>
        this.page.drawText(line, {
          x: x + 3,
          y: this.y - 3 - rowTextSize - l * rowLeading,
          size: rowTextSize,
          font: fontOf(i),
          color: this.ink,
        }),
      )
      x += widths[i]!
    })
    this.y -= height
  }

  /** One field of the form: its label, then what was entered. */
  field(label: string, value: string) {
    this.row([label, value], fieldWidths, [true, false])
  }
}

const fieldWidths = [160, lineWidth - 160]

/** What every printed form shows besides its own body. */
export interface PrintedCase {
  wardName: string
  caseId: string
  receivedAt: Date
  version: number
  /** Sensitive parts were left out for a reader without incidents:sensitive. */
  withheld: boolean
  /** Who wrote the version printed. */
  updatedByName: string | null
  /** For the forms the ward chair approves: the approval of the version in force, or null before it. */
  approved?: { at: Date; byName: string | null } | null
  /** The titles of the support plan's goals by code, which the reviews name. */
  goalTitles: Readonly<Record<string, string>>
  printedAt: Date
}

/** How one kind of form prints: its title, the stem of its file name, and its body. */
export interface FormLayout<Content> {
  title: string
  fileName: string
  body(writer: Writer, content: Content, print: PrintedCase): void
}

/** Prints a form: the heading, `title` and the case, then `body`, then the approval or who wrote it. */
export async function printForm(
  print: PrintedCase,
  title: string,
  body: (writer: Writer) => void,
): Promise<Uint8Array> {
  const { PDFDocument, fontkit, black } = await loadPdfLibrary()
  const document = await PDFDocument.create()
  document.registerFontkit(fontkit)
  const files = await fontFiles()
  const writer = new Writer(
    document,
    await document.embedFont(files.regular, { subset: true }),
    await document.embedFont(files.bold, { subset: true }),
    black,
  )
  const heading = title.charAt(0) + title.slice(1).toLowerCase()
  document.setTitle(`${heading} - ${print.caseId}`)
  document.setLanguage('vi-VN')
  document.setCreationDate(print.printedAt)
  document.setModificationDate(print.printedAt)

  const half = lineWidth / 2
  const top = writer.y
  writer.text(`ỦY BAN NHÂN DÂN ${print.wardName.toUpperCase()}`, { bold: true, width: half - 10, center: true })
  const left = writer.y
  writer.y = top
  writer.text('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', { bold: true, x: margin + half, width: half, center: true })
  writer.text('Độc lập - Tự do - Hạnh phúc', { bold: true, x: margin + half, width: half, center: true })
  writer.y = Math.min(writer.y, left)
  writer.gap(20)
  writer.text(title, { bold: true, size: 14, center: true })
  writer.text('(theo Nghị định số 56/2017/NĐ-CP ngày 09/5/2017 của Chính phủ)', { center: true })
  writer.gap(12)
  writer.text(`Mã hồ sơ: ${print.caseId}`)
  writer.text(`Ngày tiếp nhận: ${vietnameseDate(localDateOf(print.receivedAt))}`)
  writer.text(`Phiên bản: ${print.version}`)
  if (print.withheld)
    writer.text('Các nội dung nhạy cảm (người báo tin, lời kể, nhận định, ghi chú) không được in cho người in này.', {
      size: 9,
    })
  writer.gap(10)
  body(writer)
  writer.gap(20)
  if (print.approved !== undefined)
    writer.text(
      print.approved
        ? `Phê duyệt: ${print.approved.byName ?? ''}, Chủ tịch Ủy ban nhân dân ${print.wardName}, ngày ${vietnameseDate(localDateOf(print.approved.at))}`
        : 'Chưa được Chủ tịch Ủy ban nhân dân phê duyệt.',
      { bold: true },
    )
  else writer.text(`Người lập: ${print.updatedByName ?? ''}`, { bold: true })
  writer.gap(30)
  writer.text(`In ngày ${vietnameseDate(localDateOf(print.printedAt))}`, { size: 8 })
  return document.save()
}
