import { sql } from 'drizzle-orm'
import { index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core'

/** A re-homing: what was planned (the preview), how far it got, and whether it was undone (migration 0018). */
export const rehomingBatches = pgTable('rehoming_batches', {
  id: uuid('id')
    .primaryKey()
    .default(sql`gen_random_uuid()`),
  predecessorCodes: text('predecessor_codes').array().notNull(),
  state: text('state', { enum: ['running', 'done', 'failed', 'undoing', 'undone'] }).notNull(),
  planned: jsonb('planned').notNull(),
  moved: integer('moved').notNull().default(0),
  undone: integer('undone').notNull().default(0),
  failureCode: text('failure_code'),
  createdBy: text('created_by').notNull(),
  requestId: text('request_id').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  finishedAt: timestamp('finished_at', { withTimezone: true }),
  undoneAt: timestamp('undone_at', { withTimezone: true }),
  undoneBy: text('undone_by'),
  undoRequestId: text('undo_request_id'),
})

/** One record moved by a batch: ids and unit codes only, never personal values. */
export const rehomingMoves = pgTable(
  'rehoming_moves',
  {
    batchId: uuid('batch_id')
      .notNull()
      .references(() => rehomingBatches.id),
    recordType: text('record_type', { enum: ['household', 'child', 'incident'] }).notNull(),
    recordId: uuid('record_id').notNull(),
    fromWard: text('from_ward').notNull(),
    fromGroup: text('from_group'),
    toWard: text('to_ward').notNull(),
    toGroup: text('to_group'),
    movedAt: timestamp('moved_at', { withTimezone: true }).notNull(),
    undoneAt: timestamp('undone_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.batchId, t.recordType, t.recordId] }),
    index('rehoming_moves_record_idx').on(t.recordType, t.recordId),
    index('rehoming_moves_pending_idx')
      .on(t.batchId, t.recordType, t.recordId)
      .where(sql`${t.undoneAt} is null`),
  ],
)
