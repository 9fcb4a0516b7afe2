import { and, arrayContained, asc, desc, eq, gt, inArray, isNull, like, lt, lte, sql, type SQL } from 'drizzle-orm'
import type { Executor } from '../../db/client.js'
import { likeLiteral, queryRows } from '../../db/client.js'
import { appendAudit } from '../../platform/audit.js'
import { jobs } from '../../platform/jobs-tables.js'
import { scopeCondition, type Scope } from '../../platform/scope.js'
import type { GapWatch, StoredEvent } from './rules.js'
import { sealWebhookSecret } from './secrets.js'
import { eventDispatchCursor, events, webhookDeliveries, webhookSubscriptions } from './tables.js'

export type SubscriptionRow = typeof webhookSubscriptions.$inferSelect
export type DeliveryRow = typeof webhookDeliveries.$inferSelect

export interface DomainEvent {
  type: string
  occurredAt: Date
  unit: { provinceCode: string; wardCode: string; residentialGroupCode: string | null }
  resourceType: string
  resourceId: string
  /** Everything a fully entitled reader may see; views for other roles are cut from it. */
  data: Record<string, unknown>
  /** Makes the event happen once per key, however often it is recorded (deadline sweeps). */
  dedupeKey?: string
}

/**
 * Appends a domain event to the outbox, in the caller's transaction so it commits with the change that
 * causes it. Returns false when an event with the same dedupe key already exists.
 */
export async function recordEvent(tx: Executor, event: DomainEvent): Promise<boolean> {
  const inserted = await queryRows<{ id: number | string }>(tx, eventInsert(event))
  return inserted.length === 1
}

/** Whether an event whose dedupe key starts with `prefix` is recorded (a once-per-thing event of that thing). */
export async function hasEventUnder(tx: Executor, prefix: string): Promise<boolean> {
  const [row] = await tx
    .select({ id: events.id })
    .from(events)
    .where(like(events.dedupeKey, `${likeLiteral(prefix)}%`))
    .limit(1)
  return row !== undefined
}

/** The statement recordEvent runs, for a caller that writes the event together with its change (writeTogether). */
export function eventInsert(event: DomainEvent): SQL {
  // A sweep records the same once-per-thing event every run: checking first keeps a repeat from
  // drawing an id from the sequence, so the feed has no gap to wait on (see advanceCursor).
  const seen = event.dedupeKey
    ? sql`where not exists (select 1 from events where dedupe_key = ${event.dedupeKey})`
    : sql``
  return sql`insert into events (type, occurred_at, province_code, ward_code, residential_group_code, resource_type, resource_id, data, dedupe_key)
        select ${event.type}, ${event.occurredAt.toISOString()}::timestamptz, ${event.unit.provinceCode}, ${event.unit.wardCode},
               ${event.unit.residentialGroupCode}, ${event.resourceType}, ${event.resourceId}, ${JSON.stringify(event.data)}::jsonb,
               ${event.dedupeKey ?? null}
        ${seen}
        on conflict (dedupe_key) do nothing
        returning id`
}

const eventColumns = {
  id: events.id,
  eventId: events.eventId,
  type: events.type,
  occurredAt: events.occurredAt,
  provinceCode: events.provinceCode,
  wardCode: events.wardCode,
  residentialGroupCode: events.residentialGroupCode,
  resourceType: events.resourceType,
  resourceId: events.resourceId,
  data: events.data,
}

function eventInScope(scope: Scope): SQL {
  return scopeCondition(scope, { ward: events.wardCode, group: events.residentialGroupCode })
}

/** Ids only, over every unit (run with the system scope): what the horizon and the cursor walk over. */
export async function eventIdsAfter(tx: Executor, after: number, limit: number): Promise<number[]> {
  const rows = await tx
    .select({ id: events.id })
    .from(events)
    .where(gt(events.id, after))
    .orderBy(asc(events.id))
    .limit(limit)
  return rows.map((row) => Number(row.id))
}

