/**
 * The case forms as scoped work (platform/work.ts): reading, writing (a new version with its revision),
 * submitting and approving, and the filled PDF. Every read and write is audited with the form's kind and
 * version, never its content.
 */
import { staleVersion } from '../../platform/concurrency.js'
import { bodyErrors, conflict, HttpProblem, notFound, unprocessable, type FieldError } from '../../platform/problem.js'
import { refuse, type Refusal, type Work } from '../../platform/work.js'
import { getUnitRow } from '../units/repository.js'
import {
  approvedForms,
  contentChanges,
  formProblems,
  formSteps,
  formWriteRefusal,
  planActions,
  withActionKeys,
  redactChanges,
  withoutSensitive,
  type FormContents,
  type FormContext,
  type FormKind,
  type SupportPlanContent,
} from './forms-rules.js'
import {
  formRevisions,
  getForm,
  insertForm,
  insertFormRevision,
  listForms,
  updateForm,
  type CaseFormRow,
} from './forms-repository.js'
import { formDefinitions } from './forms-schemas.js'
import { formPdf } from './forms-pdf.js'
import { followUpsFromPlan } from './follow-up-plan.js'
import { assigneeProblems } from './follow-ups.js'
import { getIncident, incidentDetails, type IncidentRow } from './repository.js'
import { recordPermittedStep } from './steps.js'
import { canSeeIncidentDetails, doneSteps } from './views.js'

/** A form as the caller may see it (the CaseForm schemas). */
function toFormView(row: CaseFormRow, sensitive: boolean) {
  const stamp = (at: Date | null, byName: string | null, version: number | null) =>
    at && version !== null ? { at: at.toISOString(), byName, version } : null
  return {
    incidentId: row.incidentId,
    step: formSteps[row.kind],
    status: row.status,
    version: row.version,
    content: sensitive ? row.content : withoutSensitive(row.kind, row.content),
    submitted: stamp(row.submittedAt, row.submittedByName, row.submittedVersion),
    approved: stamp(row.approvedAt, row.approvedByName, row.approvedVersion),
    withheld: !sensitive,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    updatedByName: row.updatedByName,
  }
}

export interface PresentedForm {
  row: CaseFormRow
  view: ReturnType<typeof toFormView>
}

const present = (work: Work, row: CaseFormRow): PresentedForm => ({
  row,
  view: toFormView(row, canSeeIncidentDetails(work.principal)),
})

const formAudit = (incident: IncidentRow, kind: FormKind, details: Record<string, unknown> = {}) => ({
  resourceType: 'incident',
  resourceId: incident.id,
  unitCode: incident.wardCode,
  details: { form: kind, ...details },
})

/** The incident a form read is about, or the refusal (audited, committed) of one not in scope. */
async function incidentForRead(work: Work, incidentId: string, kind: FormKind | null, action: string) {
  const incident = await getIncident(work.tx, work.scope, incidentId)
  if (incident) return incident
  await work.audit({
    action,
    resourceType: 'incident',
    resourceId: incidentId,
    outcome: 'not_found',
    details: kind ? { form: kind } : {},
  })
  return refuse(notFound('Incident', incidentId))
}

async function formForRead(
  work: Work,
  incidentId: string,
  kind: FormKind,
  action: string,
): Promise<{ incident: IncidentRow; form: CaseFormRow } | Refusal> {
  const incident = await incidentForRead(work, incidentId, kind, action)
  if (!('id' in incident)) return incident
  const form = await getForm(work.tx, work.scope, incident.id, kind)
  if (!form) {
    await work.audit({ action, outcome: 'not_found', ...formAudit(incident, kind) })
    return refuse(notFound('Form', `${incidentId}/${formDefinitions[kind].path}`))
  }
  return { incident, form }
}

export async function readForm(work: Work, incidentId: string, kind: FormKind): Promise<PresentedForm | Refusal> {
  const found = await formForRead(work, incidentId, kind, 'incident.form.read')
  if (!('form' in found)) return found
  await work.audit({
    action: 'incident.form.read',
    outcome: 'success',
    ...formAudit(found.incident, kind, { version: found.form.version }),
  })
  return present(work, found.form)
}

