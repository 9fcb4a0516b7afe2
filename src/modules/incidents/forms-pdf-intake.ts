import type { IntakeContent } from './forms-rules.js'
import { channelNames } from './forms-pdf-labels.js'
import { vietnameseInstant, yesNo, type FormLayout } from './forms-pdf-writer.js'

/** The record of a report received: when, how and from whom, and what was said. */
export const intakeLayout: FormLayout<IntakeContent> = {
  title: 'PHIẾU TIẾP NHẬN THÔNG TIN, THÔNG BÁO, TỐ GIÁC',
  fileName: 'phieu-tiep-nhan',
  body(writer, intake) {
    writer.field('Thời điểm tiếp nhận', vietnameseInstant(intake.receivedAt))
    writer.field('Nguồn tiếp nhận', channelNames[intake.channel])
    if (intake.channelDetail) writer.field('Chi tiết nguồn tiếp nhận', intake.channelDetail)
    const reporter = intake.reporter
    if (reporter) {
      writer.field('Người báo tin ẩn danh', yesNo(reporter.anonymous))
      if (reporter.name) writer.field('Họ và tên người báo tin', reporter.name)
      if (reporter.phone) writer.field('Số điện thoại', reporter.phone)
      if (reporter.relationship) writer.field('Quan hệ với trẻ em', reporter.relationship)
    }
    if (intake.account) writer.field('Nội dung thông tin, thông báo, tố giác', intake.account)
  },
}
