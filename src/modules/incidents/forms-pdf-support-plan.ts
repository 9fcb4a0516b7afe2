import type { SupportPlanContent } from './forms-rules.js'
import { domainNames, responsibleKindNames } from './forms-pdf-labels.js'
import { vietnameseDate, type FormLayout } from './forms-pdf-writer.js'

const widths = [105, 135, 115, 70, 70]

/** The plan's goals and services as a table: what, who is responsible, from when and until when. */
export const supportPlanLayout: FormLayout<SupportPlanContent> = {
  title: 'KẾ HOẠCH HỖ TRỢ, CAN THIỆP',
  fileName: 'ke-hoach-ho-tro',
  body(writer, plan) {
    writer.row(['Mục tiêu', 'Dịch vụ, hoạt động', 'Cơ quan, người thực hiện', 'Bắt đầu', 'Hoàn thành'], widths, true)
    for (const goal of plan.goals)
      goal.actions.forEach((action, index) =>
        writer.row(
          [
            index === 0 ? `${goal.code}. ${goal.title} (${domainNames[goal.domain]})` : '',
            action.service,
            `${action.responsible.name} (${responsibleKindNames[action.responsible.kind]})`,
            vietnameseDate(action.startOn),
            vietnameseDate(action.dueOn),
          ],
          widths,
        ),
      )
    if (plan.notes) {
      writer.gap(10)
      writer.text('Ghi chú:', { bold: true })
      writer.text(plan.notes)
    }
  },
}
