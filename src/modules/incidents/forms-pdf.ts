/**
 * Each case form as the filled paper form a ward keeps and signs (forms-pdf-writer.ts), laid out by kind
 * (forms-pdf-*.ts).
 */
import type { FormContents, FormKind } from './forms-rules.js'
import { closureLayout } from './forms-pdf-closure.js'
import { initialAssessmentLayout } from './forms-pdf-initial-assessment.js'
import { intakeLayout } from './forms-pdf-intake.js'
import { reviewsLayout } from './forms-pdf-reviews.js'
import { specificAssessmentLayout } from './forms-pdf-specific-assessment.js'
import { supportPlanLayout } from './forms-pdf-support-plan.js'
import { printForm, type FormLayout, type PrintedCase } from './forms-pdf-writer.js'

export const formLayouts: { readonly [Kind in FormKind]: FormLayout<FormContents[Kind]> } = {
  intake: intakeLayout,
  initial_assessment: initialAssessmentLayout,
  specific_assessment: specificAssessmentLayout,
  support_plan: supportPlanLayout,
  reviews: reviewsLayout,
  closure: closureLayout,
}

/** The form printed as a PDF, from its content as the reader may see it. */
export function formPdf<K extends FormKind>(
  kind: K,
  content: FormContents[K],
  print: PrintedCase,
): Promise<Uint8Array> {
  const layout = formLayouts[kind] as FormLayout<FormContents[K]>
  return printForm(print, layout.title, (writer) => layout.body(writer, content, print))
}
