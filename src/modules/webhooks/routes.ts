import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Principal } from '../../platform/auth.js'
import { audit } from '../../platform/audit.js'
import { requiredVersion, sendWithEtag, staleVersion } from '../../platform/concurrency.js'
import { decodeCursor, encodeCursor, toPage } from '../../platform/pagination.js'
import { badRequest, conflict, HttpProblem, notFound, unprocessable, type FieldError } from '../../platform/problem.js'
import { secretsKeyOf } from '../../platform/sealing.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { inScope, systemScope } from '../../platform/scope.js'
import { resolveTarget } from './delivery.js'
import {
  deleteSubscription,
  deliveryJobKey,
  dispatchedUpTo,
  eventIdsAfter,
  eventsForReader,
  getDelivery,
  getSubscription,
  insertSubscription,
  listDeliveries,
  listSubscriptions,
  nextAttempts,
  rearmDelivery,
  type DeliveryListRow,
  type SubscriptionRow,
} from './repository.js'
import { coveredUnits, eventView, feedHorizon, isEventType, type EventType } from './rules.js'
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
import { newWebhookSecret, sealWebhookSecret } from './secrets.js'
import { deliverQueue, type DeliveryPayload } from './service.js'
import { webhookSettings } from './settings.js'
import { checkWebhookUrl } from './ssrf.js'

/** Ids the feed looks ahead over (all units) to find how far it may safely read. */
const feedScanLimit = 1000

function toWebhook(row: SubscriptionRow) {
  return {
    id: row.id,
    url: row.url,
    eventTypes: row.eventTypes.filter(isEventType),
    units: row.units,
    owner: { kind: row.ownerKind, id: row.ownerId },
    active: row.active,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    createdBy: row.createdBy,
  }
}

function toDelivery(row: DeliveryListRow, next: Map<string, Date>) {
  const { delivery } = row
  const upcoming =
    row.latest && delivery.state === 'failed'
      ? next.get(deliveryJobKey(delivery.subscriptionId, delivery.eventId))
      : undefined
  return {
    id: String(delivery.id),
    eventId: row.event.id,
    eventType: row.event.type as EventType,
    attempt: delivery.attempt,
    state: delivery.state,
    responseStatus: delivery.responseStatus,
    latencyMs: delivery.latencyMs,
    error: delivery.error,
    attemptedAt: delivery.attemptedAt ? delivery.attemptedAt.toISOString() : null,
    nextAttemptAt: upcoming ? upcoming.toISOString() : null,
  }
}

function feedPosition(cursor: string | undefined): number {
  const invalid = badRequest('invalid_cursor', 'The cursor is not one this service issued for the event feed.', [
    { location: 'querystring', pointer: '/after', message: 'is not a valid cursor' },
  ])
  let position: string | number
  try {
    position = decodeCursor(cursor, ['integer'])?.[0] ?? 0
  } catch {
    throw invalid
  }
  if (typeof position !== 'number' || !Number.isSafeInteger(position) || position < 0) throw invalid
  return position
}

function requestedTypes(types: string | undefined): string[] | undefined {
  if (types === undefined) return undefined
  const list = [...new Set(types.split(','))]
  const unknown = list.filter((type) => !isEventType(type))
  if (unknown.length > 0) {
    throw badRequest(
      'unknown_event_type',
      `Unknown event type(s): ${unknown.join(', ')}.`,
      unknown.map((type) => ({
        location: 'querystring',
        pointer: '/types',
        message: `${type} is not an event type`,
        code: 'unknown_event_type',
      })),
    )
  }
  return list
}

function invalidWebhook(errors: FieldError[]): HttpProblem {
  return unprocessable(
    'invalid_webhook',
    `The subscription cannot be registered: ${errors.map((e) => `${e.pointer} ${e.message}`).join('; ')}.`,
    errors,
  )
}