export async function formList(work: Work, incidentId: string) {
  const incident = await incidentForRead(work, incidentId, null, 'incident.form.list')
  if (!('id' in incident)) return incident
  const rows = await listForms(work.tx, work.scope, incident.id)
  await work.audit({
    action: 'incident.form.list',
    resourceType: 'incident',
    resourceId: incident.id,
    unitCode: incident.wardCode,
    outcome: 'success',
    details: { count: rows.length },
  })
  return {
    items: rows.map((row) => ({
      form: formDefinitions[row.kind].path,
      step: formSteps[row.kind],
      status: row.status,
      version: row.version,
      updatedAt: row.updatedAt.toISOString(),
    })),
  }
}

export async function formHistory(work: Work, incidentId: string, kind: FormKind) {
  const found = await formForRead(work, incidentId, kind, 'incident.form.history')
  if (!('form' in found)) return found
  const rows = await formRevisions(work.tx, work.scope, found.form.id)
  await work.audit({ action: 'incident.form.history', outcome: 'success', ...formAudit(found.incident, kind) })
  const sensitive = canSeeIncidentDetails(work.principal)
  return {
    items: rows.map((row) => ({
      version: row.version,
      action: row.action,
      changes: sensitive ? row.changes : redactChanges(kind, row.changes),
      changedAt: row.changedAt.toISOString(),
      actorName: row.actorName,
    })),
  }
}

/** The case as a form's checks see it: its steps, the plan and the needs assessed. */
async function caseForForm(work: Work, incidentId: string) {
  const incident = await getIncident(work.tx, work.scope, incidentId)
  if (!incident) throw notFound('Incident', incidentId)
  const done = doneSteps((await incidentDetails(work.tx, incident.id)).steps).map((d) => d.step)
  const plan = await getForm(work.tx, work.scope, incident.id, 'support_plan')
  const assessment = await getForm(work.tx, work.scope, incident.id, 'specific_assessment')
  const context: FormContext = {
    receivedAt: incident.receivedAt,
    now: work.now,
    done,
    plan: plan
      ? {
          goalCodes: (plan.content as unknown as SupportPlanContent).goals.map((goal) => goal.code),
          approved: plan.status === 'approved',
        }
      : null,
    assessedDomains: assessment
      ? (assessment.content as unknown as FormContents['specific_assessment']).needs.map((need) => need.domain)
      : null,
  }
  return { incident, context }
}

function assertOpen(kind: FormKind, incident: IncidentRow, context: FormContext): void {
  const refusal = formWriteRefusal(kind, context.done, incident.emergency, incident.status === 'closed')
  if (refusal) throw conflict(refusal.code, refusal.message, { step: formSteps[kind] })
}

/**
 * The officers a plan names as responsible, each checked once: one who may not be given the action's
 * follow-up (not an active officer of the case's ward who may record case work) is refused where named.
 */
async function planOfficerProblems(work: Work, incident: IncidentRow, plan: SupportPlanContent) {
  const checked = new Map<string, Promise<FieldError[]>>()
  const problems: FieldError[] = []
  for (const action of planActions(plan)) {
    if (!action.userId) continue
    if (!checked.has(action.userId)) checked.set(action.userId, assigneeProblems(work, incident, action.userId))
    const pointer = `${action.pointer}/responsible/userId`
    problems.push(...(await checked.get(action.userId)!).map((problem) => ({ ...problem, pointer })))
  }
  return problems
}

async function assertValid<K extends FormKind>(
  work: Work,
  incident: IncidentRow,
  kind: K,
  content: FormContents[K],
  context: FormContext,
): Promise<void> {
  const problems = bodyErrors(formProblems(kind, content, context))
  if (kind === 'support_plan')
    problems.push(...(await planOfficerProblems(work, incident, content as FormContents['support_plan'])))
  if (problems.length > 0) throw unprocessable('invalid_form', `The ${kind} form cannot be saved.`, problems)
}

/**
 * Writes a form whole: the first version without If-Match, each later one at the version it replaces. A
 * change to a form the chair approves makes it a draft again, to be submitted and approved anew. The same
 * content again changes nothing. Writing needs incidents:sensitive too: a form is written whole, so a
 * writer who cannot see its sensitive parts would erase them.
 */
