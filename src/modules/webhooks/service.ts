/**
 * Webhooks: the event feed and subscriptions as the API serves them (readEventFeed, registerWebhook,
 * deliveryPage, retryDelivery …, at the end of this file), and the jobs that carry events to the
 * subscriptions (a dispatcher that fans new events out, one delivery job per event and subscription).
 */
import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import { audit } from '../../platform/audit.js'
import type { Principal } from '../../platform/auth.js'
import { staleVersion } from '../../platform/concurrency.js'
import type { JobContext } from '../../platform/jobs.js'
import { decodeCursor, encodeCursor, toPage } from '../../platform/pagination.js'
import { badRequest, conflict, HttpProblem, notFound, unprocessable, type FieldError } from '../../platform/problem.js'
import { openingKeysOf, secretsKeyOf } from '../../platform/sealing.js'
import { inScope, resolveScope, systemScope, type UnitNode } from '../../platform/scope.js'
import { refuse, scoped } from '../../platform/work.js'
import { postJson, resolveTarget, type PostOutcome } from './delivery.js'
import {
  activeSubscriptions,
  auditDelivery,
  deleteSubscription,
  deliveryJobKey,
  dispatchedUpTo,
  eventForReader,
  eventIdsAfter,
  eventsForReader,
  eventsToDispatch,
  getDelivery,
  getSubscription,
  insertSubscription,
  listDeliveries,
  listSubscriptions,
  lockDispatchCursor,
  nextAttempts,
  readGapWatch,
  rearmDelivery,
  recordAttempt,
  renewLease,
  replaceSubscriptionSecret,
  saveDispatchCursor,
  saveGapWatch,
  subscriptionById,
  transactionHorizon,
  type DeliveryListRow,
  type SubscriptionRow,
} from './repository.js'
import {
  advanceCursor,
  coveredUnits,
  eventView,
  feedHorizon,
  gapIsFinal,
  isEventType,
  secretRotationGraceMs,
  signingSecrets,
  subscriptionWants,
  typesReadableBy,
  webhookSignatureHeader,
  type EventType,
  type GapWatch,
  type SigningSecret,
} from './rules.js'
import type { CreateWebhookBody, EventFeedQuery, ListDeliveriesQuery, ListWebhooksQuery } from './schemas.js'
import { newWebhookSecret, openWebhookSecret, sealWebhookSecret } from './secrets.js'
import { webhookSettings } from './settings.js'
import { checkWebhookUrl } from './ssrf.js'

export const dispatchQueue = 'webhooks.dispatch'
export const deliverQueue = 'webhooks.deliver'

/** How often the dispatcher looks for new events: the usual delay between an event and its webhook. */
const dispatchEveryMs = 1000
const dispatchBatch = 500
const batchesPerRun = 10
/** First retry after about 30 s, then 1, 2, 4 … minutes (the queue doubles it, ±20 % jitter). */
const retryBaseMs = 30_000
/** The job queue's lease on a claimed job (src/platform/jobs.ts). */
const jobLeaseMs = 60_000

interface DeliveryPayload extends Record<string, unknown> {
  subscriptionId: string
  eventRowId: number
  maxAttempts: number
}

/**
 * Fans new events out to the subscriptions that want them: one delivery job per (event, subscription),
 * keyed so it is queued once however many dispatchers see the event. The cursor row is locked for the
 * transaction, so two instances' dispatchers take turns rather than racing.
 */
