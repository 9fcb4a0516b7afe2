/**
 * The import, end to end, the same for the HTTP API, its background job and the CLI: create the import,
 * stage the file's rows, reject keys repeated in the file, process the rows in batch transactions, and
 * finish with one audit event and one `import.completed` event.
 */
import { eq } from 'drizzle-orm'
import type { Database, Tx } from '../../db/client.js'
import type { Principal } from '../../platform/auth.js'
import type { Clock } from '../../platform/clock.js'
import { inScope, systemScope, type UnitNode } from '../../platform/scope.js'
import { localDateOf } from '../calendar/rules.js'
import { childColumns, type ColumnDefinition } from '../children/columns.js'
import { provinceOfUnit } from '../units/tree.js'
import { householdColumns } from '../households/columns.js'
import { recordEvent } from '../webhooks/repository.js'
import {
  claimFor,
  processChildBatch,
  processHouseholdBatch,
  type BatchContext,
  type BatchMode,
  type BatchResult,
} from './batches.js'
import type { OpenedFile } from './parse.js'
import type { PlanContext } from './plan.js'
import {
  addCounts,
  auditRecords,
  claimRows,
  countPendingRows,
  deleteImportRows,
  dropPendingRows,
  dropUnrejectedRows,
  ethnicityCodes,
  getImport,
  insertImport,
  lastRowNumber,
  lockImport,
  refreshRegistryStatistics,
  rejectRepeatedKeys,
  settleRows,
  stageRows,
  updateImport,
  type ImportRecord,
  type SettledRow,
  type StagedRow,
} from './repository.js'
import type { AuditActor } from '../../platform/audit.js'
import { rowWarning, type ImportFormat, type ImportKind, type ImportMode } from './rules.js'
import { imports } from './tables.js'

export interface ImportRuntime {
  database: Database
  clock: Clock
  unitTree(): Promise<UnitNode[]>
  /** Batch transactions run side by side; 1 on the embedded database, which has one connection. */
  concurrency: number
  batchSize: number
}

export interface ImportOptions {
  kind: ImportKind
  format: ImportFormat
  mode: ImportMode
  dryRun: boolean
  source: string
  fileName: string | null
}

/** Above this many rows an upload is answered 202 and imported by a background job. */
export const backgroundRowThreshold = 5000
/** Reading a workbook is slow work of its own: one this large goes to the background at once. */
export const backgroundWorkbookBytes = 2 * 1024 * 1024

/** The key of the header row's data: the file's columns, in order, with their headers as written. */
export const headerColumnsKey = 'headerColumns'

export function columnsOf(kind: ImportKind): readonly ColumnDefinition[] {
  return kind === 'children' ? childColumns : householdColumns
}

export function actorOf(principal: Principal): AuditActor {
  return { type: principal.kind, id: principal.id, name: principal.name, role: principal.role }
}

/**
 * Where an import "happens", for its event and audit trail: the importer's first unit (the ward of a
 * residential group), which for district staff is the district or province itself.
 */
function homeUnit(principal: Principal, tree: readonly UnitNode[]): { provinceCode: string; wardCode: string } {
  const first = principal.units[0] ?? ''
  const unit = tree.find((node) => node.code === first)
  const code = unit?.level === 'residential_group' && unit.parentCode ? unit.parentCode : first
  return { provinceCode: provinceOfUnit(tree, code) || code, wardCode: code }
}

/**
 * Without a source, an import keys its rows in the importer's first unit: two wards' spreadsheets that
 * both number their rows 1, 2, 3 then never collide, and a ward re-importing its file updates its records.
 */
export function defaultSource(principal: Principal): string {
  return principal.units[0] ?? principal.id
}

export async function createImport(
  runtime: ImportRuntime,
  principal: Principal,
  options: ImportOptions,
): Promise<ImportRecord> {
  return insertImport(runtime.database.db, {
    kind: options.kind,
    source: options.source,
    mode: options.mode,
    dryRun: options.dryRun ? 1 : 0,
    format: options.format,
    fileName: options.fileName,
    // Running without a start time: the file is being read. See docs/imports.md for the states.
    state: 'running',
    principalKind: principal.kind,
    principalId: principal.id,
    createdAt: runtime.clock.now(),
  })
}