export default async function webhookRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()

  /** The units whose every event lies within this caller's jurisdiction. */
  const coveredBy = async (principal: Principal) =>
    coveredUnits(await app.accounts.principals.unitTree(), principal.scope)

  /** A live subscription in the caller's units; 404 otherwise, exactly like a missing one. */
  const subscriptionFor = async (request: FastifyRequest, id: string) => {
    const row = await getSubscription(app.database.db, id, await coveredBy(request.principal!))
    if (!row) throw notFound('Webhook', id)
    return row
  }

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
    async (request) => {
      const principal = request.principal!
      const { limit = 100 } = request.query
      const after = feedPosition(request.query.after)
      const types = requestedTypes(request.query.types)
      // Which ids are safe to read is a question about every unit (another ward's late commit is a gap
      // here too), so it is asked with the system scope; the ids alone disclose nothing.
      const horizon = await inScope(app.database.db, systemScope, async (tx) =>
        feedHorizon(
          after,
          await eventIdsAfter(tx, after, feedScanLimit),
          await dispatchedUpTo(tx),
          app.database.kind === 'pglite',
        ),
      )
      const rows = await inScope(app.database.db, principal.scope, async (tx) => {
        const found = await eventsForReader(tx, principal.scope, { after, upTo: horizon, types, limit })
        await audit(tx, request, {
          action: 'event.list',
          resourceType: 'event',
          outcome: 'success',
          details: { types: types ?? null, count: found.length },
        })
        return found
      })
      const items = rows.flatMap((row) => {
        const view = eventView(row, principal)
        return view ? [{ ...view, cursor: encodeCursor([row.id]) }] : []
      })
      const last = rows[rows.length - 1]
      return { items, nextCursor: encodeCursor([rows.length === limit && last ? last.id : horizon]) }
    },
  )

  route.post(
    '/v1/webhooks',
    {
      config: { permission: 'webhooks:manage', idempotent: { replayBody: (webhook) => ({ webhook, secret: null }) } },
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
      const body = request.body
      const principal = request.principal!
      const secretsKey = secretsKeyOf(app.config)
      const owner = await ownerFor(body.clientId, principal)
      const problems: FieldError[] = []
      if (!owner) {
        problems.push({
          location: 'body',
          pointer: '/clientId',
          message: 'is not an active machine client',
          code: 'unknown_client',
        })
      } else if (!owner.permissions.has('events:read')) {
        problems.push({
          location: 'body',
          pointer: '/clientId',
          message: `has the role ${owner.role}, which may not read events`,
          code: 'owner_cannot_read_events',
        })
      }
      const units = body.units ?? [...(owner?.units ?? [])]
      if (owner) problems.push(...(await unitProblems(units, owner, principal, body.units !== undefined)))
      if (problems.length > 0) throw invalidWebhook(problems)
      await assertReachable(body.url)
      const id = randomUUID()
      const secret = newWebhookSecret()
      const row = await app.database.db.transaction(async (tx) => {
        const created = await insertSubscription(tx, {
          id,
          ownerKind: owner!.kind === 'client' ? 'client' : 'user',
          ownerId: owner!.id,
          url: body.url,
          eventTypes: body.eventTypes,
          units,
          secret: sealWebhookSecret(secretsKey, secret, id),
          createdAt: app.clock.now(),
          createdBy: principal.id,
        })
        await audit(tx, request, {
          action: 'webhook.create',
          resourceType: 'webhook',
          resourceId: created.id,
          outcome: 'success',
          details: {
            ownerKind: created.ownerKind,
            ownerId: created.ownerId,
            host: new URL(created.url).host,
            eventTypes: created.eventTypes,
            units: created.units,
          },
        })
        return created
      })
      reply.code(201).header('location', `/v1/webhooks/${row.id}`).header('cache-control', 'no-store')
      return sendWithEtag(reply, row.version, { webhook: toWebhook(row), secret })
    },
  )

  /** The owner as it is now: the named client, or the caller. Null when the client is unknown or revoked. */
  async function ownerFor(clientId: string | undefined, caller: Principal): Promise<Principal | null> {
    return clientId === undefined ? caller : app.accounts.principals.current({ kind: 'client', id: clientId })
  }

  async function unitProblems(
    units: readonly string[],
    owner: Principal,
    caller: Principal,
    given: boolean,
  ): Promise<FieldError[]> {
    const tree = await app.accounts.principals.unitTree()
    const known = new Set(tree.map((unit) => unit.code))
    const ownerCovers = coveredUnits(tree, owner.scope)
    const callerCovers = coveredUnits(tree, caller.scope)
    const problems: FieldError[] = []
    units.forEach((code, index) => {
      const pointer = given ? `/units/${index}` : '/units'
      if (!known.has(code))
        problems.push({ location: 'body', pointer, message: `${code} is not a known unit`, code: 'unknown_unit' })
      else if (!ownerCovers.has(code))
        problems.push({
          location: 'body',
          pointer,
          message: `${code} is outside the owner’s units`,
          code: 'outside_owner_units',
        })
      else if (!callerCovers.has(code))
        problems.push({
          location: 'body',
          pointer,
          message: `${code} is outside your units`,
          code: 'outside_your_units',
        })
    })
    if (units.length === 0)
      problems.push({ location: 'body', pointer: '/units', message: 'the owner has no units', code: 'no_units' })
    return problems
  }

  async function assertReachable(url: string): Promise<void> {
    const settings = webhookSettings(app.config)
    const checked = checkWebhookUrl(url, settings)
    const resolved = checked.ok ? await resolveTarget(checked.target, settings) : checked
    if (resolved.ok) return
    throw new HttpProblem(422, 'webhook_url_rejected', `The URL cannot receive webhooks: it ${resolved.message}.`, {
      errors: [{ location: 'body', pointer: '/url', message: resolved.message, code: resolved.reason }],
    })
  }

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
    async (request) => {
      const { limit = 50, cursor } = request.query
      const after = decodeCursor(cursor, ['uuid'])?.[0]
      const rows = await listSubscriptions(app.database.db, await coveredBy(request.principal!), {
        after: after === undefined ? undefined : String(after),
        limit: limit + 1,
      })
      const page = toPage(rows, limit, (row) => [row.id])
      return { items: page.items.map(toWebhook), nextCursor: page.nextCursor }
    },
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
      const row = await subscriptionFor(request, request.params.id)
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
      const current = await subscriptionFor(request, request.params.id)
      const deleted = await app.database.db.transaction(async (tx) => {
        const row = await deleteSubscription(tx, current.id, expectedVersion, app.clock.now())
        if (row)
          await audit(tx, request, {
            action: 'webhook.delete',
            resourceType: 'webhook',
            resourceId: row.id,
            outcome: 'success',
          })
        return row
      })
      if (!deleted) throw staleVersion(current.version)
      return reply.code(204).send(null)
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
    async (request) => {
      const principal = request.principal!
      const subscription = await subscriptionFor(request, request.params.id)
      const { limit = 50, cursor, state } = request.query
      const before = decodeCursor(cursor, ['integer'])?.[0]
      const rows = await inScope(app.database.db, principal.scope, (tx) =>
        listDeliveries(tx, principal.scope, subscription.id, {
          state,
          before: before === undefined ? undefined : Number(before),
          limit: limit + 1,
        }),
      )
      const page = toPage(rows, limit, (row) => [row.delivery.id])
      const waiting = page.items.filter((row) => row.latest && row.delivery.state === 'failed')
      const next = await nextAttempts(
        app.database.db,
        waiting.map((row) => deliveryJobKey(row.delivery.subscriptionId, row.delivery.eventId)),
      )
      return { items: page.items.map((row) => toDelivery(row, next)), nextCursor: page.nextCursor }
    },
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
      const principal = request.principal!
      const subscription = await subscriptionFor(request, request.params.id)
      const deliveryId = Number(request.params.deliveryId)
      const { maxAttempts } = webhookSettings(app.config)
      const outcome = await inScope(app.database.db, principal.scope, async (tx) => {
        const found = await getDelivery(tx, principal.scope, subscription.id, deliveryId)
        if (!found) return undefined
        const key = deliveryJobKey(subscription.id, found.delivery.eventId)
        const now = app.clock.now()
        let rearmed = await rearmDelivery(tx, key, now)
        if (rearmed.state === 'absent') {
          // Finished jobs are purged after a week; the pair's job is simply queued anew.
          const payload: DeliveryPayload = {
            subscriptionId: subscription.id,
            eventRowId: found.delivery.eventId,
            maxAttempts,
          }
          await app.jobs.send(tx, deliverQueue, payload, { singletonKey: key, maxAttempts })
          rearmed = { state: 'queued', runAt: now }
        }
        if (rearmed.state === 'queued') {
          await audit(tx, request, {
            action: 'webhook.delivery.retry',
            resourceType: 'webhook',
            resourceId: subscription.id,
            outcome: 'success',
            details: { deliveryId: String(deliveryId), eventId: found.event.id },
          })
        }
        return { found, rearmed }
      })
      if (!outcome) throw notFound('Delivery', request.params.deliveryId)
      if (outcome.rearmed.state !== 'queued')
        throw conflict(
          'delivery_in_progress',
          'An attempt to deliver this event is in progress; look at the deliveries again shortly.',
        )
      reply.code(202)
      return {
        subscriptionId: subscription.id,
        deliveryId: String(deliveryId),
        eventId: outcome.found.event.id,
        state: 'queued' as const,
        runAt: outcome.rearmed.runAt.toISOString(),
      }
    },
  )
}