async function dispatch(app: FastifyInstance): Promise<void> {
  const { maxAttempts } = webhookSettings(app.config)
  const tree = await app.accounts.principals.unitTree()
  const subscriptions = (await activeSubscriptions(app.database.db)).map((row) => ({
    row,
    scope: resolveScope(tree, row.units),
  }))
  // The embedded database runs one transaction at a time: no id can still be on its way there.
  const allGapsFinal = app.database.kind === 'pglite'
  for (let batch = 0; batch < batchesPerRun; batch++) {
    const more = await inScope(app.database.db, systemScope, async (tx) => {
      const now = app.clock.now()
      // Before this transaction writes (and so has an id of its own to wait for).
      const before = allGapsFinal ? null : await transactionHorizon(tx)
      const cursor = await lockDispatchCursor(tx, now)
      const watch = await readGapWatch(tx)
      const pending = await eventsToDispatch(tx, cursor, dispatchBatch)
      for (const event of pending) {
        for (const { row, scope } of subscriptions) {
          if (!subscriptionWants({ eventTypes: row.eventTypes, scope }, event)) continue
          const payload: DeliveryPayload = { subscriptionId: row.id, eventRowId: event.id, maxAttempts }
          await app.jobs.send(tx, deliverQueue, payload, {
            singletonKey: deliveryJobKey(row.id, event.id),
            maxAttempts,
          })
        }
      }
      const frontGapFinal = before !== null && gapIsFinal(watch, before.oldestRunning, now)
      const next = advanceCursor(
        cursor,
        pending.map((event) => event.id),
        { frontGapFinal, allGapsFinal },
      )
      if (next.position !== cursor) await saveDispatchCursor(tx, next.position, now)
      // Events after a gap are fanned out at once and again on each run until the cursor passes them
      // (their jobs' keys make the repeats no-ops); only the cursor, and so the feed, waits.
      let nextWatch: GapWatch | null = null
      if (next.stoppedAtGap && next.position === cursor && watch) nextWatch = watch
      // A new gap at the front: remember which transactions may still hold it, as seen after reading the events.
      else if (next.stoppedAtGap) nextWatch = { xmax: (await transactionHorizon(tx)).nextUnassigned, since: now }
      if (nextWatch !== watch) await saveGapWatch(tx, nextWatch)
      return pending.length === dispatchBatch && next.position > cursor
    })
    if (!more) return
  }
}

type Attempt = Omit<PostOutcome, 'latencyMs'> & {
  latencyMs: number | null
  sent: boolean
  headers: Record<string, string> | null
}

function refused(error: string): Attempt {
  return { status: null, latencyMs: null, error, sent: false, headers: null }
}

/**
 * One attempt to deliver one event to one subscription. Throws when the attempt failed, so the queue
 * retries it with backoff and dead-letters it after the last attempt; each attempt is recorded.
 */
async function deliver(app: FastifyInstance, payload: DeliveryPayload, context: JobContext): Promise<void> {
  const db = app.database.db
  const now = context.now
  // The job may have waited behind others in this worker's batch: make sure it is still ours, and
  // hold it for longer than the longest attempt, so no other instance can run it at the same time.
  if (!(await renewLease(db, context.jobId, app.jobs.workerId, new Date(now.getTime() + jobLeaseMs)))) return
  const subscription = await subscriptionById(db, payload.subscriptionId)
  if (!subscription || !subscription.active || subscription.deletedAt) return
  const settings = webhookSettings(app.config)
  const final = context.attempt >= payload.maxAttempts
  const recordNotSent = (reason: string) =>
    recordAttempt(db, {
      subscriptionId: subscription.id,
      eventRowId: payload.eventRowId,
      state: 'dead',
      responseStatus: null,
      latencyMs: null,
      error: `not sent: ${reason}`,
      requestHeaders: null,
      at: now,
    })
  // The owner as it is now: a revoked client or a moved officer stops receiving within seconds.
  const owner = await app.accounts.principals.current({ kind: subscription.ownerKind, id: subscription.ownerId })
  if (!owner || !owner.permissions.has('events:read')) {
    await recordNotSent('the subscription’s owner is no longer active or may no longer read events')
    return
  }
  const event = await inScope(db, owner.scope, (tx) => eventForReader(tx, owner.scope, payload.eventRowId))
  const tree = await app.accounts.principals.unitTree()
  // Outside the owner's units now (the owner was moved): the owner could not read it, so neither may its receiver.
  if (
    !event ||
    !subscriptionWants({ eventTypes: subscription.eventTypes, scope: resolveScope(tree, subscription.units) }, event)
  )
    return
  const view = eventView(event, owner)
  if (!view) {
    // A subscription from before its owner's role stopped receiving the type (a city system and an
    // incident's own event): the integrator sees why nothing arrives. Any other event without a view
    // is one its owner may not know of at all (an update of sensitive fields only): nothing is recorded.
    if (!typesReadableBy(owner.role).includes(event.type as EventType))
      await recordNotSent(`${event.type} events are not sent to the role ${owner.role}`)
    return
  }
  const attempt = await attemptDelivery(subscription, view, now, {
    ...settings,
    secretsKeys: openingKeysOf(app.config),
  })
  const succeeded = attempt.error === null
  await db.transaction(async (tx) => {
    const recorded = await recordAttempt(tx, {
      subscriptionId: subscription.id,
      eventRowId: payload.eventRowId,
      state: succeeded ? 'succeeded' : final ? 'dead' : 'failed',
      responseStatus: attempt.status,
      latencyMs: attempt.latencyMs,
      error: attempt.error,
      requestHeaders: attempt.headers,
      at: now,
    })
    if (attempt.sent) {
      await auditDelivery(tx, {
        at: now,
        jobId: context.jobId,
        event,
        outcome: succeeded ? 'success' : 'failure',
        details: {
          subscriptionId: subscription.id,
          ownerKind: subscription.ownerKind,
          ownerId: subscription.ownerId,
          attempt: recorded.attempt,
          status: attempt.status,
        },
      })
    }
  })
  if (!succeeded) throw new Error(attempt.error!)
}

