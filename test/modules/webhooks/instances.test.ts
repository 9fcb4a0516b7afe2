import { eq, sql } from 'drizzle-orm'
import t, { type Test } from 'tap'
import { openDatabase, type Database } from '../../../src/db/client.js'
import { deliverQueue, dispatchQueue } from '../../../src/modules/webhooks/service.js'
import { webhookDeliveries } from '../../../src/modules/webhooks/tables.js'
import { jobs } from '../../../src/platform/jobs-tables.js'
import { createTestApp, onPostgres, openTestDatabase } from '../../support/app.js'
import { accountFor, wardA } from '../../support/auth.js'
import { registerChild } from '../../support/registry.js'
import { ownerConnectionString } from '../../support/owner.js'
import { configureWebhooks, startReceiver } from './fixtures/receiver.js'

/** A second connection pool to the same test database, as a second API process would have. */
async function secondHandle(t: Test, first: Database): Promise<Database> {
  if (!onPostgres) return first
  const database = await openDatabase({
    url: await ownerConnectionString(first),
    dataDir: '',
    poolMax: 5,
    statementTimeoutMs: 30_000,
  })
  t.teardown(() => database.close())
  return database
}

t.test('two instances on one database deliver each event to each subscriber exactly once', async (t) => {
  // On PostgreSQL the two apps have their own pools and really run at once. The embedded database is one
  // connection in one process (there is no second instance in production): both apps share it, so their
  // work interleaves statement by statement, which still exercises the claims, singleton keys and cursor.
  const first = await openTestDatabase(t)
  const second = await secondHandle(t, first)
  const now = '2024-06-15T03:00:00Z'
  const one = await createTestApp(t, { database: first, now, extend: (app) => void configureWebhooks(app, {}) })
  const two = await createTestApp(t, { database: second, now, extend: (app) => void configureWebhooks(app, {}) })
  const receiver = await startReceiver(t)
  // Long enough that a second worker would be seen delivering the same event at the same time.
  receiver.delayMs = 30
  const admin = await accountFor(one, { role: 'district_admin', units: ['01'] })
  const officer = await accountFor(one, { role: 'ward_officer', units: [wardA] })
  const paths = ['/first', '/second', '/third']
  for (const path of paths) {
    const created = await one.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: admin.headers,
      payload: { url: receiver.url(path), eventTypes: ['child.created'] },
    })
    t.equal(created.statusCode, 201, created.statusCode === 201 ? `subscribed ${path}` : created.body)
  }
  const children = 8
  for (let index = 0; index < children; index++) {
    await registerChild(one, officer, {
      fullName: `Trẻ Thử ${index}`,
      dateOfBirth: '2018-01-01',
      address: { wardCode: wardA },
    })
  }
  const expected = paths.length * children
  const runBoth = () => Promise.all([one.app.jobs.runDue(), two.app.jobs.runDue()])
  const advanceBoth = (ms: number) => [one, two].forEach((instance) => instance.clock.advance(ms))

  // Round 1, receivers down: each instance runs a dispatcher at the same moment (the cursor row lock
  // makes them take turns) and the first attempts fail.
  receiver.statusFor = () => 503
  advanceBoth(1000)
  await one.app.jobs.send(first.db, dispatchQueue, {})
  await two.app.jobs.send(second.db, dispatchQueue, {})
  await runBoth()
  const queued = await first.db.select().from(jobs).where(eq(jobs.queue, deliverQueue))
  t.equal(queued.length, expected, 'two dispatchers, one delivery job per event and subscriber')

  // Round 2, receivers back: every retry is due at once on both instances.
  receiver.statusFor = () => 200
  advanceBoth(40_000)
  await runBoth()
  for (let round = 0; round < 5 && receiver.received.length < 2 * expected; round++) {
    advanceBoth(40_000)
    await runBoth()
  }

  const received = new Map<string, number>()
  for (const request of receiver.received) {
    const key = `${request.path} ${String(request.headers['webhook-id'])}`
    received.set(key, (received.get(key) ?? 0) + 1)
  }
  t.equal(received.size, expected, 'every event reached every subscriber')
  t.same([...new Set(received.values())], [2], 'once per attempt: the failed one and the one that succeeded')
  t.equal(receiver.maxConcurrentPerEvent, 1, 'never two attempts for the same event and subscriber at once')
  const attempts = await first.db.select().from(webhookDeliveries)
  t.equal(attempts.length, 2 * expected)
  t.same(
    [...new Set(attempts.map((attempt) => `${attempt.attempt}:${attempt.state}`))].sort(),
    ['1:failed', '2:succeeded'],
    'each pair: attempt 1 failed, attempt 2 succeeded',
  )
  const workers = await first.db
    .select({ worker: jobs.lockedBy, n: sql<number>`count(*)::int` })
    .from(jobs)
    .where(eq(jobs.queue, deliverQueue))
    .groupBy(jobs.lockedBy)
  t.comment(`deliveries per worker: ${workers.map((w) => `${w.worker}=${w.n}`).join(', ')}`)
  if (onPostgres) t.equal(workers.length, 2, 'both instances delivered a share')
})
