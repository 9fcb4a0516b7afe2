import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { createTestApp, onPostgres } from '../../support/app.js'
import { accountFor, province, wardA } from '../../support/auth.js'
import { registerChild } from '../../support/registry.js'
import { ownerSession } from '../../support/owner.js'
import { configureWebhooks, startReceiver, type Received } from './fixtures/receiver.js'

const names = (requests: Received[]) =>
  requests.map((request) => (JSON.parse(request.body) as { data: { fullName: string } }).data.fullName)

t.test(
  'an event that commits late is waited for, never skipped; a rolled-back one is passed',
  { skip: onPostgres ? false : 'the embedded database runs one transaction at a time: no event can commit late there' },
  async (t) => {
    const ctx = await createTestApp(t, {
      now: '2024-06-15T03:00:00Z',
      extend: (app) => void configureWebhooks(app, {}),
    })
    const { app, clock } = ctx
    const receiver = await startReceiver(t)
    const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
    const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
    const created = await app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: admin.headers,
      payload: { url: receiver.url('/hook'), eventTypes: ['child.created'] },
    })
    t.equal(created.statusCode, 201)
    const tick = async () => {
      clock.advance(1000)
      await app.jobs.runDue()
    }
    const feed = async (after?: string) => {
      const response = await app.inject({
        url: `/v1/events${after ? `?after=${after}` : ''}`,
        headers: officer.headers,
      })
      const body = response.json<{ items: { data: { fullName: string } }[]; nextCursor: string }>()
      return { names: body.items.map((item) => item.data.fullName), nextCursor: body.nextCursor }
    }
    await tick()

    // Another process's transaction: it takes an event id, and commits (or not) later.
    const writer = await ownerSession(t, app.database)
    const insertEvent = (fullName: string) =>
      writer.query(
        `insert into events (type, occurred_at, province_code, ward_code, resource_type, resource_id, data)
         values ('child.created', now(), $1, $2, 'child', gen_random_uuid()::text, $3)`,
        [province, wardA, JSON.stringify({ fullName, sex: 'female', birthYear: 2016 })],
      )

    await writer.query('begin')
    await insertEvent('Late Commit')
    await registerChild(ctx, officer, { fullName: 'Early Commit', address: { wardCode: wardA } })
    await tick()
    t.same(names(receiver.at('/hook')), ['Early Commit'], 'a committed event is delivered at once')
    const waiting = await feed()
    t.same(waiting.names, [], 'the feed does not read past an id that may still commit')
    await writer.query('commit')
    await tick()
    t.same(names(receiver.at('/hook')), ['Early Commit', 'Late Commit'], 'the late event is delivered when it commits')
    const caughtUp = await feed(waiting.nextCursor)
    t.same(caughtUp.names, ['Late Commit', 'Early Commit'], 'and the feed gives both, in id order')

    await writer.query('begin')
    await insertEvent('Rolled Back')
    await registerChild(ctx, officer, { fullName: 'After Rollback', address: { wardCode: wardA } })
    await writer.query('rollback')
    // The gap is final once every transaction running when it was first seen has ended. Other test
    // databases on the same server share transaction ids, so wait for those transactions to end (their
    // length is theirs, not a matter of timing here), then look again.
    await tick()
    t.same((await feed(caughtUp.nextCursor)).names, [], 'while the gap may still fill, the feed waits')
    const [{ seen }] = (
      await writer.query<{ seen: string }>('select pg_snapshot_xmax(pg_current_snapshot())::text as seen')
    ).rows as [{ seen: string }]
    const deadline = Date.now() + 120_000
    for (;;) {
      const [{ ended }] = (
        await writer.query<{ ended: boolean }>('select pg_snapshot_xmin(pg_current_snapshot()) >= $1::xid8 as ended', [
          seen,
        ])
      ).rows as [{ ended: boolean }]
      if (ended) break
      if (Date.now() > deadline) throw new Error('a transaction elsewhere on the server stayed open for two minutes')
      await sleep(100)
    }
    await tick()
    t.same((await feed(caughtUp.nextCursor)).names, ['After Rollback'], 'the feed passes a rolled-back id')
    t.notOk(names(receiver.at('/hook')).includes('Rolled Back'))
  },
)