export async function saveForm<K extends FormKind>(
  work: Work,
  incidentId: string,
  kind: K,
  content: FormContents[K],
  expectedVersion: number | undefined,
): Promise<PresentedForm | Refusal> {
  const { now, principal } = work
  if (!canSeeIncidentDetails(principal)) {
    await work.audit({
      action: 'access.denied',
      outcome: 'denied',
      details: { permission: 'incidents:sensitive', form: kind },
    })
    return refuse(
      new HttpProblem(
        403,
        'sensitive_field_forbidden',
        'Writing a case form needs the incidents:sensitive permission.',
        {
          extensions: { requiredPermission: 'incidents:sensitive' },
        },
      ),
    )
  }
  const { incident, context } = await caseForForm(work, incidentId)
  assertOpen(kind, incident, context)
  const current = await getForm(work.tx, work.scope, incident.id, kind)
  if (current && expectedVersion === undefined)
    throw new HttpProblem(428, 'precondition_required', 'The form exists: send If-Match with the ETag of its version.')
  if (expectedVersion !== undefined && current?.version !== expectedVersion) throw staleVersion(current?.version ?? 0)
  await assertValid(work, incident, kind, content, context)
  const stored = (kind === 'support_plan'
    ? withActionKeys(content as FormContents['support_plan'])
    : content) as unknown as Record<string, unknown>
  const changes = contentChanges(current?.content ?? {}, stored)
  if (current && changes.length === 0) return present(work, current)
  const unit = {
    provinceCode: incident.provinceCode,
    wardCode: incident.wardCode,
    residentialGroupCode: incident.residentialGroupCode,
  }
  const written = {
    content: stored,
    status: approvedForms.has(kind) ? ('draft' as const) : ('recorded' as const),
    submittedAt: null,
    submittedByName: null,
    submittedVersion: null,
    updatedAt: now,
    updatedById: principal.id,
    updatedByName: principal.name,
  }
  const row = current
    ? await updateForm(work.tx, work.scope, current.id, current.version, written)
    : await insertForm(work.tx, { ...unit, incidentId: incident.id, kind, ...written, createdAt: now })
  if (!row) throw staleVersion(current?.version ?? 0)
  await insertFormRevision(work.tx, {
    ...unit,
    formId: row.id,
    incidentId: incident.id,
    kind,
    version: row.version,
    action: current ? 'update' : 'create',
    changes,
    changedAt: now,
    actorId: principal.id,
    actorName: principal.name,
    requestId: work.request.id,
  })
  await work.audit({
    action: 'incident.form.write',
    outcome: 'success',
    ...formAudit(incident, kind, { version: row.version, fields: changes.map((change) => change.field) }),
  })
  return present(work, row)
}

async function changeStatus(
  work: Work,
  incident: IncidentRow,
  form: CaseFormRow,
  action: 'submit' | 'approve',
  changes: Partial<CaseFormRow>,
): Promise<CaseFormRow> {
  const row = await updateForm(work.tx, work.scope, form.id, form.version, changes)
  if (!row) throw staleVersion(form.version)
  await insertFormRevision(work.tx, {
    provinceCode: incident.provinceCode,
    wardCode: incident.wardCode,
    residentialGroupCode: incident.residentialGroupCode,
    formId: form.id,
    incidentId: incident.id,
    kind: form.kind,
    version: row.version,
    action,
    changes: [{ field: 'status', from: form.status, to: row.status }],
    changedAt: work.now,
    actorId: work.principal.id,
    actorName: work.principal.name,
    requestId: work.request.id,
  })
  await work.audit({
    action: `incident.form.${action}`,
    outcome: 'success',
    ...formAudit(incident, form.kind, { version: row.version }),
  })
  return row
}

/** A form the chair approves, in the status the action needs (and at the version the caller read, when given). */
async function formInStatus(
  work: Work,
  incidentId: string,
  kind: FormKind,
  expectedVersion: number | undefined,
  status: CaseFormRow['status'],
) {
  const { incident, context } = await caseForForm(work, incidentId)
  assertOpen(kind, incident, context)
  const form = await getForm(work.tx, work.scope, incident.id, kind)
  if (!form) throw notFound('Form', `${incidentId}/${formDefinitions[kind].path}`)
  if (expectedVersion !== undefined && form.version !== expectedVersion) throw staleVersion(form.version)
  if (form.status !== status)
    throw conflict('invalid_form_state', `The ${kind} form is ${form.status}; this needs it ${status}.`, {
      formStatus: form.status,
    })
  return { incident, context, form }
}