/**
 * Stages every row of the file in batch transactions, the header first (as the import's column mapping,
 * with a warning for columns that are not read). Rows the reader already found faulty are stored
 * rejected. `onBatch` sees the running count after each batch. Then rejects keys repeated in the file.
 */
export async function stageFile(
  runtime: ImportRuntime,
  record: ImportRecord,
  file: OpenedFile,
  onBatch: (rowsRead: number) => void = () => {},
): Promise<number> {
  const db = runtime.database.db
  if (file.header) {
    const { header } = file
    await stageRows(db, record.id, [
      {
        rowNumber: file.headerRowNumber,
        data: { [headerColumnsKey]: JSON.stringify(header.columns.map((column) => [column.key, column.header])) },
        outcome: 'unchanged',
        problems:
          header.unknown.length > 0
            ? header.unknown.map((name) =>
                rowWarning(name, 'unknown_column', 'is not a column of the registry: not imported'),
              )
            : null,
      },
    ])
  }
  let rowsRead = 0
  let batch: StagedRow[] = []
  const flush = async () => {
    if (batch.length === 0) return
    const rows = batch
    batch = []
    const rejected = rows.filter((row) => row.outcome === 'rejected').length
    await db.transaction(async (tx) => {
      await stageRows(tx, record.id, rows)
      await addCounts(tx, record.id, { rowsRead: rows.length, rowsDone: rejected, rejected })
    })
    rowsRead += rows.length
    onBatch(rowsRead)
  }
  for await (const row of file.rows) {
    batch.push(
      row.problems
        ? { rowNumber: row.rowNumber, data: row.cells, outcome: 'rejected', problems: row.problems }
        : { rowNumber: row.rowNumber, data: row.cells },
    )
    if (batch.length >= runtime.batchSize) await flush()
  }
  await flush()
  const keys =
    record.kind === 'children' ? (['externalId', 'id', 'personalId'] as const) : (['externalId', 'id'] as const)
  await db.transaction(async (tx) => {
    const repeated = await rejectRepeatedKeys(tx, record.id, keys)
    await addCounts(tx, record.id, { rowsDone: repeated, rejected: repeated })
  })
  return rowsRead
}

/** Who closes an import that failed, for its audit event: its importer, or the service's sweep. */
export interface Closer {
  actor: AuditActor
  requestId: string
}

export const sweepCloser: Closer = {
  actor: { type: 'system', id: 'imports.sweep', name: 'imports.sweep', role: 'system' },
  requestId: 'imports.sweep',
}

/**
 * Closes an import that cannot go on, with its reason and an audit event. `dropRows`: nothing of the file
 * was imported (a file problem, an interrupted upload), so its staged rows go too; otherwise the rows
 * already processed keep their outcomes and only those still pending go.
 */
export async function failImport(
  runtime: ImportRuntime,
  id: string,
  failure: { code: string; message: string },
  closer: Closer,
  options: { dropRows: boolean } = { dropRows: true },
): Promise<void> {
  const now = runtime.clock.now()
  await runtime.database.db.transaction(async (tx) => {
    if (options.dropRows) await deleteImportRows(tx, id)
    else await dropPendingRows(tx, id)
    const failed = await updateImport(tx, id, { state: 'failed', failure, finishedAt: now })
    await auditRecords(tx, closer.actor, now, closer.requestId, [
      {
        action: 'import.failed',
        resourceType: 'import',
        resourceId: id,
        unitCode: null,
        details: { code: failure.code, kind: failed?.kind, rowsDone: failed?.rowsDone },
      },
    ])
  })
}

/** Removes an import refused before anything of it was usable (the client got a 4xx for it). */
export async function discardImport(runtime: ImportRuntime, id: string): Promise<void> {
  await runtime.database.db.transaction(async (tx) => {
    await deleteImportRows(tx, id)
    await tx.delete(imports).where(eq(imports.id, id))
  })
}

async function planContextFor(runtime: ImportRuntime, principal: Principal, now: Date): Promise<PlanContext> {
  return {
    asOf: localDateOf(now),
    tree: await runtime.unitTree(),
    scope: principal.scope,
    sensitiveAllowed: principal.permissions.has('registry:sensitive'),
    ethnicities: await ethnicityCodes(runtime.database.db),
  }
}

