import { setTimeout as sleep } from 'node:timers/promises'
import autocannon from 'autocannon'
import t from 'tap'
import { startServerProcess } from '../support/process.js'

t.test('SIGTERM during a load run: in-flight requests complete, later ones get 503, exit 0 in time', async (t) => {
  const server = await startServerProcess(t, { SHUTDOWN_TIMEOUT_MS: '10000', RATE_LIMIT_MAX: '1000000' })
  const { child, base, exited } = server
  t.ok(server.ready, 'the server is up')
  const token = await server.token()
  const statuses = new Map<number, number>()
  let finish: (result: autocannon.Result) => void = () => {}
  const run = new Promise<autocannon.Result>((resolve) => (finish = resolve))
  const instance = autocannon(
    { url: `${base}/v1/units?limit=20`, connections: 20, duration: 6, headers: { authorization: `Bearer ${token}` } },
    (_error, result) => finish(result),
  )
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
  t.comment(
    `responses: ${JSON.stringify(Object.fromEntries(statuses))}; connection errors after close: ${result.errors}`,
  )
})
