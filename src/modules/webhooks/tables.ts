import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core'

/**
 * The transactional outbox: every domain event is written in the transaction of the change that causes
 * it. `id` orders the feed; `eventId` lets receivers deduplicate; `dedupeKey` makes events that must
 * happen once per thing (an overdue report, an overdue step) exactly-once, however often a sweep runs.
 */
export const events = pgTable(
  'events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    eventId: uuid('event_id').notNull().defaultRandom(),
    type: text('type').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    provinceCode: text('province_code').notNull(),
    wardCode: text('ward_code').notNull(),
    residentialGroupCode: text('residential_group_code'),
    resourceType: text('resource_type').notNull(),
    resourceId: text('resource_id').notNull(),
    /** Everything a fully entitled subscriber may see; each reader gets a view cut to its role. */
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    dedupeKey: text('dedupe_key'),
  },
  (t) => [
    uniqueIndex('events_event_id_key').on(t.eventId),
    uniqueIndex('events_dedupe_key').on(t.dedupeKey),
    index('events_type_idx').on(t.type, t.id),
  ],
)

export const webhookSubscriptions = pgTable('webhook_subscriptions', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** The machine client (or user) whose role and units decide what the subscription may receive. */
  ownerKind: text('owner_kind', { enum: ['client', 'user'] }).notNull(),
  ownerId: text('owner_id').notNull(),
  url: text('url').notNull(),
  eventTypes: text('event_types').array().notNull(),
  units: text('units').array().notNull(),
  /** HMAC key; needed in clear to sign, so it is kept encrypted with WEBHOOK_SECRET_KEY when configured. */
  secret: text('secret').notNull(),
  /** The secret a rotation replaced, sealed as `secret` is; it signs beside the new one until `previousSecretUntil`. */
  previousSecret: text('previous_secret'),
  previousSecretUntil: timestamp('previous_secret_until', { withTimezone: true }),
  /**
   * Which secret also signs the former way (`v1=<hex>`) for a receiver set up before Standard Webhooks
   * (migration 0033): 'current', 'previous' while a rotation's previous secret signs, or null.
   */
  formerSignatureSecret: text('former_signature_secret', { enum: ['current', 'previous'] }),
  active: boolean('active').notNull().default(true),
  version: integer('version').notNull().default(1),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  createdBy: text('created_by'),
  deletedAt: timestamp('deleted_at', { withTimezone: true }),
})

export const deliveryStates = ['succeeded', 'failed', 'dead'] as const

/** One row per delivery attempt of one event to one subscription. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    subscriptionId: uuid('subscription_id')
      .notNull()
      .references(() => webhookSubscriptions.id),
    eventId: bigint('event_row_id', { mode: 'number' })
      .notNull()
      .references(() => events.id),
    attempt: integer('attempt').notNull(),
    state: text('state', { enum: deliveryStates }).notNull(),
    responseStatus: integer('response_status'),
    latencyMs: integer('latency_ms'),
    error: text('error'),
    requestHeaders: jsonb('request_headers').$type<Record<string, string>>(),
    attemptedAt: timestamp('attempted_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('webhook_deliveries_subscription_idx').on(t.subscriptionId, t.id),
    uniqueIndex('webhook_deliveries_attempt_key').on(t.subscriptionId, t.eventId, t.attempt),
  ],
)

/** How far the dispatcher has fanned the event feed out to subscriptions. */
export const eventDispatchCursor = pgTable('event_dispatch_cursor', {
  name: text('name').primaryKey(),
  lastEventId: bigint('last_event_id', { mode: 'number' }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
})
