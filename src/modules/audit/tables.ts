import { bigint, bigserial, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core'

/**
 * Append-only record of every write and every read of personal data. The application's database role
 * may INSERT and SELECT here, never UPDATE or DELETE (see the access migration).
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    actorType: text('actor_type', { enum: ['user', 'client', 'system', 'anonymous'] }).notNull(),
    actorId: text('actor_id'),
    actorName: text('actor_name'),
    role: text('role'),
    action: text('action').notNull(),
    resourceType: text('resource_type'),
    resourceId: text('resource_id'),
    unitCode: text('unit_code'),
    requestId: text('request_id'),
    outcome: text('outcome', { enum: ['success', 'denied', 'not_found', 'failure'] }).notNull(),
    details: jsonb('details').$type<Record<string, unknown>>(),
  },
  (t) => [
    index('audit_events_occurred_idx').on(t.occurredAt),
    index('audit_events_actor_idx').on(t.actorId, t.occurredAt),
    index('audit_events_resource_idx').on(t.resourceType, t.resourceId),
  ],
)

/**
 * The hash chain over audit events, in the order they were sealed. Sealing runs after commit (one
 * sealer at a time, under an advisory lock), so requests never wait on a global lock; an event is
 * linked within a second or two. Also append-only for the application role.
 */
export const auditChain = pgTable('audit_chain', {
  position: bigint('position', { mode: 'number' }).primaryKey(),
  eventId: bigint('event_id', { mode: 'number' })
    .notNull()
    .unique()
    .references(() => auditEvents.id),
  previousHash: text('previous_hash').notNull(),
  hash: text('hash').notNull(),
  sealedAt: timestamp('sealed_at', { withTimezone: true }).notNull(),
})