async function attemptDelivery(
  subscription: SubscriptionRow,
  view: NonNullable<ReturnType<typeof eventView>>,
  now: Date,
  settings: ReturnType<typeof webhookSettings> & { secretsKeys: string[] },
): Promise<Attempt> {
  let secrets: SigningSecret[]
  try {
    secrets = signingSecrets(subscription, now, (stored) =>
      openWebhookSecret(settings.secretsKeys, stored, subscription.id),
    )
  } catch (error) {
    return refused(`not sent: ${(error as Error).message}`)
  }
  const checked = checkWebhookUrl(subscription.url, settings)
  if (!checked.ok) return refused(`not sent: the URL ${checked.message}`)
  // Resolved again on every attempt: the name may point somewhere else since it was registered.
  const resolved = await resolveTarget(checked.target, settings)
  if (!resolved.ok) return refused(`not sent: the URL ${resolved.message}`)
  const body = JSON.stringify(view)
  const timestamp = Math.floor(now.getTime() / 1000)
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'cps-webhooks/1',
    'webhook-id': view.id,
    'webhook-timestamp': String(timestamp),
  }
  const outcome = await postJson(
    checked.target,
    resolved,
    { ...headers, 'webhook-signature': webhookSignatureHeader(secrets, view.id, timestamp, body) },
    body,
    settings.timeoutMs,
  )
  return { ...outcome, sent: true, headers }
}

/** Registers the dispatcher (a schedule: one run per second across all instances) and the delivery jobs. */
export function registerWebhookJobs(app: FastifyInstance): void {
  app.jobs.register({ queue: dispatchQueue, maxAttempts: 1, handler: () => dispatch(app) })
  app.jobs.register<DeliveryPayload>({
    queue: deliverQueue,
    backoffBaseMs: retryBaseMs,
    handler: (payload, context) => deliver(app, payload, context),
  })
  app.jobs.schedule({ queue: dispatchQueue, everyMs: dispatchEveryMs })
}

// ——— The API's work: the event feed, subscriptions and their deliveries, as the routes call it ———

/** Ids the feed looks ahead over (all units) to find how far it may safely read. */
const feedScanLimit = 1000

/** A subscription as the API shows it (WebhookSchema); never its secret. */
export function toWebhook(row: SubscriptionRow) {
  return {
    id: row.id,
    url: row.url,
    eventTypes: row.eventTypes.filter(isEventType),
    units: row.units,
    owner: { kind: row.ownerKind, id: row.ownerId },
    active: row.active,
    previousSecretValidUntil: row.previousSecretUntil?.toISOString() ?? null,
    formerSignature: row.formerSignatureSecret,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    createdBy: row.createdBy,
  }
}

