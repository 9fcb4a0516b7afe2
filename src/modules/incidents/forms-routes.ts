import type { FastifyInstance, FastifyReply } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { optionalVersion, requiredVersion, sendWithEtag, staleVersion } from '../../platform/concurrency.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { sendDownload } from '../../platform/export.js'
import { scoped } from '../../platform/work.js'
import { approvedForms, formKinds, type FormContents, type FormKind } from './forms-rules.js'
import { formDefinitions, FormHistorySchema, FormListSchema, formSchemas } from './forms-schemas.js'
import { approveForm, formHistory, formList, readForm, saveForm, formDocument, submitForm } from './forms-service.js'
import { formLayouts } from './forms-pdf.js'
import { IncidentParams } from './schemas.js'

/** What each form's PDF holds besides the heading and the case. */
const printed: Readonly<Record<FormKind, string>> = {
  intake: 'when and how the report came, who reported it and what they said',
  initial_assessment:
    'when it was made, the risk level and criteria, whether the child is safe, the findings and the emergency response (whether within 12 hours of receipt)',
  specific_assessment: 'the needs by domain with their priority, and the conclusion',
  support_plan: 'a table of the goals with their services, who is responsible and the dates, and the notes',
  reviews: 'every review with the progress of each goal of the plan, and its notes',
  closure: 'the reason and date of closure, where the case was transferred, and the detail',
}

const pascal = (path: string) => path.replace(/(^|-)([a-z])/g, (_match, _dash, letter: string) => letter.toUpperCase())

