import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { requiredVersion, sendWithEtag } from '../../platform/concurrency.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { scoped } from '../../platform/work.js'
import { addConsent, childConsents, withdrawConsent } from './consent-service.js'
import {
  ChildItemParams,
  ChildParams,
  ConsentListSchema,
  ConsentSchema,
  CreateConsentBody,
  WithdrawConsentBody,
} from './schemas.js'

/** Consents to processing a child's data: the guardian's, and the child's own from 7 (Decree 13/2023). */
export default async function childConsentRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()

  route.get(
    '/v1/children/:id/consents',
    {
      config: { permission: 'registry:read' },
      schema: {
        operationId: 'listChildConsents',
        tags: ['children'],
        summary: "A child's consents, and where each purpose stands today",
        description:
          'Every consent ever recorded, withdrawn ones too, oldest first. `standing` says for each purpose whether the ' +
          'consents needed today are in force: the guardian’s, and the child’s own from the age of 7 (Decree 13/2023, ' +
          'Art. 20). Audited. A reader without registry:statutory gets 403 `consent_required` for a child whose ' +
          'information sharing is not consented to.',
        params: ChildParams,
        response: { 200: ref(ConsentListSchema, 'The consents'), ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => scoped(request, (work) => childConsents(work, request.params.id)),
  )

  route.post(
    '/v1/children/:id/consents',
    {
      config: { permission: 'registry:write', location: true },
      schema: {
        operationId: 'addChildConsent',
        tags: ['children'],
        summary: 'Record a consent given by the guardian or the child, for a purpose, on a day',
        description:
          'A guardian’s consent names their relationship to the child; a child’s own consent can be given from the ' +
          'age of 7 (`child_too_young_to_consent` before). The day may not lie in the future or before the birth. ' +
          'Listed in the child’s history and audited.',
        params: ChildParams,
        body: CreateConsentBody,
        response: { 201: ref(ConsentSchema, 'The consent'), ...problemResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const { id } = request.params
      const consent = await scoped(request, (work) => addConsent(work, id, request.body))
      reply.code(201).header('location', `/v1/children/${id}/consents/${consent.id}`)
      return sendWithEtag(reply, consent.version, consent)
    },
  )

  route.patch(
    '/v1/children/:id/consents/:itemId',
    {
      config: { permission: 'registry:write' },
      schema: {
        operationId: 'withdrawChildConsent',
        tags: ['children'],
        summary: 'Withdraw a consent from a day; If-Match with its version',
        description:
          'The consent stays on record, no longer in force from `withdrawnOn`. A withdrawal is final (409 ' +
          '`consent_already_withdrawn`): consent given again is a new record.',
        params: ChildItemParams,
        body: WithdrawConsentBody,
        response: {
          200: ref(ConsentSchema, 'The consent'),
          ...problemResponses(400, 401, 403, 404, 409, 412, 422, 428),
        },
      },
    },
    async (request, reply) => {
      const expectedVersion = requiredVersion(request)
      const { id, itemId } = request.params
      const consent = await scoped(request, (work) => withdrawConsent(work, id, itemId, request.body, expectedVersion))
      return sendWithEtag(reply, consent.version, consent)
    },
  )
}
