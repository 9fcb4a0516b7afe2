import type { ReviewsContent } from './forms-rules.js'
import { progressNames } from './forms-pdf-labels.js'
import { lineWidth, vietnameseDate, type FormLayout } from './forms-pdf-writer.js'

const widths = [170, 100, lineWidth - 270]

/** Every review of the plan's implementation: the progress of each goal, and what was seen. */
export const reviewsLayout: FormLayout<ReviewsContent> = {
  title: 'THEO DÕI, ĐÁNH GIÁ VIỆC THỰC HIỆN KẾ HOẠCH HỖ TRỢ, CAN THIỆP',
  fileName: 'theo-doi-danh-gia',
  body(writer, { reviews }, print) {
    reviews.forEach((review, index) => {
      if (index > 0) writer.gap(12)
      writer.text(`Lần theo dõi ${index + 1}: ngày ${vietnameseDate(review.reviewedOn)}`, { bold: true })
      writer.gap(4)
      if (review.progress.length > 0) {
        writer.row(['Mục tiêu', 'Tiến độ', 'Ghi nhận'], widths, true)
        for (const entry of review.progress) {
          const title = print.goalTitles[entry.goalCode]
          writer.row(
            [title ? `${entry.goalCode}. ${title}` : entry.goalCode, progressNames[entry.status], entry.note ?? ''],
            widths,
          )
        }
      }
      if (review.notes) writer.text(`Ghi chú: ${review.notes}`)
    })
  },
}
