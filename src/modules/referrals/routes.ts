import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { optionalVersion, sendWithEtag } from '../../platform/concurrency.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { scoped } from '../../platform/work.js'
import { IncidentParams } from '../incidents/schemas.js'
import { answerReferral, inboxPage, inboxReferral } from './inbox.js'
import {
  CloseReferralBody,
  CreateReferralBody,
  DeclineBody,
  FeedbackBody,
  ListProviderReferralsQuery,
  ListReferralsQuery,
  ProviderReferralPageSchema,
  ProviderReferralSchema,
  ReferralPageSchema,
  ReferralParams,
  ReferralSchema,
} from './schemas.js'
import { closeReferral, readReferral, referralPage, sendReferral } from './service.js'

const clockDescription =
  'The provider must answer (accept or decline) within the response clock: 12 hours for an emergency, 24 hours ' +
  'when urgent, 3 working days when routine (the working calendar); past it the referral is `overdue` and ' +
  '`referral.overdue` goes out once.'

export default async function referralRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()

  route.post(
    '/v1/incidents/:id/referrals',
    {
      config: { permission: 'incidents:write', location: true, idempotent: true },
      schema: {
        operationId: 'createReferral',
        tags: ['incidents'],
        summary: 'Refer a child of a case to a provider of the service directory',
        description:
          'The provider must be active, serve the case’s ward and offer every service asked. The referral shares the ' +
          'child’s name and age, the ask and the urgency with the provider, so it needs the guardian’s consent and, ' +
          'from 7, the child’s own (422 consent_required), unless an `emergencyReason` is given. ' +
          clockDescription +
          ' Accepts Idempotency-Key.',
        params: IncidentParams,
        body: CreateReferralBody,
        response: {
          201: ref(ReferralSchema, 'The referral'),
          ...problemResponses(400, 401, 403, 404, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const { row, view } = await scoped(request, (work) => sendReferral(work, request.params.id, request.body))
      reply.code(201).header('location', `/v1/referrals/${row.id}`)
      return sendWithEtag(reply, row.version, view)
    },
  )

  route.get(
    '/v1/referrals',
    {
      config: { permission: 'incidents:read' },
      schema: {
        operationId: 'listReferrals',
        tags: ['incidents'],
        summary: 'Referrals of the cases in your units, newest first',
        description: '`overdue=true` keeps those still unanswered past their response clock.',
        querystring: ListReferralsQuery,
        response: { 200: ref(ReferralPageSchema, 'A page of referrals'), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => scoped(request, (work) => referralPage(work, request.query)),
  )

  route.get(
    '/v1/referrals/:id',
    {
      config: { permission: 'incidents:read' },
      schema: {
        operationId: 'getReferral',
        tags: ['incidents'],
        summary: 'A referral of a case in your units, with the provider’s answer',
        params: ReferralParams,
        response: { 200: ref(ReferralSchema, 'The referral'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { row, view } = await scoped(request, (work) => readReferral(work, request.params.id))
      return sendWithEtag(reply, row.version, view)
    },
  )

  route.post(
    '/v1/referrals/:id/close',
    {
      config: { permission: 'incidents:write' },
      schema: {
        operationId: 'closeReferral',
        tags: ['incidents'],
        summary: 'Close a referral once answered, or withdraw one still waiting',
        description: 'A closed referral takes no further action (409 referral_transition_not_allowed).',
        params: ReferralParams,
        body: CloseReferralBody,
        response: {
          200: ref(ReferralSchema, 'The closed referral'),
          ...problemResponses(400, 401, 403, 404, 409, 412),
        },
      },
    },
    async (request, reply) => {
      const expectedVersion = optionalVersion(request)
      const { row, view } = await scoped(request, (work) =>
        closeReferral(work, request.params.id, request.body, expectedVersion),
      )
      return sendWithEtag(reply, row.version, view)
    },
  )

  route.get(
    '/v1/provider/referrals',
    {
      config: { permission: 'referrals:respond' },
      schema: {
        operationId: 'listProviderReferrals',
        tags: ['incidents'],
        summary: 'For a provider’s client: the referrals addressed to its provider, newest first',
        description:
          'Each shows the ask, the urgency and the child’s name and age; never the case. ' +
          'A client not registered for a provider answers 403 not_a_provider_client.',
        querystring: ListProviderReferralsQuery,
        response: {
          200: ref(ProviderReferralPageSchema, 'A page of referrals'),
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (request) => scoped(request, (work) => inboxPage(work, request.query)),
  )

  route.get(
    '/v1/provider/referrals/:id',
    {
      config: { permission: 'referrals:respond' },
      schema: {
        operationId: 'getProviderReferral',
        tags: ['incidents'],
        summary: 'For a provider’s client: a referral addressed to its provider',
        description: 'A referral addressed to another provider answers 404, as a missing one does.',
        params: ReferralParams,
        response: { 200: ref(ProviderReferralSchema, 'The referral'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const view = await scoped(request, (work) => inboxReferral(work, request.params.id))
      return sendWithEtag(reply, view.version, view)
    },
  )

  const answerResponses = {
    200: ref(ProviderReferralSchema, 'The referral with the answer'),
    ...problemResponses(400, 401, 403, 404, 409, 412),
  }

  route.post(
    '/v1/provider/referrals/:id/accept',
    {
      config: { permission: 'referrals:respond' },
      schema: {
        operationId: 'acceptReferral',
        tags: ['incidents'],
        summary: 'For a provider’s client: accept a referral waiting for its answer',
        description: clockDescription,
        params: ReferralParams,
        response: answerResponses,
      },
    },
    async (request, reply) => {
      const expectedVersion = optionalVersion(request)
      const view = await scoped(request, (work) =>
        answerReferral(work, request.params.id, { action: 'accept' }, expectedVersion),
      )
      return sendWithEtag(reply, view.version, view)
    },
  )

  route.post(
    '/v1/provider/referrals/:id/decline',
    {
      config: { permission: 'referrals:respond' },
      schema: {
        operationId: 'declineReferral',
        tags: ['incidents'],
        summary: 'For a provider’s client: decline a referral, with the reason',
        params: ReferralParams,
        body: DeclineBody,
        response: answerResponses,
      },
    },
    async (request, reply) => {
      const expectedVersion = optionalVersion(request)
      const view = await scoped(request, (work) =>
        answerReferral(work, request.params.id, { action: 'decline', body: request.body }, expectedVersion),
      )
      return sendWithEtag(reply, view.version, view)
    },
  )

  route.post(
    '/v1/provider/referrals/:id/feedback',
    {
      config: { permission: 'referrals:respond' },
      schema: {
        operationId: 'giveReferralFeedback',
        tags: ['incidents'],
        summary: 'For a provider’s client: what was done for the child, on an accepted referral',
        description: 'Feedback may be given again (it replaces the last) until the ward closes the referral.',
        params: ReferralParams,
        body: FeedbackBody,
        response: answerResponses,
      },
    },
    async (request, reply) => {
      const expectedVersion = optionalVersion(request)
      const view = await scoped(request, (work) =>
        answerReferral(work, request.params.id, { action: 'feedback', body: request.body }, expectedVersion),
      )
      return sendWithEtag(reply, view.version, view)
    },
  )
}
