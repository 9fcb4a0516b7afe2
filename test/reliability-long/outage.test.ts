import { createServer, connect, type Server, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import t from 'tap'
import { openDatabase } from '../../src/db/client.js'
import { createTestApp, openTestDatabase } from '../support/app.js'
import { accountFor, wardA } from '../support/auth.js'
import { registerChild } from '../support/registry.js'
import { ownerConnectionString } from '../support/owner.js'

/** A TCP proxy in front of PostgreSQL that the test can cut and restore. */
function databaseProxy(target: { host: string; port: number }) {
  const sockets = new Set<Socket>()
  let server: Server | null = null
  let port = 0
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(target.port, target.host)
        for (const socket of [client, upstream]) {
          sockets.add(socket)
          socket.on('close', () => sockets.delete(socket))
          socket.on('error', () => socket.destroy())
        }
        client.pipe(upstream).pipe(client)
      })
      server.listen(port, '127.0.0.1', () => {
        const address = server!.address()
        port = typeof address === 'object' && address ? address.port : 0
        resolve()
      })
    })
  return {
    listen,
    get port() {
      return port
    },
    /** The database "disappears": open connections die, new ones are refused. */
    async cut() {
      // close() calls back only once every connection has ended, so the connections go first.
      const closed = new Promise<void>((resolve) => server!.close(() => resolve()))
      for (const socket of sockets) socket.destroy()
      await closed
    },
  }
}

t.test(
  'the database disappears under light load and comes back',
  { skip: !process.env.DATABASE_URL && 'needs DATABASE_URL' },
  async (t) => {
    const url = new URL(process.env.DATABASE_URL!)
    const owner = await openTestDatabase(t)
    const proxy = databaseProxy({ host: url.hostname, port: Number(url.port || 5432) })
    await proxy.listen()
    t.teardown(() => proxy.cut())
    const ownerUrl = await ownerConnectionString(owner)
    const proxied = new URL(ownerUrl)
    proxied.host = `127.0.0.1:${proxy.port}`
    const database = await openDatabase({
      url: proxied.toString(),
      dataDir: '',
      poolMax: 4,
      statementTimeoutMs: 10_000,
      connectTimeoutMs: 1500,
    })
    const ctx = await createTestApp(t, { database })
    const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
    const child = await registerChild(ctx, officer, {
      fullName: 'Phạm Thị Hoa',
      dateOfBirth: '2016-01-01',
      address: { wardCode: wardA },
    })

    const outcomes: { externalId: string; status: number; started: number; ms: number }[] = []
    let sequence = 0
    let running = true
    const load = (async () => {
      while (running) {
        const externalId = `outage-${sequence++}`
        const started = Date.now()
        const [write, read] = await Promise.all([
          ctx.app.inject({
            method: 'POST',
            url: '/v1/children',
            headers: officer.headers,
            payload: {
              fullName: `Trẻ ${externalId}`,
              sex: 'male',
              dateOfBirth: '2019-01-01',
              source: 'outage-test',
              externalId,
              address: { wardCode: wardA },
            },
          }),
          ctx.app.inject({ url: `/v1/children/${child.id}`, headers: officer.headers }),
        ])
        outcomes.push({ externalId, status: write.statusCode, started, ms: Date.now() - started })
        if (read.statusCode >= 500 && read.statusCode !== 503) throw new Error(`read answered ${read.statusCode}`)
        await sleep(50)
      }
    })()

    await sleep(1500)
    await proxy.cut()
    await sleep(500)
    const ready = await ctx.app.inject({ url: '/health/ready' })
    t.equal(ready.statusCode, 503, 'readiness goes 503 while the database is gone')
    const during = Date.now()
    const refused = await ctx.app.inject({ url: `/v1/children/${child.id}`, headers: officer.headers })
    t.equal(refused.statusCode, 503)
    t.equal(refused.json().code, 'database_unavailable')
    t.ok(Date.now() - during < 5000, `answered in ${Date.now() - during} ms, no hang`)
    await sleep(2500)
    await proxy.listen()
    let recovered = false
    for (let attempt = 0; attempt < 40 && !recovered; attempt++) {
      recovered = (await ctx.app.inject({ url: '/health/ready' })).statusCode === 200
      if (!recovered) await sleep(250)
    }
    t.ok(recovered, 'readiness recovers by itself')
    const recoveredAt = Date.now()
    await sleep(1500)
    running = false
    await load

    const failed = outcomes.filter((o) => o.status !== 201)
    const succeeded = outcomes.filter((o) => o.status === 201)
    t.ok(failed.length > 0, `some writes failed during the outage (${failed.length} of ${outcomes.length})`)
    t.ok(
      failed.every((o) => o.status === 503),
      'and they failed with 503, nothing else',
    )
    t.ok(
      failed.every((o) => o.ms < 6000),
      'quickly',
    )
    const afterRecovery = outcomes.filter((o) => o.started > recoveredAt)
    t.ok(
      afterRecovery.length > 0 && afterRecovery.every((o) => o.status === 201),
      `every write after the recovery succeeded (${afterRecovery.length})`,
    )
    t.ok(
      outcomes.filter((o) => o.started < during - 500).some((o) => o.status === 201),
      'writes succeeded before the outage',
    )
    const direct = new pg.Client({ connectionString: ownerUrl })
    await direct.connect()
    const stored = await direct.query<{ external_id: string }>(
      `select external_id from children where source = 'outage-test'`,
    )
    await direct.end()
    const storedIds = new Set(stored.rows.map((row) => row.external_id))
    t.same(
      succeeded.filter((o) => !storedIds.has(o.externalId)),
      [],
      'no write that got a 2xx is lost',
    )
    t.same(
      failed.filter((o) => storedIds.has(o.externalId)).map((o) => o.externalId),
      [],
      'no write that failed left a record behind',
    )
  },
)