/** A new subscription and its signing secret, shown this once (CreatedWebhookSchema). */
export function toCreatedWebhook(row: SubscriptionRow, secret: string) {
  return { webhook: toWebhook(row), secret }
}

/** One delivery attempt (DeliverySchema); `next` holds when the queue tries each waiting pair again. */
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

/**
 * A page of the event feed (EventFeedSchema): the caller's events after the cursor, each cut to what
 * the caller may see, and the cursor to read on from — which never passes an event still committing.
 */
export async function readEventFeed(request: FastifyRequest, query: Static<typeof EventFeedQuery>) {
  const { database } = request.server
  const { limit = 100 } = query
  const after = feedPosition(query.after)
  const types = requestedTypes(query.types)
  // Which ids are safe to read is a question about every unit (another ward's late commit is a gap
  // here too), so it is asked with the system scope; the ids alone disclose nothing.
  const horizon = await inScope(database.db, systemScope, async (tx) =>
    feedHorizon(
      after,
      await eventIdsAfter(tx, after, feedScanLimit),
      await dispatchedUpTo(tx),
      database.kind === 'pglite',
    ),
  )
  return scoped(request, async (work) => {
    const rows = await eventsForReader(work.tx, work.scope, { after, upTo: horizon, types, limit })
    await work.audit({
      action: 'event.list',
      resourceType: 'event',
      outcome: 'success',
      details: { types: types ?? null, count: rows.length },
    })
    const items = rows.flatMap((row) => {
      const view = eventView(row, work.principal)
      return view ? [{ ...view, cursor: encodeCursor([row.id]) }] : []
    })
    const last = rows[rows.length - 1]
    return { items, nextCursor: encodeCursor([rows.length === limit && last ? last.id : horizon]) }
  })
}

/** The units whose every event lies within the caller's jurisdiction. */
async function coveredBy(request: FastifyRequest): Promise<Set<string>> {
  return coveredUnits(await request.server.accounts.principals.unitTree(), request.principal!.scope)
}

/** A live subscription in the caller's units; 404 otherwise, exactly like a missing one. */
export async function readWebhook(request: FastifyRequest, id: string): Promise<SubscriptionRow> {
  const row = await getSubscription(request.server.database.db, id, await coveredBy(request))
  if (!row) throw notFound('Webhook', id)
  return row
}

function invalidWebhook(errors: FieldError[]): HttpProblem {
  return unprocessable(
    'invalid_webhook',
    `The subscription cannot be registered: ${errors.map((e) => `${e.pointer} ${e.message}`).join('; ')}.`,
    errors,
  )
}

/** What is wrong with a subscription's owner: it must be an active machine client (or the caller) that reads events. */
function ownerProblems(owner: Principal | null): FieldError[] {
  if (!owner) {
    return [
      { location: 'body', pointer: '/clientId', message: 'is not an active machine client', code: 'unknown_client' },
    ]
  }
  if (!owner.permissions.has('events:read')) {
    return [
      {
        location: 'body',
        pointer: '/clientId',
        message: `has the role ${owner.role}, which may not read events`,
        code: 'owner_cannot_read_events',
      },
    ]
  }
  return []
}

/** Every event type named must be one the owner's role receives (a city system gets no child's or incident's own event). */
function typeProblems(types: readonly string[], owner: Principal): FieldError[] {
  const readable = new Set<string>(typesReadableBy(owner.role))
  return types.flatMap((type, index) =>
    readable.has(type)
      ? []
      : [
          {
            location: 'body' as const,
            pointer: `/eventTypes/${index}`,
            message: `is not sent to the role ${owner.role}${type.startsWith('incident.') ? ': subscribe to incidents.daily' : ''}`,
            code: 'type_not_for_owner',
          },
        ],
  )
}

