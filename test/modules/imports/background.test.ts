import { sql } from 'drizzle-orm'
import t from 'tap'
import { createImport, type ImportRuntime } from '../../../src/modules/imports/service.js'
import { createTestApp } from '../../support/app.js'
import { accountFor, wardA } from '../../support/auth.js'
import { childHeader, childRow, countRows, csv, now, postImport, waitForState } from './helpers.js'

/** More rows than an import answers synchronously. */
const largeRows = 6500

function largeFile(prefix: string): string {
  return csv([
    childHeader,
    ...Array.from({ length: largeRows }, (_, i) =>
      childRow(i, wardA, { externalId: `${prefix}-${i}`, fullName: `Trẻ ${prefix} ${i}` }),
    ),
  ])
}

t.test('large files are imported in the background', async (t) => {
  const ctx = await createTestApp(t, { now })
  const { app } = ctx
  const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })

  t.test('202 with a Location; progress while it waits and runs; the job completes it', async (t) => {
    const response = await postImport(ctx, officer, largeFile('L'), { query: 'mode=partial' })
    t.equal(response.statusCode, 202)
    const id = response.json().id as string
    t.equal(response.headers.location, `/v1/imports/${id}`)
    t.equal(response.json().state, 'running')
    const queued = await waitForState(ctx, officer, id, ['queued'])
    t.match(queued, { rowsRead: largeRows, rowsDone: 0, percent: 0 })
    await app.jobs.runDue()
    const done = (await app.inject({ url: `/v1/imports/${id}`, headers: officer.headers })).json()
    t.match(done, {
      state: 'completed',
      rowsRead: largeRows,
      rowsDone: largeRows,
      percent: 100,
      counts: { created: largeRows, rejected: 0 },
    })
    t.equal(await countRows(ctx, 'children', sql`external_id like 'L-%'`), largeRows)
  })

  t.test('an upload whose reading was interrupted is closed by the sweep, its rows dropped', async (t) => {
    const principal = await app.accounts.principals.forToken({ subject: { kind: 'user', id: officer.id }, claims: {} })
    const runtime: ImportRuntime = {
      database: app.database,
      clock: app.clock,
      unitTree: () => app.accounts.principals.unitTree(),
      concurrency: 1,
      batchSize: 1000,
    }
    const record = await createImport(runtime, principal, {
      kind: 'children',
      format: 'csv',
      mode: 'partial',
      dryRun: false,
      source: wardA,
      fileName: null,
    })
    ctx.clock.advance(2 * 60 * 60 * 1000)
    await app.jobs.runDue()
    const closed = (await app.inject({ url: `/v1/imports/${record.id}`, headers: officer.headers })).json()
    t.match(closed, { state: 'failed', failure: { code: 'interrupted' } })
    t.equal(
      await countRows(
        ctx,
        'audit_events',
        sql`action = 'import.failed' and resource_id = ${record.id} and actor_type = 'system'`,
      ),
      1,
    )
  })
})