/**
 * Puts a plan or a closure before the chair. The plan's submission records the support_plan step (once),
 * which Decree 56 times; a closure is recorded on its approval.
 */
export async function submitForm(
  work: Work,
  incidentId: string,
  kind: FormKind,
  expectedVersion: number | undefined,
): Promise<PresentedForm> {
  const { incident, context, form } = await formInStatus(work, incidentId, kind, expectedVersion, 'draft')
  await assertValid(work, incident, kind, form.content as never, context)
  const row = await changeStatus(work, incident, form, 'submit', {
    status: 'submitted',
    submittedAt: work.now,
    submittedByName: work.principal.name,
    submittedVersion: form.version + 1,
    updatedAt: work.now,
    updatedById: work.principal.id,
    updatedByName: work.principal.name,
  })
  // The route's permission (incidents:write) is the step's own.
  if (kind === 'support_plan' && !context.done.includes('support_plan'))
    await recordPermittedStep(work, incident.id, { step: 'support_plan' })
  return present(work, row)
}

/**
 * The chair's approval of the version submitted (any change since makes the form a draft again). It
 * records the plan_approval step the first time a plan is approved, and the closure step with the form's
 * reason, which closes the case.
 */
export async function approveForm(
  work: Work,
  incidentId: string,
  kind: FormKind,
  expectedVersion: number | undefined,
): Promise<PresentedForm> {
  const { incident, context, form } = await formInStatus(work, incidentId, kind, expectedVersion, 'submitted')
  await assertValid(work, incident, kind, form.content as never, context)
  const row = await changeStatus(work, incident, form, 'approve', {
    status: 'approved',
    approvedAt: work.now,
    approvedById: work.principal.id,
    approvedByName: work.principal.name,
    approvedVersion: form.version,
    updatedAt: work.now,
    updatedById: work.principal.id,
    updatedByName: work.principal.name,
  })
  if (kind === 'support_plan') {
    if (!context.done.includes('plan_approval')) await recordPermittedStep(work, incident.id, { step: 'plan_approval' })
    await followUpsFromPlan(work, incident, form.content as unknown as SupportPlanContent, form.version)
  }
  if (kind === 'closure') {
    const closure = form.content as unknown as FormContents['closure']
    await recordPermittedStep(work, incident.id, { step: 'closure', closureReason: closure.reason })
  }
  return present(work, row)
}

/** A form as a filled Vietnamese PDF form; its sensitive parts only for incidents:sensitive. */
export async function formDocument(work: Work, incidentId: string, kind: FormKind): Promise<Uint8Array | Refusal> {
  const found = await formForRead(work, incidentId, kind, 'incident.form.pdf')
  if (!('form' in found)) return found
  const { incident, form } = found
  const ward = await getUnitRow(work.tx, incident.wardCode)
  const plan = kind === 'reviews' ? await getForm(work.tx, work.scope, incident.id, 'support_plan') : undefined
  await work.audit({
    action: 'incident.form.pdf',
    outcome: 'success',
    ...formAudit(incident, kind, { version: form.version }),
  })
  const sensitive = canSeeIncidentDetails(work.principal)
  const content = sensitive ? form.content : withoutSensitive(kind, form.content)
  return formPdf(kind, content as unknown as FormContents[typeof kind], {
    wardName: ward?.nameVi ?? incident.wardCode,
    caseId: incident.id,
    receivedAt: incident.receivedAt,
    version: form.version,
    withheld: !sensitive,
    updatedByName: form.updatedByName,
    ...(approvedForms.has(kind)
      ? {
          approved:
            form.status === 'approved' && form.approvedAt ? { at: form.approvedAt, byName: form.approvedByName } : null,
        }
      : {}),
    goalTitles: Object.fromEntries(
      ((plan?.content as unknown as SupportPlanContent | undefined)?.goals ?? []).map((goal) => [
        goal.code,
        goal.title,
      ]),
    ),
    printedAt: work.now,
  })
}
