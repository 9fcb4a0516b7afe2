import { sql } from 'drizzle-orm'
import t from 'tap'
import type { Tx } from '../../../src/db/client.js'
import { jobKeyOf, processQueue } from '../../../src/modules/imports/jobs.js'
import { openImportFile } from '../../../src/modules/imports/parse.js'
import {
  columnsOf,
  createImport,
  processImport,
  stageFile,
  type ImportRuntime,
} from '../../../src/modules/imports/service.js'
import { updateImport } from '../../../src/modules/imports/repository.js'
import { jobs } from '../../../src/platform/jobs-tables.js'
import { createTestApp } from '../../support/app.js'
import { accountFor, wardA } from '../../support/auth.js'
import { childHeader, childRow, countRows, csv, now } from './helpers.js'

const rows = 2500

t.test('a worker killed mid-import leaves whole batches only; the job taking over completes it, once', async (t) => {
  const ctx = await createTestApp(t, { now })
  const { app } = ctx
  const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const principal = await app.accounts.principals.forToken({ subject: { kind: 'user', id: officer.id }, claims: {} })
  const runtime: ImportRuntime = {
    database: app.database,
    clock: app.clock,
    unitTree: () => app.accounts.principals.unitTree(),
    concurrency: 1,
    batchSize: 1000,
  }

  // Staged and queued as POST /v1/imports leaves a large file.
  const file = csv([childHeader, ...Array.from({ length: rows }, (_, i) => childRow(i))])
  const opened = await openImportFile('children', 'csv', { content: Buffer.from(file) }, columnsOf('children'))
  const record = await createImport(runtime, principal, {
    kind: 'children',
    format: 'csv',
    mode: 'partial',
    dryRun: false,
    source: wardA,
    fileName: null,
  })
  await stageFile(runtime, record, opened)
  await updateImport(app.database.db, record.id, { state: 'queued' })
  await app.jobs.send(
    app.database.db,
    processQueue,
    { importId: record.id, requestId: 'upload' },
    { singletonKey: jobKeyOf(record.id) },
  )
  await app.database.db
    .update(jobs)
    .set({ state: 'active', lockedBy: 'worker-that-dies', lockedUntil: new Date(app.clock.now().getTime() + 30_000) })
    .where(sql`${jobs.singletonKey} = ${jobKeyOf(record.id)}`)

  // The worker holding the job dies on its third batch: that batch's transaction never commits.
  let transactions = 0
  const dying = new Proxy(app.database.db, {
    get(target, property, receiver) {
      if (property !== 'transaction') return Reflect.get(target, property, receiver)
      return async <T>(work: (tx: Tx) => Promise<T>) =>
        target.transaction(async (tx) => {
          const result = await work(tx)
          if (++transactions === 3) throw new Error('the worker process was killed')
          return result
        })
    },
  })
  await t.rejects(
    processImport({ ...runtime, database: { ...app.database, db: dying } }, record.id, principal, {
      requestId: 'upload',
    }),
    /killed/,
  )

  const halfway = (await app.inject({ url: `/v1/imports/${record.id}`, headers: officer.headers })).json()
  t.match(halfway, { state: 'running', rowsDone: 2000, counts: { created: 2000 } })
  t.equal(await countRows(ctx, 'children'), 2000, 'two whole batches, nothing of the third')
  t.equal(await countRows(ctx, 'child_revisions'), 2000)
  t.equal(await countRows(ctx, 'audit_events', sql`action = 'child.create'`), 2000)
  t.equal(
    await countRows(ctx, 'import_rows', sql`import_id = ${record.id}::uuid and outcome = 'pending'`),
    rows - 2000,
    'the third batch is pending again',
  )

  t.equal(
    (await app.jobs.runDue()) > 0 && (await countRows(ctx, 'children')),
    2000,
    'nothing happens while the dead worker’s lease holds',
  )
  ctx.clock.advance(60_000)
  await app.jobs.runDue()

  const done = (await app.inject({ url: `/v1/imports/${record.id}`, headers: officer.headers })).json()
  t.match(done, {
    state: 'completed',
    rowsDone: rows,
    counts: { created: rows, updated: 0, unchanged: 0, rejected: 0, warnings: 0 },
  })
  t.equal(await countRows(ctx, 'children'), rows)
  t.equal(
    await countRows(
      ctx,
      'children',
      sql`external_id in (select external_id from children group by external_id having count(*) > 1)`,
    ),
    0,
    'no duplicates',
  )
  t.equal(await countRows(ctx, 'child_revisions', sql`action = 'create'`), rows, 'one revision per child')
  t.equal(
    await countRows(ctx, 'audit_events', sql`action = 'child.create' and details->>'importId' = ${record.id}`),
    rows,
    'one audit event per child',
  )
  t.equal(await countRows(ctx, 'audit_events', sql`action = 'import.run' and resource_id = ${record.id}`), 1)
  t.equal(await countRows(ctx, 'events', sql`type = 'import.completed' and resource_id = ${record.id}`), 1)
  t.equal(
    await countRows(ctx, 'import_rows', sql`import_id = ${record.id}::uuid and not (data ? 'headerColumns')`),
    0,
    'no staged copy of the rows is left',
  )
  const [job] = await app.database.db
    .select()
    .from(jobs)
    .where(sql`${jobs.singletonKey} = ${jobKeyOf(record.id)}`)
  t.equal(job?.state, 'done')
})
