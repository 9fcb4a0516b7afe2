import type { SpecificAssessmentContent } from './forms-rules.js'
import { domainNames, priorityNames } from './forms-pdf-labels.js'
import { lineWidth, vietnameseDate, type FormLayout } from './forms-pdf-writer.js'

const widths = [120, 90, lineWidth - 210]

/** The child's needs, domain by domain, that the support plan answers. */
export const specificAssessmentLayout: FormLayout<SpecificAssessmentContent> = {
  title: 'BÁO CÁO ĐÁNH GIÁ NHU CẦU CỦA TRẺ EM',
  fileName: 'danh-gia-nhu-cau',
  body(writer, assessment) {
    writer.field('Ngày đánh giá', vietnameseDate(assessment.assessedOn))
    writer.gap(10)
    writer.row(['Lĩnh vực', 'Mức độ ưu tiên', 'Nhu cầu'], widths, true)
    for (const need of assessment.needs)
      writer.row([domainNames[need.domain], priorityNames[need.priority], need.description ?? ''], widths)
    if (assessment.summary) {
      writer.gap(10)
      writer.text('Kết luận:', { bold: true })
      writer.text(assessment.summary)
    }
  },
}
