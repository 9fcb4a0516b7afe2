import type { FastifyInstance } from 'fastify'
import type { JobContext } from '../../platform/jobs.js'
import { openingKeysOf } from '../../platform/sealing.js'
import { inScope, resolveScope, systemScope } from '../../platform/scope.js'
import { postJson, resolveTarget, type PostOutcome } from './delivery.js'
import {
  activeSubscriptions,
  auditDelivery,
  deliveryJobKey,
  eventForReader,
  eventsToDispatch,
  lockDispatchCursor,
  readGapWatch,
  recordAttempt,
  renewLease,
  saveDispatchCursor,
  saveGapWatch,
  subscriptionById,
  transactionHorizon,
  type SubscriptionRow,
} from './repository.js'
import { advanceCursor, eventView, gapIsFinal, signWebhook, subscriptionWants, type GapWatch } from './rules.js'
import { openWebhookSecret } from './secrets.js'
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

export interface DeliveryPayload extends Record<string, unknown> {
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
  // The owner as it is now: a revoked client or a moved officer stops receiving within seconds.
  const owner = await app.accounts.principals.current({ kind: subscription.ownerKind, id: subscription.ownerId })
  if (!owner || !owner.permissions.has('events:read')) {
    await recordAttempt(db, {
      subscriptionId: subscription.id,
      eventRowId: payload.eventRowId,
      state: 'dead',
      responseStatus: null,
      latencyMs: null,
      error: 'not sent: the subscription’s owner is no longer active or may no longer read events',
      requestHeaders: null,
      at: now,
    })
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
  if (!view) return
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
  let secret: string
  try {
    secret = openWebhookSecret(settings.secretsKeys, subscription.secret, subscription.id)
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
    { ...headers, 'webhook-signature': signWebhook(secret, view.id, timestamp, body) },
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
