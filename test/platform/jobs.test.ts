import { eq } from 'drizzle-orm'
import t from 'tap'
import type { Database } from '../../src/db/client.js'
import { JobQueue, retryDelayMs } from '../../src/platform/jobs.js'
import { jobs } from '../../src/platform/jobs-tables.js'
import { openTestDatabase, TestClock } from '../support/app.js'

t.test('retry delays grow exponentially, with bounded jitter', async (t) => {
  const cases: [number, number, number, number][] = [
    [1000, 1, 0.5, 1000],
    [1000, 2, 0.5, 2000],
    [1000, 3, 0.5, 4000],
    [1000, 3, 0, 3200],
    [1000, 3, 1, 4800],
  ]
  for (const [base, attempt, random, expected] of cases)
    t.equal(retryDelayMs(base, attempt, random), expected, `attempt ${attempt}, random ${random}`)
})

t.test('the job queue', async (t) => {
  const database: Database = await openTestDatabase(t)
  await database.useAppRole()
  const clock = new TestClock('2024-06-15T00:00:00Z')
  const queue = new JobQueue(database, clock, { pollIntervalMs: 0, random: () => 0.5 })
  const seen: string[] = []
  let failuresLeft = 2
  queue.register<{ name: string }>({
    queue: 'greet',
    backoffBaseMs: 1000,
    maxAttempts: 3,
    handler: async ({ name }) => {
      if (name === 'flaky' && failuresLeft-- > 0) throw new Error('receiver down')
      if (name === 'hopeless') throw new Error('always fails')
      seen.push(name)
    },
  })

  t.test('runs due jobs once, and not jobs that are not due', async (t) => {
    await queue.send(database.db, 'greet', { name: 'now' })
    await queue.send(database.db, 'greet', { name: 'later' }, { runAt: new Date('2024-06-15T01:00:00Z') })
    t.equal(await queue.runDue(), 1)
    t.same(seen, ['now'])
    t.equal(await queue.runDue(), 0, 'nothing runs twice')
    clock.advance(60 * 60 * 1000)
    t.equal(await queue.runDue(), 1)
    t.same(seen, ['now', 'later'])
  })

  t.test('retries with backoff, then succeeds', async (t) => {
    const id = (await queue.send(database.db, 'greet', { name: 'flaky' }))!
    await queue.runDue()
    let [row] = await database.db.select().from(jobs).where(eq(jobs.id, id))
    t.match(row, { state: 'queued', attempts: 1, lastError: 'receiver down' })
    t.equal(row!.runAt.getTime() - clock.now().getTime(), 1000, 'first retry after the base delay')
    clock.advance(1000)
    await queue.runDue()
    ;[row] = await database.db.select().from(jobs).where(eq(jobs.id, id))
    t.equal(row!.runAt.getTime() - clock.now().getTime(), 2000, 'then twice as long')
    clock.advance(2000)
    await queue.runDue()
    ;[row] = await database.db.select().from(jobs).where(eq(jobs.id, id))
    t.equal(row!.state, 'done')
    t.ok(seen.includes('flaky'))
  })

  t.test('dead-letters after the last attempt', async (t) => {
    const id = (await queue.send(database.db, 'greet', { name: 'hopeless' }))!
    for (let i = 0; i < 5; i++) {
      await queue.runDue()
      clock.advance(10_000)
    }
    const [row] = await database.db.select().from(jobs).where(eq(jobs.id, id))
    t.match(row, { state: 'dead', attempts: 3, lastError: 'always fails' })
  })

  t.test('singleton keys queue work once; schedules queue one job per slot', async (t) => {
    t.ok(await queue.send(database.db, 'greet', { name: 'once' }, { singletonKey: 'once' }))
    t.equal(await queue.send(database.db, 'greet', { name: 'once' }, { singletonKey: 'once' }), null)
    queue.schedule({ queue: 'greet', everyMs: 60_000, payload: { name: 'tick' } })
    const other = new JobQueue(database, clock, { pollIntervalMs: 0 })
    other.schedule({ queue: 'greet', everyMs: 60_000, payload: { name: 'tick' } })
    await Promise.all([queue.enqueueScheduled(), other.enqueueScheduled(), queue.enqueueScheduled()])
    const ticks = await database.db.select().from(jobs).where(eq(jobs.queue, 'greet'))
    t.equal(ticks.filter((job) => job.payload.name === 'tick').length, 1, 'two instances, one job per slot')
  })

  t.test('a job whose worker died is taken over when its lease expires', async (t) => {
    const id = (await queue.send(database.db, 'greet', { name: 'orphan' }))!
    await database.db
      .update(jobs)
      .set({ state: 'active', lockedBy: 'dead-worker', lockedUntil: new Date(clock.now().getTime() + 1000) })
      .where(eq(jobs.id, id))
    await queue.runDue()
    t.notOk(seen.includes('orphan'), 'not while the lease holds')
    clock.advance(2000)
    await queue.runDue()
    t.ok(seen.includes('orphan'))
  })
})
