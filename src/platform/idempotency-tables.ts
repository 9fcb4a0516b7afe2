import { integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core'

/**
 * Creating POSTs answered per principal and key, kept 24 h so that a retried request is answered once.
 * Only the outcome is kept — its status and the created resource's path — never a response body: a
 * replay reads the resource again, through the caller's scope, so no record or secret rests here.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    principal: text('principal').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    state: text('state', { enum: ['in_flight', 'done'] }).notNull(),
    responseStatus: integer('response_status'),
    /** The created resource (the first response's Location), read again on a replay. */
    location: text('location'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.principal, t.key] })],
)
