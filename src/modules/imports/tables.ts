import { bigserial, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'

export const importStates = ['queued', 'running', 'completed', 'failed'] as const

/** A bulk import: its options, progress counters and outcome. */
export const imports = pgTable(
  'imports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind', { enum: ['children', 'households'] }).notNull(),
    source: text('source').notNull(),
    mode: text('mode', { enum: ['atomic', 'partial'] }).notNull(),
    dryRun: integer('dry_run').notNull(),
    format: text('format', { enum: ['csv', 'xlsx', 'ndjson'] }).notNull(),
    fileName: text('file_name'),
    state: text('state', { enum: importStates }).notNull(),
    rowsRead: integer('rows_read').notNull().default(0),
    rowsDone: integer('rows_done').notNull().default(0),
    created: integer('created').notNull().default(0),
    updated: integer('updated').notNull().default(0),
    unchanged: integer('unchanged').notNull().default(0),
    rejected: integer('rejected').notNull().default(0),
    warnings: integer('warnings').notNull().default(0),
    failure: jsonb('failure').$type<{ code: string; message: string }>(),
    /** The principal the import runs as: its role and units decide what each row may touch. */
    principalKind: text('principal_kind').notNull(),
    principalId: text('principal_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [index('imports_principal_idx').on(t.principalId, t.createdAt)],
)

/**
 * The file's rows, staged as parsed (so a restart resumes without re-reading the upload), each with
 * its outcome and problems once processed.
 */
export const importRows = pgTable(
  'import_rows',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    importId: uuid('import_id')
      .notNull()
      .references(() => imports.id),
    rowNumber: integer('row_number').notNull(),
    data: jsonb('data').$type<Record<string, string>>().notNull(),
    outcome: text('outcome', { enum: ['pending', 'created', 'updated', 'unchanged', 'rejected'] })
      .notNull()
      .default('pending'),
    problems:
      jsonb('problems').$type<
        { column: string | null; code: string; message: string; severity: 'error' | 'warning' }[]
      >(),
    recordId: uuid('record_id'),
  },
  (t) => [
    uniqueIndex('import_rows_number_key').on(t.importId, t.rowNumber),
    index('import_rows_pending_idx').on(t.importId, t.outcome),
  ],
)