/** The reader's events in (after, upTo], in order. */
export async function eventsForReader(
  tx: Executor,
  scope: Scope,
  filter: { after: number; upTo: number; types?: readonly string[]; limit: number },
): Promise<StoredEvent[]> {
  const conditions = [gt(events.id, filter.after), sql`${events.id} <= ${filter.upTo}`, eventInScope(scope)]
  if (filter.types) conditions.push(inArray(events.type, [...filter.types]))
  return tx
    .select(eventColumns)
    .from(events)
    .where(and(...conditions))
    .orderBy(asc(events.id))
    .limit(filter.limit)
}

export async function eventForReader(tx: Executor, scope: Scope, id: number): Promise<StoredEvent | undefined> {
  const [row] = await tx
    .select(eventColumns)
    .from(events)
    .where(and(eq(events.id, id), eventInScope(scope)))
  return row
}

/** The events after the cursor that the dispatcher fans out (run with the system scope). */
export async function eventsToDispatch(tx: Executor, after: number, limit: number) {
  return tx
    .select({
      id: events.id,
      type: events.type,
      wardCode: events.wardCode,
      residentialGroupCode: events.residentialGroupCode,
    })
    .from(events)
    .where(gt(events.id, after))
    .orderBy(asc(events.id))
    .limit(limit)
}

const dispatchCursorName = 'webhooks'
/** A second row of the cursor table: the watch on the gap right after the cursor, while there is one. */
const gapWatchName = 'webhooks:gap-watch'

/** The dispatcher's cursor, locked for this transaction: a second dispatcher waits, then sees it moved. */
export async function lockDispatchCursor(tx: Executor, now: Date): Promise<number> {
  await tx
    .insert(eventDispatchCursor)
    .values({ name: dispatchCursorName, lastEventId: 0, updatedAt: now })
    .onConflictDoNothing()
  const [row] = await tx
    .select()
    .from(eventDispatchCursor)
    .where(eq(eventDispatchCursor.name, dispatchCursorName))
    .for('update')
  return Number(row!.lastEventId)
}

export async function saveDispatchCursor(tx: Executor, position: number, now: Date): Promise<void> {
  await tx
    .update(eventDispatchCursor)
    .set({ lastEventId: position, updatedAt: now })
    .where(eq(eventDispatchCursor.name, dispatchCursorName))
}

export async function readGapWatch(tx: Executor): Promise<GapWatch | null> {
  const [row] = await tx.select().from(eventDispatchCursor).where(eq(eventDispatchCursor.name, gapWatchName))
  return row ? { xmax: Number(row.lastEventId), since: row.updatedAt } : null
}

export async function saveGapWatch(tx: Executor, watch: GapWatch | null): Promise<void> {
  if (!watch) {
    await tx.delete(eventDispatchCursor).where(eq(eventDispatchCursor.name, gapWatchName))
    return
  }
  await tx
    .insert(eventDispatchCursor)
    .values({ name: gapWatchName, lastEventId: watch.xmax, updatedAt: watch.since })
    .onConflictDoUpdate({ target: eventDispatchCursor.name, set: { lastEventId: watch.xmax, updatedAt: watch.since } })
}

/**
 * Which transactions are running, as transaction ids: `oldestRunning` (every older one has ended) and
 * `nextUnassigned`. Asked first in the dispatcher's transaction, before it writes and so has an id itself.
 */
export async function transactionHorizon(tx: Executor): Promise<{ oldestRunning: number; nextUnassigned: number }> {
  const [row] = await queryRows<{ xmin: string; xmax: string }>(
    tx,
    sql`select pg_snapshot_xmin(pg_current_snapshot())::text as xmin, pg_snapshot_xmax(pg_current_snapshot())::text as xmax`,
  )
  return { oldestRunning: Number(row!.xmin), nextUnassigned: Number(row!.xmax) }
}

