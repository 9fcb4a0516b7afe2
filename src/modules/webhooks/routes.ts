import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { requiredVersion, sendWithEtag } from '../../platform/concurrency.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import {
  CreatedWebhookSchema,
  CreateWebhookBody,
  DeliveryPageSchema,
  DeliveryParams,
  EventFeedQuery,
  EventFeedSchema,
  ListDeliveriesQuery,
  ListWebhooksQuery,
  RetryAcceptedSchema,
  WebhookPageSchema,
  WebhookParams,
  WebhookSchema,
} from './schemas.js'
import {
  deliveryPage,
  endWebhook,
  readEventFeed,
  readWebhook,
  registerWebhook,
  retryDelivery,
  rotateWebhookSecret,
  toCreatedWebhook,
  toWebhook,
  webhookPage,
} from './service.js'

export default async function webhookRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()

  route.get(
    '/v1/events',
    {
      config: { permission: 'events:read' },
      schema: {
        operationId: 'listEvents',
        tags: ['events'],
        summary: 'Read the event feed in order, from a cursor',
        description:
          'Events of your units, oldest first, each cut to what your role may see (see docs/webhooks.md). Poll with the ' +
          '`nextCursor` of the previous answer as `after`; an event that is still committing is waited for, never skipped. ' +
          'Every read is audited.',
        querystring: EventFeedQuery,
        response: {
          200: ref(EventFeedSchema, 'Events after the cursor, and the cursor to read on from'),
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (request) => readEventFeed(request, request.query),
  )

  route.post(
    '/v1/webhooks',
    {
      config: {
        etag: true,
        location: true,
        permission: 'webhooks:manage',
        idempotent: { replayBody: (webhook) => ({ webhook, secret: null }) },
      },
      schema: {
        operationId: 'createWebhook',
        tags: ['events'],
        summary: 'Subscribe a receiver to events; the signing secret is shown once',
        description:
          'The subscription belongs to a machine client (`clientId`) or to you: its owner’s role and units, read afresh at each ' +
          'delivery, decide what every payload carries. `units` must lie within the owner’s units and yours. The URL must be ' +
          'https and resolve to public addresses only (no loopback, private, link-local, carrier-grade NAT, multicast or ' +
          'metadata addresses, no IPv4 written as a number, no credentials); it is checked again before every delivery. ' +
          'Accepts Idempotency-Key.',
        body: CreateWebhookBody,
        response: {
          201: ref(CreatedWebhookSchema, 'The subscription and its secret'),
          ...problemResponses(400, 401, 403, 409, 422, 503),
        },
      },
    },
    async (request, reply) => {
      const { row, secret } = await registerWebhook(request, request.body)
      reply.code(201).header('location', `/v1/webhooks/${row.id}`).header('cache-control', 'no-store')
      return sendWithEtag(reply, row.version, toCreatedWebhook(row, secret))
    },
  )

  route.get(
    '/v1/webhooks',
    {
      config: { permission: 'webhooks:manage' },
      schema: {
        operationId: 'listWebhooks',
        tags: ['events'],
        summary: 'List webhook subscriptions in your units',
        querystring: ListWebhooksQuery,
        response: { 200: ref(WebhookPageSchema, 'A page of subscriptions'), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => webhookPage(request, request.query),
  )

  route.get(
    '/v1/webhooks/:id',
    {
      config: { permission: 'webhooks:manage' },
      schema: {
        operationId: 'getWebhook',
        tags: ['events'],
        summary: 'A webhook subscription (never its secret)',
        params: WebhookParams,
        response: {
          200: ref(WebhookSchema, 'The subscription; ETag carries its version'),
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const row = await readWebhook(request, request.params.id)
      return sendWithEtag(reply, row.version, toWebhook(row))
    },
  )

  route.delete(
    '/v1/webhooks/:id',
    {
      config: { permission: 'webhooks:manage' },
      schema: {
        operationId: 'deleteWebhook',
        tags: ['events'],
        summary: 'End a subscription (If-Match required); deliveries still queued are dropped',
        params: WebhookParams,
        response: { 204: { description: 'Deleted', type: 'null' }, ...problemResponses(400, 401, 403, 404, 412, 428) },
      },
    },
    async (request, reply) => {
      const expectedVersion = requiredVersion(request)
      await endWebhook(request, request.params.id, expectedVersion)
      return reply.code(204).send(null)
    },
  )

  route.post(
    '/v1/webhooks/:id/rotate-secret',
    {
      config: { permission: 'webhooks:manage', etag: true },
      schema: {
        operationId: 'rotateWebhookSecret',
        tags: ['events'],
        summary: 'A new signing secret (If-Match required), shown once; the old one signs beside it for a day',
        description:
          'For a secret that may have leaked, or to move a receiver made before Standard Webhooks signatures to them. ' +
          'For 24 hours (previousSecretValidUntil) every delivery carries two signatures, one under each secret, so the ' +
          'receiver can deploy the new secret without refusing a delivery; a receiver that checked the former ' +
          'signature (v1=<hex>) still gets it under the old secret for that day. Rotating again within the day drops ' +
          'the older secret at once.',
        params: WebhookParams,
        response: {
          200: ref(CreatedWebhookSchema, 'The subscription and its new secret'),
          ...problemResponses(400, 401, 403, 404, 412, 428),
        },
      },
    },
    async (request, reply) => {
      const expectedVersion = requiredVersion(request)
      const { row, secret } = await rotateWebhookSecret(request, request.params.id, expectedVersion)
      reply.header('cache-control', 'no-store')
      return sendWithEtag(reply, row.version, toCreatedWebhook(row, secret))
    },
  )

  route.get(
    '/v1/webhooks/:id/deliveries',
    {
      config: { permission: 'webhooks:manage' },
      schema: {
        operationId: 'listWebhookDeliveries',
        tags: ['events'],
        summary: 'Delivery attempts of a subscription, newest first',
        description:
          'One item per attempt: the receiver’s status, the latency, why it failed, and when the next attempt is due.',
        params: WebhookParams,
        querystring: ListDeliveriesQuery,
        response: { 200: ref(DeliveryPageSchema, 'A page of attempts'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => deliveryPage(request, request.params.id, request.query),
  )

  route.post(
    '/v1/webhooks/:id/deliveries/:deliveryId/retry',
    {
      config: { permission: 'webhooks:manage' },
      schema: {
        operationId: 'retryWebhookDelivery',
        tags: ['events'],
        summary: 'Deliver an event to this subscription again, now',
        description:
          'For a dead-lettered (or delivered) event: queues it again with a fresh set of attempts. For one waiting out a ' +
          'backoff: brings the next attempt forward. 409 while an attempt is in progress. Receivers deduplicate on Webhook-Id.',
        params: DeliveryParams,
        response: { 202: ref(RetryAcceptedSchema, 'Queued'), ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const accepted = await retryDelivery(request, request.params.id, request.params.deliveryId)
      reply.code(202)
      return accepted
    },
  )
}