const processBatch = (
  tx: Tx,
  rows: Parameters<typeof processChildBatch>[1],
  context: BatchContext,
  mode: BatchMode,
): Promise<BatchResult> =>
  context.record.kind === 'children'
    ? processChildBatch(tx, rows, context, mode)
    : processHouseholdBatch(tx, rows, context, mode)

/**
 * Claims the next batch of pending rows, window by window up to the last row; empty when none is left
 * after the cursor. Row numbers are the file's lines, so a window of twice the batch nearly always
 * holds a whole batch; a window whose rows all belong to another worker is simply passed.
 */
function rowCursor(runtime: ImportRuntime, lastRow: number) {
  let cursor = 0
  const window = runtime.batchSize * 2
  return async (tx: Tx, importId: string, claim: 'take' | 'lock') => {
    while (cursor < lastRow) {
      const rows = await claimRows(tx, importId, cursor, window, runtime.batchSize, claim)
      cursor = rows.length > 0 ? rows[rows.length - 1]!.rowNumber : cursor + window
      if (rows.length > 0) return rows
    }
    return []
  }
}

/** Serialises one step among concurrent workers (claiming the next rows advances a shared cursor). */
function serial() {
  let last: Promise<unknown> = Promise.resolve()
  return <T>(step: () => Promise<T>): Promise<T> => {
    const next = last.then(step, step)
    last = next.catch(() => undefined)
    return next
  }
}

/**
 * Every pending row, a batch per transaction, `concurrency` transactions at a time. A failed batch rolls
 * back whole and stops the run; the job runs again and takes the rows still pending, so no row is ever
 * half-written or written twice.
 */
async function runBatches(
  runtime: ImportRuntime,
  context: BatchContext,
  mode: BatchMode,
  onProgress: (rows: number) => void,
): Promise<void> {
  const next = rowCursor(runtime, await lastRowNumber(runtime.database.db, context.record.id))
  let failed = false
  const claim = serial()
  const worker = async () => {
    for (;;) {
      if (failed) return
      const done = await inScope(runtime.database.db, context.principal.scope, async (tx) => {
        const rows = await claim(() => next(tx, context.record.id, claimFor(mode)))
        if (rows.length === 0) return true
        const result = await processBatch(tx, rows, context, mode)
        onProgress(result.counts.rowsDone)
        return false
      })
      if (done) return
      if (mode.apply === 'commit') await refreshRegistryStatistics(runtime.database.db)
    }
  }
  const stopOnFailure = (error: unknown) => {
    failed = true
    throw error
  }
  const results = await Promise.allSettled(
    Array.from({ length: Math.max(1, runtime.concurrency) }, () => worker().catch(stopOnFailure)),
  )
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected')
  if (failure) throw failure.reason
}

/** An atomic import that meets a rejection in its writing pass (the registry changed since validation). */
class AtomicRejection extends Error {
  constructor(readonly rows: SettledRow[]) {
    super('rows were rejected while writing an atomic import')
  }
}

/**
 * Writes every pending row in one transaction (the atomic import's second pass): all of them, or, at
 * the first rejection, none.
 */
async function writeAll(
  runtime: ImportRuntime,
  context: BatchContext,
  onProgress: (rows: number) => void,
): Promise<void> {
  const next = rowCursor(runtime, await lastRowNumber(runtime.database.db, context.record.id))
  await inScope(runtime.database.db, context.principal.scope, async (tx) => {
    for (;;) {
      const rows = await next(tx, context.record.id, 'take')
      if (rows.length === 0) return
      const result = await processBatch(tx, rows, context, { apply: 'commit', keepPending: false })
      if (result.rejected.length > 0) throw new AtomicRejection(result.rejected)
      // Analysed inside the transaction: its own uncommitted rows are what the next batch looks up.
      await refreshRegistryStatistics(tx)
      onProgress(result.counts.rowsDone)
    }
  })
}

export interface ProcessOptions {
  requestId: string
  onProgress?: (rowsDone: number, rowsRead: number) => void
}

/**
 * Imports the staged rows as `principal` (whose units are read fresh for every run). Idempotent: a run
 * after a crash takes the rows still pending; a finished import is returned as it is.
 */
