import { sql } from 'drizzle-orm'
import pg from 'pg'
import t from 'tap'
import { periodicAuditSealer, sealAuditChain } from '../../../src/modules/audit/repository.js'
import { eventHash, firstBrokenLink, genesisHash, type ChainedEvent } from '../../../src/modules/audit/rules.js'
import { createTestApp, onPostgres } from '../../support/app.js'
import { accountFor, province, wardA } from '../../support/auth.js'
import { asTableOwner, ownerConnectionString } from '../../support/owner.js'

const event = (id: number, action = 'child.read'): ChainedEvent => ({
  id,
  occurredAt: new Date('2024-06-01T02:00:00Z'),
  actorType: 'user',
  actorId: 'u1',
  actorName: 'lan',
  role: 'ward_officer',
  action,
  resourceType: 'child',
  resourceId: 'c1',
  unitCode: '00301',
  requestId: 'r1',
  outcome: 'success',
  details: { b: 1, a: [2, { d: 3, c: 4 }] },
})

t.test('chain rules', async (t) => {
  // Pinned: a sealed chain is verified against this exact function, so its output may never change.
  const pinned = {
    ...event(7),
    occurredAt: new Date('2024-06-01T02:00:00.123Z'),
    actorName: 'Lan "Nguyễn"',
    details: { b: 1, a: [2, { d: 3, c: 4 }, null], z: 'ư\n' },
  }
  t.equal(eventHash(genesisHash, pinned), 'b974b518e742a53851af2d5e3179555b095539733dab3001240c12d5ec179ceb')
  const first = eventHash(genesisHash, event(1))
  const second = eventHash(first, event(2))
  const links = [
    { position: 1, eventId: 1, previousHash: genesisHash, hash: first, event: event(1) },
    { position: 2, eventId: 2, previousHash: first, hash: second, event: event(2) },
  ]
  t.equal(firstBrokenLink({ position: 0, hash: genesisHash }, links), null)
  const cases: [string, typeof links, string][] = [
    ['altered content', [links[0]!, { ...links[1]!, event: event(2, 'child.update') }], 'hash_mismatch'],
    ['a link removed', [links[1]!], 'position_gap'],
    ['relinked', [links[0]!, { ...links[1]!, previousHash: genesisHash }], 'link_mismatch'],
  ]
  for (const [name, run, reason] of cases)
    t.equal(firstBrokenLink({ position: 0, hash: genesisHash }, run)?.reason, reason, name)
  t.equal(firstBrokenLink({ position: 0, hash: genesisHash }, [{ ...links[0]!, event: null }])?.reason, 'event_missing')
})

