import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { requiredVersion, sendWithEtag } from '../../platform/concurrency.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { scoped } from '../../platform/work.js'
import {
  CancelFollowUpBody,
  CompleteFollowUpBody,
  CreateFollowUpBody,
  FollowUpListQuery,
  FollowUpPageSchema,
  FollowUpParams,
  FollowUpSchema,
  RescheduleFollowUpBody,
  UpdateFollowUpBody,
} from './follow-up-schemas.js'
import {
  cancelFollowUp,
  changeFollowUp,
  completeFollowUp,
  followUpPage,
  readFollowUp,
  rescheduleFollowUp,
  scheduleFollowUp,
} from './follow-ups.js'
import { IncidentParams } from './schemas.js'

const notes =
  '`note` and `outcomeNote` are sensitive: written and shown only with incidents:sensitive (403 `sensitive_field_forbidden`).'

/** Follow-ups of a case: visits, calls and reviews due on a day, with due-soon and overdue events (docs/casework.md). */
export default async function followUpRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()

  route.post(
    '/v1/incidents/:id/follow-ups',
    {
      config: { permission: 'incidents:write', location: true, idempotent: true },
      schema: {
        operationId: 'scheduleFollowUp',
        tags: ['incidents'],
        summary: 'Schedule a home visit, phone call, school visit or review of an open case',
        description:
          'Due on a local day from today, within a year (`due_date_past`, `due_date_too_far`). The assignee is an active ' +
          'officer whose units cover the case’s ward and who may record case work (`invalid_assignee`); without one, ' +
          'the follow-up is on the task list of every officer of the ward. A closed case takes none (409 `case_closed`). ' +
          `${notes} Accepts Idempotency-Key.`,
        params: IncidentParams,
        body: CreateFollowUpBody,
        response: { 201: ref(FollowUpSchema, 'The follow-up'), ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const { id } = request.params
      const followUp = await scoped(request, (work) => scheduleFollowUp(work, id, request.body))
      reply.code(201).header('location', `/v1/incidents/${id}/follow-ups/${followUp.id}`)
      return sendWithEtag(reply, followUp.version, followUp)
    },
  )

  route.get(
    '/v1/incidents/:id/follow-ups',
    {
      config: { permission: 'incidents:read' },
      schema: {
        operationId: 'listFollowUps',
        tags: ['incidents'],
        summary: 'A case’s follow-ups, by due date',
        description: `Every follow-up of the case, or those of one \`status\`. ${notes}`,
        params: IncidentParams,
        querystring: FollowUpListQuery,
        response: { 200: ref(FollowUpPageSchema, 'A page of follow-ups'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => scoped(request, (work) => followUpPage(work, request.params.id, request.query)),
  )

  route.get(
    '/v1/incidents/:id/follow-ups/:followUpId',
    {
      config: { permission: 'incidents:read' },
      schema: {
        operationId: 'getFollowUp',
        tags: ['incidents'],
        summary: 'A follow-up of a case',
        description: notes,
        params: FollowUpParams,
        response: { 200: ref(FollowUpSchema, 'The follow-up'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const followUp = await scoped(request, (work) => readFollowUp(work, ids(request.params)))
      return sendWithEtag(reply, followUp.version, followUp)
    },
  )

  route.patch(
    '/v1/incidents/:id/follow-ups/:followUpId',
    {
      config: { permission: 'incidents:write' },
      schema: {
        operationId: 'updateFollowUp',
        tags: ['incidents'],
        summary: 'Reassign a scheduled follow-up or change its note (If-Match required)',
        description:
          '`assigneeId: null` leaves it to every officer of the ward. A completed or cancelled follow-up no longer ' +
          `changes (409 \`follow_up_closed\`). ${notes}`,
        params: FollowUpParams,
        body: UpdateFollowUpBody,
        response: {
          200: ref(FollowUpSchema, 'The follow-up'),
          ...problemResponses(400, 401, 403, 404, 409, 412, 422, 428),
        },
      },
    },
    async (request, reply) => {
      const expectedVersion = requiredVersion(request)
      const followUp = await scoped(request, (work) =>
        changeFollowUp(work, ids(request.params), request.body, expectedVersion),
      )
      return sendWithEtag(reply, followUp.version, followUp)
    },
  )

  route.post(
    '/v1/incidents/:id/follow-ups/:followUpId/complete',
    {
      config: { permission: 'incidents:write' },
      schema: {
        operationId: 'completeFollowUp',
        tags: ['incidents'],
        summary: 'Record that a follow-up took place, with its outcome (If-Match required)',
        description:
          '`completedOn` (default today) may not lie in the future (`date_in_future`) or before the case was received ' +
          `(\`before_case\`). ${notes}`,
        params: FollowUpParams,
        body: CompleteFollowUpBody,
        response: {
          200: ref(FollowUpSchema, 'The completed follow-up'),
          ...problemResponses(400, 401, 403, 404, 409, 412, 422, 428),
        },
      },
    },
    async (request, reply) => {
      const expectedVersion = requiredVersion(request)
      const followUp = await scoped(request, (work) =>
        completeFollowUp(work, ids(request.params), request.body, expectedVersion),
      )
      return sendWithEtag(reply, followUp.version, followUp)
    },
  )

  route.post(
    '/v1/incidents/:id/follow-ups/:followUpId/reschedule',
    {
      config: { permission: 'incidents:write' },
      schema: {
        operationId: 'rescheduleFollowUp',
        tags: ['incidents'],
        summary: 'Move a follow-up to another day, with the reason (If-Match required)',
        description:
          'The new due date is another day (`same_due_date`), from today and within a year. Its due-soon and overdue ' +
          'events are raised again, once, for the new date.',
        params: FollowUpParams,
        body: RescheduleFollowUpBody,
        response: {
          200: ref(FollowUpSchema, 'The rescheduled follow-up'),
          ...problemResponses(400, 401, 403, 404, 409, 412, 422, 428),
        },
      },
    },
    async (request, reply) => {
      const expectedVersion = requiredVersion(request)
      const followUp = await scoped(request, (work) =>
        rescheduleFollowUp(work, ids(request.params), request.body, expectedVersion),
      )
      return sendWithEtag(reply, followUp.version, followUp)
    },
  )

  route.post(
    '/v1/incidents/:id/follow-ups/:followUpId/cancel',
    {
      config: { permission: 'incidents:write' },
      schema: {
        operationId: 'cancelFollowUp',
        tags: ['incidents'],
        summary: 'Cancel a follow-up no longer needed, with the reason (If-Match required)',
        params: FollowUpParams,
        body: CancelFollowUpBody,
        response: {
          200: ref(FollowUpSchema, 'The cancelled follow-up'),
          ...problemResponses(400, 401, 403, 404, 409, 412, 428),
        },
      },
    },
    async (request, reply) => {
      const expectedVersion = requiredVersion(request)
      const followUp = await scoped(request, (work) =>
        cancelFollowUp(work, ids(request.params), request.body, expectedVersion),
      )
      return sendWithEtag(reply, followUp.version, followUp)
    },
  )
}

function ids(params: { id: string; followUpId: string }) {
  return { incidentId: params.id, followUpId: params.followUpId }
}