export async function processImport(
  runtime: ImportRuntime,
  id: string,
  principal: Principal,
  options: ProcessOptions,
): Promise<ImportRecord> {
  const db = runtime.database.db
  const start = await getImport(db, id)
  if (!start) throw new Error(`import ${id} does not exist`)
  if (start.state === 'completed' || start.state === 'failed') return start
  const now = runtime.clock.now()
  const record = (await updateImport(db, id, { state: 'running', startedAt: start.startedAt ?? now })) ?? start
  const context: BatchContext = {
    record,
    principal,
    actor: actorOf(principal),
    plan: await planContextFor(runtime, principal, now),
    now,
    requestId: options.requestId,
  }
  let rowsDone = record.rowsDone
  const progress = (rows: number) => {
    rowsDone += rows
    options.onProgress?.(rowsDone, record.rowsRead)
  }
  const dryRun = record.dryRun === 1
  if (dryRun || record.mode === 'partial') {
    await runBatches(runtime, context, { apply: dryRun ? 'rollback' : 'commit', keepPending: false }, progress)
  } else {
    await runBatches(runtime, context, { apply: 'rollback', keepPending: true }, progress)
    const validated = await getImport(db, id)
    if (validated && validated.rejected === 0) {
      try {
        await writeAll(runtime, context, progress)
      } catch (error) {
        if (!(error instanceof AtomicRejection)) throw error
        await db.transaction(async (tx) => {
          await settleRows(tx, id, error.rows, 'lock')
          await addCounts(tx, id, { rowsDone: error.rows.length, rejected: error.rows.length })
        })
      }
    }
  }
  return finishImport(runtime, id, principal, options.requestId)
}

/**
 * Closes a processed import: completed, or failed when an atomic import rejected rows (then nothing was
 * written and no counts but the rejections stand). One audit event and, for a real run, one
 * `import.completed` event — exactly once, whoever gets here first.
 */
async function finishImport(
  runtime: ImportRuntime,
  id: string,
  principal: Principal,
  requestId: string,
): Promise<ImportRecord> {
  const now = runtime.clock.now()
  const tree = await runtime.unitTree()
  // The event's unit may be the district, which no ward-level scope covers: it is the service's record.
  return inScope(runtime.database.db, systemScope, async (tx) => {
    const current = await lockImport(tx, id)
    if (!current) throw new Error(`import ${id} does not exist`)
    if (current.state !== 'running') return current
    const atomicFailure = current.mode === 'atomic' && current.rejected > 0
    if ((await countPendingRows(tx, id)) > 0 && !atomicFailure) {
      throw new Error(`import ${id} still has pending rows; the next run takes them`)
    }
    let final: ImportRecord | undefined
    if (atomicFailure) {
      await dropUnrejectedRows(tx, id, headerColumnsKey)
      final = await updateImport(tx, id, {
        state: 'failed',
        failure: {
          code: 'rows_rejected',
          message: `${current.rejected} row(s) were rejected, so nothing was imported (mode atomic).`,
        },
        created: 0,
        updated: 0,
        unchanged: 0,
        warnings: 0,
        rowsDone: current.rowsRead,
        finishedAt: now,
      })
    } else {
      final = await updateImport(tx, id, { state: 'completed', finishedAt: now })
    }
    final ??= current
    const unit = homeUnit(principal, tree)
    const counts = {
      created: final.created,
      updated: final.updated,
      unchanged: final.unchanged,
      rejected: final.rejected,
      warnings: final.warnings,
    }
    await auditRecords(tx, actorOf(principal), now, requestId, [
      {
        action: final.dryRun === 1 ? 'import.dry_run' : 'import.run',
        resourceType: 'import',
        resourceId: id,
        unitCode: unit.wardCode,
        details: { kind: final.kind, mode: final.mode, format: final.format, state: final.state, ...counts },
      },
    ])
    if (final.dryRun === 0 && final.state === 'completed') {
      await recordEvent(tx, {
        type: 'import.completed',
        occurredAt: now,
        unit: { ...unit, residentialGroupCode: null },
        resourceType: 'import',
        resourceId: id,
        // Flat, as docs/webhooks.md lists the members of import.completed.
        data: {
          importId: id,
          kind: final.kind,
          source: final.source,
          mode: final.mode,
          state: final.state,
          dryRun: false,
          rowsRead: final.rowsRead,
          ...counts,
        },
        dedupeKey: `import.completed:${id}`,
      })
    }
    return final
  })
}
