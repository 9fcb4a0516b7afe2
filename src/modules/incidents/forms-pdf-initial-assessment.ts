import { emergencyResponseOnTime, type InitialAssessmentContent } from './forms-rules.js'
import { emergencyActionNames, riskCriterionNames, riskLevelNames } from './forms-pdf-labels.js'
import { vietnameseInstant, yesNo, type FormLayout } from './forms-pdf-writer.js'

/** The initial assessment of the risk to the child, and the emergency response it called for. */
export const initialAssessmentLayout: FormLayout<InitialAssessmentContent> = {
  title: 'BIÊN BẢN ĐÁNH GIÁ BAN ĐẦU NGUY CƠ ĐỐI VỚI TRẺ EM',
  fileName: 'danh-gia-ban-dau',
  body(writer, assessment, print) {
    writer.field('Thời điểm đánh giá', vietnameseInstant(assessment.assessedAt))
    writer.field('Mức độ nguy cơ', riskLevelNames[assessment.riskLevel])
    writer.field(
      'Tiêu chí nguy cơ',
      assessment.riskCriteria.length > 0
        ? assessment.riskCriteria.map((code) => `- ${riskCriterionNames[code]}`).join('\n')
        : 'Không có',
    )
    writer.field('Trẻ em hiện đã an toàn', yesNo(assessment.childSafeNow))
    if (assessment.findings) writer.field('Nhận định', assessment.findings)
    const response = assessment.emergencyResponse
    writer.field('Cần can thiệp khẩn cấp', yesNo(response.needed))
    if (response.respondedAt) {
      writer.field('Thời điểm bảo vệ trẻ em', vietnameseInstant(response.respondedAt))
      writer.field(
        'Trong 12 giờ kể từ khi tiếp nhận',
        yesNo(emergencyResponseOnTime(print.receivedAt, response.respondedAt) === true),
      )
    }
    if (response.actions && response.actions.length > 0)
      writer.field(
        'Biện pháp đã thực hiện',
        response.actions.map((code) => `- ${emergencyActionNames[code]}`).join('\n'),
      )
    if (response.note) writer.field('Ghi chú về can thiệp khẩn cấp', response.note)
  },
}
