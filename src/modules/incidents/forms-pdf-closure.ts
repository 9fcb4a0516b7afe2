import type { ClosureContent } from './forms-rules.js'
import { closureReasonNames } from './forms-pdf-labels.js'
import { vietnameseDate, type FormLayout } from './forms-pdf-writer.js'

/** Why and when the ward ends its management of the case, for the chair to approve. */
export const closureLayout: FormLayout<ClosureContent> = {
  title: 'KẾT THÚC QUẢN LÝ TRƯỜNG HỢP TRẺ EM',
  fileName: 'ket-thuc',
  body(writer, closure) {
    writer.field('Lý do kết thúc', closureReasonNames[closure.reason])
    writer.field('Ngày kết thúc', vietnameseDate(closure.closedOn))
    if (closure.transferredTo) writer.field('Chuyển đến', closure.transferredTo)
    if (closure.detail) writer.field('Chi tiết', closure.detail)
  },
}
