import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import autocannon from 'autocannon'
import t from 'tap'
import { childEnvironment } from '../support/process.js'

t.test('SIGTERM during a load run: in-flight requests complete, later ones get 503, exit 0 in time', async (t) => {
  const port = 21_000 + Math.floor(Math.random() * 20_000)
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: childEnvironment({
      DATABASE_URL: '',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'cps-load-')),
      PORT: String(port),
      LOG_LEVEL: 'warn',
      BOOTSTRAP_ADMIN_USERNAME: 'load.admin',
      BOOTSTRAP_ADMIN_PASSWORD: 'a long bootstrap passphrase',
      SHUTDOWN_TIMEOUT_MS: '10000',
      RATE_LIMIT_MAX: '1000000',
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const base = `http://127.0.0.1:${port}`
  let ready = false
  for (let attempt = 0; attempt < 240 && !ready; attempt++) {
    await sleep(250)
    ready = await fetch(`${base}/health/ready`).then((r) => r.status === 200, () => false)
  }
  t.ok(ready, 'the server is up')
  const token = (
    (await (
      await fetch(`${base}/v1/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'password', username: 'load.admin', password: 'a long bootstrap passphrase' }),
      })
    ).json()) as { access_token: string }
  ).access_token
  const statuses = new Map<number, number>()
  let finish: (result: autocannon.Result) => void = () => {}
  const run = new Promise<autocannon.Result>((resolve) => (finish = resolve))
  const instance = autocannon({ url: `${base}/v1/units?limit=20`, connections: 20, duration: 6, headers: { authorization: `Bearer ${token}` } }, (_error, result) => finish(result))
  instance.on('response', (_client, statusCode) => statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1))
  await sleep(2500)
  const signalled = Date.now()
  child.kill('SIGTERM')
  const code = await exited
  const stoppedAfter = Date.now() - signalled
  const result = await run
  t.equal(code, 0, 'exit code 0')
  t.ok(stoppedAfter < 10_000, `stopped ${stoppedAfter} ms after SIGTERM, within the grace period`)
  t.ok((statuses.get(200) ?? 0) > 100, `${statuses.get(200)} requests answered 200 before the signal`)
  const others = [...statuses.keys()].filter((status) => status !== 200 && status !== 503)
  t.same(others, [], 'nothing but 200 and 503 (draining)')
  t.equal(result.timeouts, 0, 'no request hung')
  t.comment(`responses: ${JSON.stringify(Object.fromEntries(statuses))}; connection errors after close: ${result.errors}`)
})
