import { connect } from 'node:net'
import t from 'tap'
import { createTestApp, openTestDatabase } from '../support/app.js'
import { accountFor, province } from '../support/auth.js'

t.test('liveness and readiness', async (t) => {
  const { app } = await createTestApp(t)
  const live = await app.inject({ url: '/health/live' })
  t.same(live.json(), { status: 'ok' })
  const ready = await app.inject({ url: '/health/ready' })
  t.equal(ready.statusCode, 200)
  t.same(ready.json(), { status: 'ok', checks: { database: 'ok', migrations: 'ok' } })
})

t.test('readiness is 503 problem+json when the database is gone', async (t) => {
  const database = await openTestDatabase(t)
  const ctx = await createTestApp(t, { database })
  const { app } = ctx
  const reader = await accountFor(ctx, { role: 'district_officer', units: [province] })
  await database.close()
  const ready = await app.inject({ url: '/health/ready' })
  t.equal(ready.statusCode, 503)
  t.match(ready.headers['content-type'], /^application\/problem\+json/)
  t.equal(ready.json().code, 'database_unavailable')
  const live = await app.inject({ url: '/health/live' })
  t.equal(live.statusCode, 200, 'the process itself is still alive')
  const units = await app.inject({ url: '/v1/units', headers: reader.headers })
  t.equal(units.statusCode, 503)
  t.equal(units.json().code, 'database_unavailable')
})

/** One keep-alive connection: `send` writes a request, `done` resolves with everything received. */
function rawConnection(port: number) {
  const socket = connect(port, '127.0.0.1')
  let text = ''
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => (text += chunk))
  const done = new Promise<string>((resolve, reject) => {
    socket.on('close', () => resolve(text))
    socket.on('error', reject)
  })
  return {
    send: (path: string) => socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`),
    done,
  }
}

t.test('graceful close: in-flight requests finish, later ones get 503 problem+json', async (t) => {
  // Each step waits for the one before it, never for a length of time: the slow request is running,
  // the close has begun, the late request has been refused; only then does the slow one finish.
  let entered: () => void = () => {}
  const slowEntered = new Promise<void>((resolve) => (entered = resolve))
  let release: () => void = () => {}
  const slowReleased = new Promise<void>((resolve) => (release = resolve))
  let draining: () => void = () => {}
  const closeBegun = new Promise<void>((resolve) => (draining = resolve))
  let refused: () => void = () => {}
  const lateRefused = new Promise<void>((resolve) => (refused = resolve))
  const { app } = await createTestApp(t, {
    extend: (app) => {
      app.get('/fixture/slow', { config: { permission: 'public' } }, async () => {
        entered()
        await slowReleased
        return { finished: true }
      })
      app.addHook('preClose', async () => draining())
      app.addHook('onSend', async (request, _reply, payload) => {
        if (request.url === '/health/live') refused()
        return payload
      })
    },
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const connection = rawConnection(port)
  connection.send('/fixture/slow')
  await slowEntered
  const closed = app.close()
  await closeBegun
  connection.send('/health/live')
  await lateRefused
  release()
  await closed
  const text = await connection.done
  const [first, second] = text.split(/(?=HTTP\/1\.1 )/)
  t.match(first, /^HTTP\/1\.1 200/, 'the in-flight request completed')
  t.match(first, /"finished":true/)
  t.match(second, /^HTTP\/1\.1 503/, 'the request that arrived while closing is refused')
  t.match(second, /application\/problem\+json/)
  t.match(second, /"code":"shutting_down"/)
})
