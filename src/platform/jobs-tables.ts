import { sql } from 'drizzle-orm'
import { bigserial, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core'

export const jobStates = ['queued', 'active', 'done', 'dead'] as const

/**
 * Work for later: deadline sweeps, webhook deliveries, large imports. Claimed with SKIP LOCKED under a
 * lease, so several instances never run one job at the same time; a crashed worker's lease expires and
 * the job runs again (handlers are idempotent).
 */
export const jobs = pgTable(
  'jobs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    queue: text('queue').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    state: text('state', { enum: jobStates }).notNull().default('queued'),
    runAt: timestamp('run_at', { withTimezone: true }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(5),
    /** At most one job per key, ever: scheduled slots and one-off work that must not be queued twice. */
    singletonKey: text('singleton_key'),
    lockedBy: text('locked_by'),
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    index('jobs_due_idx')
      .on(t.state, t.runAt)
      .where(sql`${t.state} in ('queued', 'active')`),
    uniqueIndex('jobs_singleton_key').on(t.singletonKey),
    index('jobs_queue_idx').on(t.queue, t.state),
  ],
)