/** A subscription's units must be known, and lie within its owner's units and the caller's. */
function unitProblems(
  tree: readonly UnitNode[],
  units: readonly string[],
  owner: Principal,
  caller: Principal,
  given: boolean,
): FieldError[] {
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

/** The URL must be one webhooks may be sent to, and resolve to public addresses only; 422 otherwise. */
async function assertReachable(settings: ReturnType<typeof webhookSettings>, url: string): Promise<void> {
  const checked = checkWebhookUrl(url, settings)
  const resolved = checked.ok ? await resolveTarget(checked.target, settings) : checked
  if (resolved.ok) return
  throw new HttpProblem(422, 'webhook_url_rejected', `The URL cannot receive webhooks: it ${resolved.message}.`, {
    errors: [{ location: 'body', pointer: '/url', message: resolved.message, code: resolved.reason }],
  })
}

/**
 * Subscribes a receiver for the named client (as it is now), or for the caller. Returns the subscription
 * and its signing secret, which is kept sealed and shown this once.
 */
export async function registerWebhook(
  request: FastifyRequest,
  body: Static<typeof CreateWebhookBody>,
): Promise<{ row: SubscriptionRow; secret: string }> {
  const { config, accounts, database, clock } = request.server
  const principal = request.principal!
  const secretsKey = secretsKeyOf(config)
  const owner =
    body.clientId === undefined ? principal : await accounts.principals.current({ kind: 'client', id: body.clientId })
  const problems = ownerProblems(owner)
  const units = body.units ?? [...(owner?.units ?? [])]
  if (owner) {
    const tree = await accounts.principals.unitTree()
    problems.push(...unitProblems(tree, units, owner, principal, body.units !== undefined))
    problems.push(...typeProblems(body.eventTypes, owner))
  }
  if (problems.length > 0 || !owner) throw invalidWebhook(problems)
  await assertReachable(webhookSettings(config), body.url)
  const id = randomUUID()
  const secret = newWebhookSecret()
  const row = await database.db.transaction(async (tx) => {
    const created = await insertSubscription(tx, {
      id,
      ownerKind: owner.kind === 'client' ? 'client' : 'user',
      ownerId: owner.id,
      url: body.url,
      eventTypes: body.eventTypes,
      units,
      secret: sealWebhookSecret(secretsKey, secret, id),
      createdAt: clock.now(),
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
  return { row, secret }
}

export async function webhookPage(request: FastifyRequest, query: Static<typeof ListWebhooksQuery>) {
  const { limit = 50, cursor } = query
  const after = decodeCursor(cursor, ['uuid'])?.[0]
  const rows = await listSubscriptions(request.server.database.db, await coveredBy(request), {
    after: after === undefined ? undefined : String(after),
    limit: limit + 1,
  })
  const page = toPage(rows, limit, (row) => [row.id])
  return { items: page.items.map(toWebhook), nextCursor: page.nextCursor }
}

/** Ends a subscription at `expectedVersion`; the deliveries still queued find it gone and are dropped. */
export async function endWebhook(request: FastifyRequest, id: string, expectedVersion: number): Promise<void> {
  const { database, clock } = request.server
  const current = await readWebhook(request, id)
  const deleted = await database.db.transaction(async (tx) => {
    const row = await deleteSubscription(tx, current.id, expectedVersion, clock.now())
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
}

/**
 * A new signing secret for a subscription at `expectedVersion`, shown this once. The secret it replaces
 * keeps signing beside it for a day (secretRotationGraceMs), so the receiver can deploy the new one without
 * refusing a delivery; a receiver that still checked the former signature gets it under the old secret
 * only, for that day.
 */
export async function rotateWebhookSecret(
  request: FastifyRequest,
  id: string,
  expectedVersion: number,
): Promise<{ row: SubscriptionRow; secret: string }> {
  const { config, database, clock } = request.server
  const current = await readWebhook(request, id)
  // The previous secret and the former-signature state are taken from this read: only at the version it read.
  if (current.version !== expectedVersion) throw staleVersion(current.version)
  const secret = newWebhookSecret()
  const now = clock.now()
  const previousSecretUntil = new Date(now.getTime() + secretRotationGraceMs)
  const row = await database.db.transaction(async (tx) => {
    const rotated = await replaceSubscriptionSecret(tx, current.id, expectedVersion, {
      secret: sealWebhookSecret(secretsKeyOf(config), secret, current.id),
      previousSecret: current.secret,
      previousSecretUntil,
      formerSignatureSecret: current.formerSignatureSecret === 'current' ? 'previous' : null,
    })
    if (rotated)
      await audit(tx, request, {
        action: 'webhook.secret.rotate',
        resourceType: 'webhook',
        resourceId: rotated.id,
        outcome: 'success',
        details: { previousSecretValidUntil: previousSecretUntil.toISOString() },
      })
    return rotated
  })
  if (!row) throw staleVersion(current.version)
  return { row, secret }
}

/** A page of a subscription's delivery attempts, newest first (DeliveryPageSchema). */
export async function deliveryPage(request: FastifyRequest, id: string, query: Static<typeof ListDeliveriesQuery>) {
  const subscription = await readWebhook(request, id)
  const { limit = 50, cursor, state } = query
  const before = decodeCursor(cursor, ['integer'])?.[0]
  // The attempts are joined to their events: read in the caller's scope.
  const rows = await scoped(request, (work) =>
    listDeliveries(work.tx, work.scope, subscription.id, {
      state,
      before: before === undefined ? undefined : Number(before),
      limit: limit + 1,
    }),
  )
  const page = toPage(rows, limit, (row) => [row.delivery.id])
  const waiting = page.items.filter((row) => row.latest && row.delivery.state === 'failed')
  const next = await nextAttempts(
    request.server.database.db,
    waiting.map((row) => deliveryJobKey(row.delivery.subscriptionId, row.delivery.eventId)),
  )
  return { items: page.items.map((row) => toDelivery(row, next)), nextCursor: page.nextCursor }
}

/**
 * Delivers an event to the subscription again, now: a dead-lettered or delivered pair is queued anew
 * with a fresh set of attempts, one waiting out a backoff is brought forward; 409 while an attempt runs.
 * Answers what was queued (RetryAcceptedSchema).
 */
export async function retryDelivery(request: FastifyRequest, id: string, deliveryIdParam: string) {
  const subscription = await readWebhook(request, id)
  const deliveryId = Number(deliveryIdParam)
  const { maxAttempts } = webhookSettings(request.server.config)
  return scoped(request, async (work) => {
    const found = await getDelivery(work.tx, work.scope, subscription.id, deliveryId)
    if (!found) return refuse(notFound('Delivery', deliveryIdParam))
    const key = deliveryJobKey(subscription.id, found.delivery.eventId)
    let rearmed = await rearmDelivery(work.tx, key, work.now)
    if (rearmed.state === 'absent') {
      // Finished jobs are purged after a week; the pair's job is simply queued anew.
      const payload: DeliveryPayload = {
        subscriptionId: subscription.id,
        eventRowId: found.delivery.eventId,
        maxAttempts,
      }
      await request.server.jobs.send(work.tx, deliverQueue, payload, { singletonKey: key, maxAttempts })
      rearmed = { state: 'queued', runAt: work.now }
    }
    if (rearmed.state !== 'queued') {
      return refuse(
        conflict(
          'delivery_in_progress',
          'An attempt to deliver this event is in progress; look at the deliveries again shortly.',
        ),
      )
    }
    await work.audit({
      action: 'webhook.delivery.retry',
      resourceType: 'webhook',
      resourceId: subscription.id,
      outcome: 'success',
      details: { deliveryId: String(deliveryId), eventId: found.event.id },
    })
    return {
      subscriptionId: subscription.id,
      deliveryId: String(deliveryId),
      eventId: found.event.id,
      state: 'queued' as const,
      runAt: rearmed.runAt.toISOString(),
    }
  })
}