/** Every id at or below this is final: committed, or never to be. */
export async function dispatchedUpTo(tx: Executor): Promise<number> {
  const [row] = await tx
    .select({ position: eventDispatchCursor.lastEventId })
    .from(eventDispatchCursor)
    .where(eq(eventDispatchCursor.name, dispatchCursorName))
  return row ? Number(row.position) : 0
}

export async function insertSubscription(
  tx: Executor,
  values: typeof webhookSubscriptions.$inferInsert,
): Promise<SubscriptionRow> {
  const [row] = await tx.insert(webhookSubscriptions).values(values).returning()
  return row!
}

/** A live subscription the caller may manage: every unit it names lies within the caller's `covered` units. */
export async function getSubscription(
  db: Executor,
  id: string,
  covered: ReadonlySet<string>,
): Promise<SubscriptionRow | undefined> {
  const [row] = await db
    .select()
    .from(webhookSubscriptions)
    .where(
      and(
        eq(webhookSubscriptions.id, id),
        isNull(webhookSubscriptions.deletedAt),
        arrayContained(webhookSubscriptions.units, [...covered]),
      ),
    )
  return row
}

export async function listSubscriptions(
  db: Executor,
  covered: ReadonlySet<string>,
  page: { after?: string; limit: number },
): Promise<SubscriptionRow[]> {
  const conditions = [isNull(webhookSubscriptions.deletedAt), arrayContained(webhookSubscriptions.units, [...covered])]
  if (page.after) conditions.push(gt(webhookSubscriptions.id, page.after))
  return db
    .select()
    .from(webhookSubscriptions)
    .where(and(...conditions))
    .orderBy(asc(webhookSubscriptions.id))
    .limit(page.limit)
}

export async function activeSubscriptions(db: Executor): Promise<SubscriptionRow[]> {
  return db
    .select()
    .from(webhookSubscriptions)
    .where(and(eq(webhookSubscriptions.active, true), isNull(webhookSubscriptions.deletedAt)))
}

export async function subscriptionById(db: Executor, id: string): Promise<SubscriptionRow | undefined> {
  const [row] = await db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.id, id))
  return row
}

/** A subscription not ended, at the version the caller read (If-Match). */
function liveAtVersion(id: string, expectedVersion: number): SQL | undefined {
  return and(
    eq(webhookSubscriptions.id, id),
    eq(webhookSubscriptions.version, expectedVersion),
    isNull(webhookSubscriptions.deletedAt),
  )
}

export async function deleteSubscription(
  tx: Executor,
  id: string,
  expectedVersion: number,
  now: Date,
): Promise<SubscriptionRow | undefined> {
  const [row] = await tx
    .update(webhookSubscriptions)
    .set({ active: false, deletedAt: now, version: sql`${webhookSubscriptions.version} + 1` })
    .where(liveAtVersion(id, expectedVersion))
    .returning()
  return row
}

/** A subscription's secrets after a rotation, at `expectedVersion`; undefined when the version moved on or it ended. */
export async function replaceSubscriptionSecret(
  tx: Executor,
  id: string,
  expectedVersion: number,
  secrets: Pick<
    typeof webhookSubscriptions.$inferInsert,
    'secret' | 'previousSecret' | 'previousSecretUntil' | 'formerSignatureSecret'
  >,
): Promise<SubscriptionRow | undefined> {
  const [row] = await tx
    .update(webhookSubscriptions)
    .set({ ...secrets, version: sql`${webhookSubscriptions.version} + 1` })
    .where(liveAtVersion(id, expectedVersion))
    .returning()
  return row
}

/**
 * Forgets the secrets rotations replaced once their day is over (they sign nothing more), and with them the
 * former signature that was sent under them. Returns how many subscriptions changed.
 */