t.test('the audit log over HTTP and in the database', async (t) => {
  const ctx = await createTestApp(t)
  const { app, database } = ctx
  const auditor = await accountFor(ctx, { role: 'auditor', units: [province] })
  const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
  const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })

  await app.inject({ url: '/v1/users', headers: officer.headers })
  await app.inject({
    method: 'POST',
    url: '/v1/users',
    headers: admin.headers,
    payload: {
      username: 'tam.vo',
      displayName: 'V',
      role: 'collaborator',
      units: [wardA],
      password: 'another good passphrase',
    },
  })

  t.test('the auditor reads the log and nothing else', async (t) => {
    const log = await app.inject({ url: '/v1/audit-events', headers: auditor.headers })
    t.equal(log.statusCode, 200)
    const actions = log.json().items.map((e: { action: string }) => e.action)
    t.ok(actions.includes('access.denied'), 'the refused request is in the log')
    t.ok(actions.includes('user.create'))
    const denied = log.json().items.find((e: { action: string }) => e.action === 'access.denied')
    t.match(denied, { actorId: officer.id, outcome: 'denied', details: { permission: 'users:manage' } })
    t.equal((await app.inject({ url: '/v1/units', headers: auditor.headers })).statusCode, 403, 'no reference data')
    t.equal((await app.inject({ url: '/v1/users', headers: auditor.headers })).statusCode, 403, 'no user admin')
    t.equal(
      (await app.inject({ url: '/v1/audit-events', headers: officer.headers })).statusCode,
      403,
      'officers cannot read it',
    )
  })

  t.test('filters', async (t) => {
    const byActor = await app.inject({ url: `/v1/audit-events?actor=${officer.id}`, headers: auditor.headers })
    t.ok(byActor.json().items.length >= 1)
    t.ok(byActor.json().items.every((e: { actorId: string }) => e.actorId === officer.id))
    const byAction = await app.inject({
      url: '/v1/audit-events?action=user.create&resourceType=user',
      headers: auditor.headers,
    })
    t.equal(byAction.json().items.length, 1)
    const future = await app.inject({ url: '/v1/audit-events?from=2999-01-01T00:00:00Z', headers: auditor.headers })
    t.same(future.json().items, [])
  })

  t.test('sealed events verify; reading the log is itself logged', async (t) => {
    const verified = await app.inject({ url: '/v1/audit-events/verify', headers: auditor.headers })
    t.equal(verified.statusCode, 200)
    t.match(verified.json(), { ok: true, firstBroken: null })
    t.ok(verified.json().checked >= 3)
    const log = await app.inject({ url: '/v1/audit-events?action=audit.list', headers: auditor.headers })
    t.ok(log.json().items.length >= 1)
    t.ok(log.json().items[0].chain === null || typeof log.json().items[0].chain.hash === 'string')
  })

  t.test('the application role cannot change or delete audit events', async (t) => {
    for (const statement of [
      sql`update audit_events set action = 'nothing' where id = 1`,
      sql`delete from audit_events where id = 1`,
      sql`delete from audit_chain`,
    ]) {
      const error = await database.db.execute(statement).then(
        () => null,
        (e: { cause?: { code?: string }; code?: string }) => e,
      )
      t.ok(error, 'refused')
      t.equal(error?.cause?.code ?? error?.code, '42501', 'permission denied')
    }
  })

  t.test('tampering by the table owner is found by verify', async (t) => {
    await sealAuditChain(database.db, app.clock.now())
    const tamper = `update audit_events set details = '{"permission":"none"}'::jsonb where action = 'access.denied'`
    await asTableOwner(database, [tamper])
    const verified = await app.inject({ url: '/v1/audit-events/verify', headers: auditor.headers })
    t.equal(verified.json().ok, false)
    t.equal(verified.json().firstBroken.reason, 'hash_mismatch')
    const deniedEvent = await app.inject({ url: '/v1/audit-events?action=access.denied', headers: auditor.headers })
    t.equal(verified.json().firstBroken.eventId, deniedEvent.json().items.at(-1).id, 'names the altered event')
  })
})

t.test(
  'an event committed after a later one was sealed is linked by the next look-back',
  { skip: !onPostgres && 'needs two connections' },
  async (t) => {
    const ctx = await createTestApp(t)
    const { app, database } = ctx
    const auditor = await accountFor(ctx, { role: 'auditor', units: [province] })
    const seal = periodicAuditSealer(database.db)
    const start = app.clock.now()
    await seal(start)
    const owner = await ownerConnectionString(database)
    const [slow, quick] = [new pg.Client({ connectionString: owner }), new pg.Client({ connectionString: owner })]
    await slow.connect()
    await quick.connect()
    t.teardown(() => Promise.all([slow.end(), quick.end()]))
    const insert = (requestId: string) =>
      `insert into audit_events (occurred_at, actor_type, action, request_id, outcome) values (now(), 'system', 'test.event', '${requestId}', 'success') returning id`
    // Two writers: the slow one takes its id first and commits last.
    await slow.query('begin')
    const lateId = Number((await slow.query(insert('late'))).rows[0].id)
    const onTimeId = Number((await quick.query(insert('on-time'))).rows[0].id)
    t.ok(onTimeId > lateId, 'the on-time event has the higher id')
    const sealed = async () => {
      const { rows } = await quick.query<{ event_id: string }>(
        'select event_id from audit_chain where event_id = any($1::bigint[]) order by event_id',
        [[lateId, onTimeId]],
      )
      return rows.map((row) => Number(row.event_id))
    }

    await seal(new Date(start.getTime() + 1000))
    t.same(await sealed(), [onTimeId], 'the committed event is sealed; the open one is not visible yet')
    await slow.query('commit')
    await seal(new Date(start.getTime() + 2000))
    t.same(await sealed(), [onTimeId], 'runs between look-backs only look past the chain’s end')
    // Another instance's sealer holds the lock when the look-back falls due: it stays due.
    await quick.query('select pg_advisory_lock(73101402025)')
    await seal(new Date(start.getTime() + 61_000))
    await quick.query('select pg_advisory_unlock(73101402025)')
    t.same(await sealed(), [onTimeId], 'a run that found the lock taken looked at nothing')
    await seal(new Date(start.getTime() + 62_000))
    t.same(await sealed(), [lateId, onTimeId], 'the next run looks back and finds the late commit')
    const verified = await app.inject({ url: '/v1/audit-events/verify', headers: auditor.headers })
    t.equal(verified.json().ok, true)
    t.equal(verified.json().unsealed, 0)
  },
)
