/**
 * The support plan as the filled paper form a ward keeps and signs: the state's heading, the ward, the case,
 * the plan's goals and services as a table, and the chair's approval. DejaVu Sans is embedded (subset)
 * because the standard PDF fonts have no Vietnamese letters.
 */
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import fontkit from '@pdf-lib/fontkit'
import { PDFDocument, rgb, type PDFFont, type PDFPage } from 'pdf-lib'
import { localDateOf } from '../calendar/rules.js'
import type { SupportPlanContent } from './forms-rules.js'

const require = createRequire(import.meta.url)
let fonts: Promise<{ regular: Uint8Array; bold: Uint8Array }> | undefined

function fontFiles() {
  fonts ??= Promise.all([
    readFile(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')),
    readFile(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')),
  ]).then(([regular, bold]) => ({ regular, bold }))
  return fonts
}

/** dd/mm/yyyy, as Vietnamese forms write dates. */
const vietnameseDate = (day: string) => day.split('-').reverse().join('/')

const domainNames: Record<SupportPlanContent['goals'][number]['domain'], string> = {
  safety: 'An toàn',
  health: 'Sức khỏe',
  education: 'Giáo dục',
  family: 'Gia đình',
  psychosocial: 'Tâm lý - xã hội',
  legal: 'Pháp lý',
  economic: 'Kinh tế',
  care: 'Chăm sóc thay thế',
}

const pageSize: [number, number] = [595.28, 841.89]
const margin = 50
const black = rgb(0, 0, 0)

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

class Writer {
  page: PDFPage
  y: number
  constructor(
    private readonly document: PDFDocument,
    readonly regular: PDFFont,
    readonly bold: PDFFont,
  ) {
    this.page = document.addPage(pageSize)
    this.y = pageSize[1] - margin
  }

  /** Room for `height` more points on this page, or a new page. */
  room(height: number): void {
    if (this.y - height >= margin) return
    this.page = this.document.addPage(pageSize)
    this.y = pageSize[1] - margin
  }

  text(value: string, options: { size?: number; bold?: boolean; x?: number; width?: number; center?: boolean } = {}) {
    const size = options.size ?? 10
    const font = options.bold ? this.bold : this.regular
    const x = options.x ?? margin
    const width = options.width ?? pageSize[0] - 2 * margin
    for (const line of wrap(value, font, size, width)) {
      this.room(size * 1.4)
      const shift = options.center ? (width - font.widthOfTextAtSize(line, size)) / 2 : 0
      this.page.drawText(line, { x: x + shift, y: this.y - size, size, font, color: black })
      this.y -= size * 1.4
    }
  }

  gap(points: number) {
    this.y -= points
  }

  /** A table row: each cell's text wrapped to its column, the row as tall as its tallest cell, ruled. */
  row(cells: readonly string[], widths: readonly number[], bold = false) {
    const size = 9
    const font = bold ? this.bold : this.regular
    const padded = cells.map((cell, i) => wrap(cell, font, size, widths[i]! - 6))
    const height = Math.max(...padded.map((lines) => lines.length)) * size * 1.3 + 6
    this.room(height)
    let x = margin
    padded.forEach((lines, i) => {
      this.page.drawRectangle({
        x,
        y: this.y - height,
        width: widths[i]!,
        height,
        borderColor: black,
        borderWidth: 0.5,
      })
      lines.forEach((line, l) =>
        this.page.drawText(line, { x: x + 3, y: this.y - 3 - size - l * size * 1.3, size, font, color: black }),
      )
      x += widths[i]!
    })
    this.y -= height
  }
}

export interface SupportPlanPrint {
  wardName: string
  caseId: string
  receivedAt: Date
  version: number
  plan: SupportPlanContent
  approved: { at: Date; byName: string | null } | null
  printedAt: Date
}

export async function supportPlanPdf(print: SupportPlanPrint): Promise<Uint8Array> {
  const document = await PDFDocument.create()
  document.registerFontkit(fontkit)
  const files = await fontFiles()
  const writer = new Writer(
    document,
    await document.embedFont(files.regular, { subset: true }),
    await document.embedFont(files.bold, { subset: true }),
  )
  document.setTitle(`Kế hoạch hỗ trợ, can thiệp - ${print.caseId}`)
  document.setLanguage('vi-VN')
  document.setCreationDate(print.printedAt)
  document.setModificationDate(print.printedAt)

  const half = (pageSize[0] - 2 * margin) / 2
  const top = writer.y
  writer.text(`ỦY BAN NHÂN DÂN ${print.wardName.toUpperCase()}`, { bold: true, width: half - 10, center: true })
  const left = writer.y
  writer.y = top
  writer.text('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', { bold: true, x: margin + half, width: half, center: true })
  writer.text('Độc lập - Tự do - Hạnh phúc', { bold: true, x: margin + half, width: half, center: true })
  writer.y = Math.min(writer.y, left)
  writer.gap(20)
  writer.text('KẾ HOẠCH HỖ TRỢ, CAN THIỆP', { bold: true, size: 14, center: true })
  writer.text('(theo Nghị định số 56/2017/NĐ-CP ngày 09/5/2017 của Chính phủ)', { center: true })
  writer.gap(12)
  writer.text(`Mã hồ sơ: ${print.caseId}`)
  writer.text(`Ngày tiếp nhận: ${vietnameseDate(localDateOf(print.receivedAt))}`)
  writer.text(`Phiên bản kế hoạch: ${print.version}`)
  writer.gap(10)

  const widths = [105, 135, 115, 70, 70]
  writer.row(['Mục tiêu', 'Dịch vụ, hoạt động', 'Cơ quan, người thực hiện', 'Bắt đầu', 'Hoàn thành'], widths, true)
  for (const goal of print.plan.goals) {
    goal.actions.forEach((action, index) =>
      writer.row(
        [
          index === 0 ? `${goal.code}. ${goal.title} (${domainNames[goal.domain]})` : '',
          action.service,
          `${action.responsible.name} (${action.responsible.kind === 'agency' ? 'cơ quan' : 'cá nhân'})`,
          vietnameseDate(action.startOn),
          vietnameseDate(action.dueOn),
        ],
        widths,
      ),
    )
  }
  if (print.plan.notes) {
    writer.gap(10)
    writer.text('Ghi chú:', { bold: true })
    writer.text(print.plan.notes)
  }
  writer.gap(20)
  writer.text(
    print.approved
      ? `Phê duyệt: ${print.approved.byName ?? ''}, Chủ tịch Ủy ban nhân dân ${print.wardName}, ngày ${vietnameseDate(localDateOf(print.approved.at))}`
      : 'Chưa được Chủ tịch Ủy ban nhân dân phê duyệt.',
    { bold: true },
  )
  writer.gap(30)
  writer.text(`In ngày ${vietnameseDate(localDateOf(print.printedAt))}`, { size: 8 })
  return document.save()
}