export async function forgetReplacedSecrets(db: Executor, now: Date): Promise<number> {
  const changed = await db
    .update(webhookSubscriptions)
    .set({
      previousSecret: null,
      previousSecretUntil: null,
      formerSignatureSecret: sql`case when ${webhookSubscriptions.formerSignatureSecret} = 'previous' then null else ${webhookSubscriptions.formerSignatureSecret} end`,
    })
    .where(lte(webhookSubscriptions.previousSecretUntil, now))
    .returning({ id: webhookSubscriptions.id })
  return changed.length
}

/** The job that carries one event to one subscription: one row per pair, ever, so never two at once. */
export function deliveryJobKey(subscriptionId: string, eventRowId: number): string {
  return `webhook:${subscriptionId}:${eventRowId}`
}

/** Records one attempt, numbered after the pair's previous ones. */
export async function recordAttempt(
  tx: Executor,
  attempt: {
    subscriptionId: string
    eventRowId: number
    state: DeliveryRow['state']
    responseStatus: number | null
    latencyMs: number | null
    error: string | null
    requestHeaders: Record<string, string> | null
    at: Date
  },
): Promise<{ id: number; attempt: number }> {
  const [row] = await queryRows<{ id: number | string; attempt: number }>(
    tx,
    sql`insert into webhook_deliveries
          (subscription_id, event_row_id, attempt, state, response_status, latency_ms, error, request_headers, attempted_at, created_at)
        select ${attempt.subscriptionId}::uuid, ${attempt.eventRowId}, coalesce(max(attempt), 0) + 1, ${attempt.state},
               ${attempt.responseStatus}, ${attempt.latencyMs}, ${attempt.error},
               ${attempt.requestHeaders ? JSON.stringify(attempt.requestHeaders) : null}::jsonb,
               ${attempt.at.toISOString()}::timestamptz, ${attempt.at.toISOString()}::timestamptz
        from webhook_deliveries where subscription_id = ${attempt.subscriptionId}::uuid and event_row_id = ${attempt.eventRowId}
        returning id, attempt`,
  )
  return { id: Number(row!.id), attempt: row!.attempt }
}

export interface DeliveryListRow {
  /** `delivery.eventId` is the outbox row id; `event.id` is the event's public id (the Webhook-Id). */
  delivery: DeliveryRow
  event: { id: string; type: string }
  latest: boolean
}

const latestAttempt = sql<boolean>`not exists (select 1 from webhook_deliveries later
  where later.subscription_id = ${webhookDeliveries.subscriptionId} and later.event_row_id = ${webhookDeliveries.eventId}
    and later.attempt > ${webhookDeliveries.attempt})`

/** Attempts of a subscription, newest first (run in the caller's scope: the events are joined). */
export async function listDeliveries(
  tx: Executor,
  scope: Scope,
  subscriptionId: string,
  filter: { state?: DeliveryRow['state']; before?: number; limit: number },
): Promise<DeliveryListRow[]> {
  const conditions = [eq(webhookDeliveries.subscriptionId, subscriptionId), eventInScope(scope)]
  if (filter.state) conditions.push(eq(webhookDeliveries.state, filter.state))
  if (filter.before !== undefined) conditions.push(lt(webhookDeliveries.id, filter.before))
  return tx
    .select({ delivery: webhookDeliveries, event: { id: events.eventId, type: events.type }, latest: latestAttempt })
    .from(webhookDeliveries)
    .innerJoin(events, eq(events.id, webhookDeliveries.eventId))
    .where(and(...conditions))
    .orderBy(desc(webhookDeliveries.id))
    .limit(filter.limit)
}

export async function getDelivery(
  tx: Executor,
  scope: Scope,
  subscriptionId: string,
  id: number,
): Promise<DeliveryListRow | undefined> {
  const [row] = await tx
    .select({ delivery: webhookDeliveries, event: { id: events.eventId, type: events.type }, latest: latestAttempt })
    .from(webhookDeliveries)
    .innerJoin(events, eq(events.id, webhookDeliveries.eventId))
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.subscriptionId, subscriptionId), eventInScope(scope)))
  return row
}

