import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { requiredVersion, sendWithEtag } from '../../platform/concurrency.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { scoped } from '../../platform/work.js'
import { addCard, addCare, addCircumstance, changeCare, changeCircumstance } from './parts-service.js'
import {
  CareRecordSchema,
  ChildItemParams,
  ChildParams,
  CircumstanceSchema,
  CreateCardBody,
  CreateCareBody,
  CreateCircumstanceBody,
  HealthInsuranceCardSchema,
  UpdateCareBody,
  UpdateCircumstanceBody,
} from './schemas.js'

/** The parts of a child's file: special-circumstance memberships, care records, health insurance cards. */
export default async function childPartsRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()

  route.post(
    '/v1/children/:id/circumstances',
    {
      config: { permission: 'registry:write', location: true },
      schema: {
        operationId: 'addChildCircumstance',
        tags: ['children'],
        summary: 'Record a special-circumstance group (or a risk) for a child, from a date',
        description:
          'Sensitive groups (d, đ, e, g, i, l, m, n) need registry:sensitive. The history keeps every membership with its dates.',
        params: ChildParams,
        body: CreateCircumstanceBody,
        response: { 201: ref(CircumstanceSchema, 'The membership'), ...problemResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const { id } = request.params
      const membership = await scoped(request, (work) => addCircumstance(work, id, request.body))
      reply.code(201).header('location', `/v1/children/${id}/circumstances/${membership.id}`)
      return sendWithEtag(reply, membership.version, membership)
    },
  )

  route.patch(
    '/v1/children/:id/circumstances/:itemId',
    {
      config: { permission: 'registry:write' },
      schema: {
        operationId: 'updateChildCircumstance',
        tags: ['children'],
        summary: 'End a membership (endDate, endReason) or correct its note; If-Match with its version',
        params: ChildItemParams,
        body: UpdateCircumstanceBody,
        response: {
          200: ref(CircumstanceSchema, 'The membership'),
          ...problemResponses(400, 401, 403, 404, 412, 422, 428),
        },
      },
    },
    async (request, reply) => {
      const expectedVersion = requiredVersion(request)
      const { id, itemId } = request.params
      const membership = await scoped(request, (work) =>
        changeCircumstance(work, id, itemId, request.body, expectedVersion),
      )
      return sendWithEtag(reply, membership.version, membership)
    },
  )

  route.post(
    '/v1/children/:id/care',
    {
      config: { permission: 'registry:write', location: true },
      schema: {
        operationId: 'addChildCare',
        tags: ['children'],
        summary: 'Record care or support a child receives (allowance, insurance, alternative care, counselling…)',
        description:
          'This is what the "≥ 90% of special-circumstance children cared for" target counts. A note needs registry:sensitive.',
        params: ChildParams,
        body: CreateCareBody,
        response: { 201: ref(CareRecordSchema, 'The care record'), ...problemResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const { id } = request.params
      const care = await scoped(request, (work) => addCare(work, id, request.body))
      reply.code(201).header('location', `/v1/children/${id}/care/${care.id}`)
      return sendWithEtag(reply, care.version, care)
    },
  )

  route.patch(
    '/v1/children/:id/care/:itemId',
    {
      config: { permission: 'registry:write' },
      schema: {
        operationId: 'updateChildCare',
        tags: ['children'],
        summary: 'End or correct a care record; If-Match with its version',
        params: ChildItemParams,
        body: UpdateCareBody,
        response: {
          200: ref(CareRecordSchema, 'The care record'),
          ...problemResponses(400, 401, 403, 404, 412, 422, 428),
        },
      },
    },
    async (request, reply) => {
      const expectedVersion = requiredVersion(request)
      const { id, itemId } = request.params
      const care = await scoped(request, (work) => changeCare(work, id, itemId, request.body, expectedVersion))
      return sendWithEtag(reply, care.version, care)
    },
  )

  route.post(
    '/v1/children/:id/health-insurance',
    {
      config: { permission: 'registry:write' },
      schema: {
        operationId: 'addChildHealthInsuranceCard',
        tags: ['children'],
        summary: 'Record a health insurance (BHYT) card',
        description:
          'Without validTo, a card of a child under 6 runs to the Decree 146/2018 expiry: 30 September of the year the child ' +
          'turns 72 months when that comes before 30 September, else the last day of the month the child turns 72 months.',
        params: ChildParams,
        body: CreateCardBody,
        response: { 201: ref(HealthInsuranceCardSchema, 'The card'), ...problemResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const card = await scoped(request, (work) => addCard(work, request.params.id, request.body))
      reply.code(201)
      return card
    },
  )
}