/** The Decree 56 steps' content: a form of each kind per incident, versioned, each printable as a PDF. */
export default async function caseFormRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()

  route.get(
    '/v1/incidents/:id/forms',
    {
      config: { permission: 'incidents:read' },
      schema: {
        operationId: 'listCaseForms',
        tags: ['case forms'],
        summary: 'The forms of a case written so far, with their status and version',
        params: IncidentParams,
        response: { 200: ref(FormListSchema, 'The case’s forms'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => scoped(request, (work) => formList(work, request.params.id)),
  )

  for (const kind of formKinds) {
    const { path, content, title } = formDefinitions[kind]
    const url = `/v1/incidents/:id/forms/${path}`
    const operation = pascal(path)
    const approved = approvedForms.has(kind)

    route.get(
      url,
      {
        config: { permission: 'incidents:read' },
        schema: {
          operationId: `get${operation}Form`,
          tags: ['case forms'],
          summary: `Read ${title} of a case`,
          description: 'Sensitive parts (who reported, the narratives) only with incidents:sensitive. Audited.',
          params: IncidentParams,
          response: { 200: ref(formSchemas[kind], `The ${kind} form`), ...problemResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        const { row, view } = await scoped(request, (work) => readForm(work, request.params.id, kind))
        return sendWithEtag(reply, row.version, view)
      },
    )

    route.put(
      url,
      {
        config: { permission: 'incidents:write', ifMatch: 'to-replace' },
        schema: {
          operationId: `put${operation}Form`,
          tags: ['case forms'],
          summary: `Write ${title} of a case (If-Match to replace it)`,
          description:
            `The whole form: the first version takes no If-Match, each later one the ETag of the version it replaces. ` +
            `It may be written once its step (${kind}) may be recorded, and while the case is open (409 \`form_not_open\`, ` +
            '`case_closed`); its rules answer 422 `invalid_form` with a field code per problem (docs/errors.md). ' +
            'Needs incidents:sensitive as well (403 `sensitive_field_forbidden`): a form is written whole. ' +
            (approved ? 'Any change makes it a draft, to be submitted and approved again. ' : '') +
            'Each version keeps a revision (who, when, which members changed). Audited.',
          params: IncidentParams,
          body: content,
          response: {
            200: ref(formSchemas[kind], `The ${kind} form as stored`),
            ...problemResponses(400, 401, 403, 404, 409, 412, 422, 428),
          },
        },
      },
      async (request, reply) => {
        const { row, view } = await scoped(
          request,
          (work) =>
            saveForm(
              work,
              request.params.id,
              kind,
              request.body as FormContents[typeof kind],
              optionalVersion(request),
            ),
          // Two first versions written at once: the second finds the first stored, as a stale If-Match would.
          { conflicts: { case_forms_incident_kind_idx: () => staleVersion(1) } },
        )
        return sendWithEtag(reply, row.version, view)
      },
    )

    route.get(
      `${url}/revisions`,
      {
        config: { permission: 'incidents:read' },
        schema: {
          operationId: `list${operation}FormRevisions`,
          tags: ['case forms'],
          summary: `Every version of ${title}: who changed which members when (old → new)`,
          description: 'Without incidents:sensitive, changes to sensitive parts are left out. Audited.',
          params: IncidentParams,
          response: {
            200: ref(FormHistorySchema, 'Every revision, oldest first'),
            ...problemResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => scoped(request, (work) => formHistory(work, request.params.id, kind)),
    )

    route.get(
      `${url}.pdf`,
      {
        config: { permission: 'incidents:read' },
        schema: {
          operationId: `get${operation}Pdf`,
          tags: ['case forms'],
          summary: `${title.charAt(0).toUpperCase()}${title.slice(1)} as a filled form in Vietnamese (PDF), to print and sign`,
          description:
            `The state’s heading, the ward’s People’s Committee, the form’s title under Decree 56/2017, the case, then ${printed[kind]}, ` +
            'every coded value in words, dates as dd/mm/yyyy' +
            (approved ? ', and the chair’s approval (or that it is not approved yet)' : ', and who wrote it') +
            '. Its sensitive parts (who reported, the narratives) only with incidents:sensitive; without it the print ' +
            'says they were left out. 404 until the form is written. Each download is audited (incident.form.pdf).',
          params: IncidentParams,
          response: {
            200: {
              description: `The ${kind} form`,
              content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
            },
            ...problemResponses(400, 401, 403, 404),
          },
        },
      },
      // The binary response keeps the type provider from typing the reply; the params are validated all the same.
      async (request, reply: FastifyReply) => {
        const { id } = request.params as { id: string }
        const pdf = await scoped(request, (work) => formDocument(work, id, kind))
        return sendDownload(
          reply,
          { format: 'pdf', filename: `${formLayouts[kind].fileName}-${id}.pdf` },
          Buffer.from(pdf),
        )
      },
    )

    if (!approved) continue

    route.post(
      `${url}/submit`,
      {
        config: { permission: 'incidents:write' },
        schema: {
          operationId: `submit${operation}Form`,
          tags: ['case forms'],
          summary: `Submit ${title} to the ward chair for approval`,
          description:
            (kind === 'support_plan'
              ? 'Records the support_plan step the first time (its Decree 56 deadline is judged by it). '
              : 'The case closes when the chair approves it. ') +
            'The form must be a draft (409 `invalid_form_state`) and still pass its rules (422 `invalid_form`). Audited.',
          params: IncidentParams,
          response: {
            200: ref(formSchemas[kind], `The ${kind} form, submitted`),
            ...problemResponses(400, 401, 403, 404, 409, 412, 422),
          },
        },
      },
      async (request, reply) => {
        const expected = optionalVersion(request)
        const { row, view } = await scoped(request, (work) => submitForm(work, request.params.id, kind, expected))
        return sendWithEtag(reply, row.version, view)
      },
    )

    route.post(
      `${url}/approve`,
      {
        config: { permission: 'plans:approve' },
        schema: {
          operationId: `approve${operation}Form`,
          tags: ['case forms'],
          summary: `Approve ${title}: the ward chair’s`,
          description:
            'Approves the version the chair read (If-Match: 428 without it, 412 when it has moved on); a form changed ' +
            'since it was submitted is a draft again (409 `invalid_form_state`). ' +
            (kind === 'support_plan'
              ? 'The first approval records the plan_approval step. Each approval schedules a review of every action of ' +
                'the plan as a follow-up due on its due date (assigned to the officer the action names), and applies a ' +
                'revision to them: a moved due date or officer, an action removed (docs/casework.md).'
              : 'Records the closure step with the form’s reason, which closes the case.') +
            ' Audited.',
          params: IncidentParams,
          response: {
            200: ref(formSchemas[kind], `The ${kind} form, approved`),
            ...problemResponses(400, 401, 403, 404, 409, 412, 422, 428),
          },
        },
      },
      async (request, reply) => {
        // The chair approves what they read: a plan edited and submitted again since is another version.
        const expected = requiredVersion(request)
        const { row, view } = await scoped(request, (work) => approveForm(work, request.params.id, kind, expected))
        return sendWithEtag(reply, row.version, view)
      },
    )
  }
}