/** When the queue will try each of these pairs next (only pairs waiting out a backoff are listed). */
export async function nextAttempts(db: Executor, keys: readonly string[]): Promise<Map<string, Date>> {
  if (keys.length === 0) return new Map()
  const rows = await db
    .select({ key: jobs.singletonKey, runAt: jobs.runAt })
    .from(jobs)
    .where(and(inArray(jobs.singletonKey, [...keys]), eq(jobs.state, 'queued')))
  return new Map(rows.map((row) => [row.key!, row.runAt]))
}

/**
 * Extends this worker's lease on a delivery job just before it calls the receiver; false when the job is
 * no longer this worker's (its lease ran out while it waited in the batch and another worker took it).
 */
export async function renewLease(db: Executor, jobId: number, workerId: string, until: Date): Promise<boolean> {
  const renewed = await db
    .update(jobs)
    .set({ lockedUntil: until })
    .where(and(eq(jobs.id, jobId), eq(jobs.lockedBy, workerId), eq(jobs.state, 'active')))
    .returning({ id: jobs.id })
  return renewed.length === 1
}

export type RearmOutcome = { state: 'queued'; runAt: Date } | { state: 'in_progress' } | { state: 'absent' }

/**
 * Puts a pair's delivery job back in the queue to run now with a fresh set of attempts: a dead-lettered
 * or delivered one is re-armed, one waiting out a backoff is brought forward. The job row stays the one
 * per pair, so a retry never runs beside an automatic attempt.
 */
export async function rearmDelivery(tx: Executor, key: string, now: Date): Promise<RearmOutcome> {
  const [job] = await tx
    .select({ id: jobs.id, state: jobs.state })
    .from(jobs)
    .where(eq(jobs.singletonKey, key))
    .for('update')
  if (!job) return { state: 'absent' }
  if (job.state === 'active') return { state: 'in_progress' }
  const changes =
    job.state === 'queued'
      ? { runAt: now }
      : {
          state: 'queued' as const,
          runAt: now,
          attempts: 0,
          lockedBy: null,
          lockedUntil: null,
          lastError: null,
          finishedAt: null,
        }
  await tx.update(jobs).set(changes).where(eq(jobs.id, job.id))
  return { state: 'queued', runAt: now }
}

/**
 * A delivery discloses an event's view to another system: it is audited like a read, with the service
 * itself as the actor and the subscription and its owner named (never the payload).
 */
export async function auditDelivery(
  tx: Executor,
  entry: {
    at: Date
    jobId: number
    event: StoredEvent
    outcome: 'success' | 'failure'
    details: Record<string, unknown>
  },
): Promise<void> {
  await appendAudit(tx, [
    {
      occurredAt: entry.at,
      actor: { type: 'system', id: 'webhooks', name: 'webhook delivery', role: null },
      action: 'webhook.deliver',
      resourceType: entry.event.resourceType,
      resourceId: entry.event.resourceId,
      unitCode: entry.event.wardCode,
      requestId: `job-${entry.jobId}`,
      outcome: entry.outcome,
      details: { eventId: entry.event.eventId, eventType: entry.event.type, ...entry.details },
    },
  ])
}

/**
 * Seals subscription secrets an older version kept in clear (`plain:` values); run at start, after the
 * migrations. Returns how many it sealed.
 */
export async function sealPlainWebhookSecrets(db: Executor, secretsKey: string): Promise<number> {
  const plain = await db
    .select({ id: webhookSubscriptions.id, secret: webhookSubscriptions.secret })
    .from(webhookSubscriptions)
    .where(like(webhookSubscriptions.secret, 'plain:%'))
  for (const row of plain) {
    const sealed = sealWebhookSecret(secretsKey, row.secret.slice('plain:'.length), row.id)
    await db.update(webhookSubscriptions).set({ secret: sealed }).where(eq(webhookSubscriptions.id, row.id))
  }
  return plain.length
}
