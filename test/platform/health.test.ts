import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { createTestApp, openTestDatabase } from '../support/app.js'
import { accountFor, province } from '../support/auth.js'
import { childEnvironment } from '../support/process.js'

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
  const started = Date.now()
  const ready = await app.inject({ url: '/health/ready' })
  t.equal(ready.statusCode, 503)
  t.match(ready.headers['content-type'], /^application\/problem\+json/)
  t.equal(ready.json().code, 'database_unavailable')
  t.ok(Date.now() - started < 3000, 'answers quickly')
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
  socket.on('data', (chunk) => (text += chunk))
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
  const { app } = await createTestApp(t, {
    extend: (app) => {
      app.get('/fixture/slow', { config: { permission: 'public' } }, async () => {
        await sleep(400)
        return { finished: true }
      })
    },
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const connection = rawConnection(port)
  connection.send('/fixture/slow')
  await sleep(100)
  const closed = app.close()
  await sleep(20)
  connection.send('/health/live')
  await closed
  const text = await connection.done
  const [first, second] = text.split(/(?=HTTP\/1\.1 )/)
  t.match(first, /^HTTP\/1\.1 200/, 'the in-flight request completed')
  t.match(first, /"finished":true/)
  t.match(second, /^HTTP\/1\.1 503/, 'the request that arrived while closing is refused')
  t.match(second, /application\/problem\+json/)
  t.match(second, /"code":"shutting_down"/)
})

t.test('SIGTERM stops the process with exit code 0', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cps-shutdown-'))
  const port = 20_000 + Math.floor(Math.random() * 20_000)
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: childEnvironment({ DATABASE_URL: '', DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  let ready = false
  for (let attempt = 0; attempt < 240 && !ready; attempt++) {
    await sleep(250)
    ready = await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.status === 200, () => false)
  }
  t.ok(ready, 'the server became ready on a fresh embedded database')
  if (!ready) t.comment(output)
  const signalled = Date.now()
  child.kill('SIGTERM')
  const code = await exited
  t.equal(code, 0, 'exit code 0')
  t.ok(Date.now() - signalled < 10_000, 'within the grace period')
  t.match(output, /shutdown complete/)
})
