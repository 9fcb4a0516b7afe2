import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import autocannon from 'autocannon'
import t from 'tap'
import { childEnvironment } from '../support/process.js'

const loadSeconds = Number(process.env.MEMORY_LOAD_SECONDS ?? 60)
const warmUpSeconds = 15
const sampleEveryMs = 5_000

function residentMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'))
  return Math.round(Number(line?.replace(/\D+/g, '') ?? 0) / 1024)
}

t.test(`memory stays flat over a ${loadSeconds}-second load of reads, searches and writes`, async (t) => {
  const port = 21_000 + Math.floor(Math.random() * 20_000)
  // The embedded database lives in the server's own process, so its memory is in the figure too.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: childEnvironment({
      DATABASE_URL: '',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'cps-memory-')),
      PORT: String(port),
      LOG_LEVEL: 'warn',
      BOOTSTRAP_ADMIN_USERNAME: 'memory.admin',
      BOOTSTRAP_ADMIN_PASSWORD: 'a long bootstrap passphrase',
      RATE_LIMIT_MAX: '100000000',
    }),
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  t.teardown(() => {
    child.kill('SIGKILL')
  })
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
        body: JSON.stringify({ grant_type: 'password', username: 'memory.admin', password: 'a long bootstrap passphrase' }),
      })
    ).json()) as { access_token: string }
  ).access_token
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
  const created = await fetch(`${base}/v1/children`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ fullName: 'Nguyễn Thị Bộ Nhớ', sex: 'female', dateOfBirth: '2018-05-05', address: { wardCode: '00301' } }),
  })
  t.equal(created.status, 201, 'a synthetic child to read')
  const { id } = (await created.json()) as { id: string }

  const samples: { second: number; mib: number }[] = []
  const started = Date.now()
  const sampler = setInterval(() => samples.push({ second: Math.round((Date.now() - started) / 1000), mib: residentMiB(child.pid!) }), sampleEveryMs)
  const statuses = new Map<number, number>()
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: base,
        connections: 8,
        duration: loadSeconds,
        headers,
        requests: [
          { method: 'GET', path: `/v1/children/${id}` },
          { method: 'GET', path: '/v1/children?q=nguyen%20thi&limit=20' },
          { method: 'GET', path: '/v1/units?limit=50' },
          { method: 'GET', path: '/v1/children/00000000-0000-4000-8000-000000000000' },
          { method: 'POST', path: '/v1/children', body: JSON.stringify({ fullName: 'Trẻ Thử Tải', sex: 'male', dateOfBirth: '2017-01-01', address: { wardCode: '00304' } }) },
        ],
      },
      (error, output) => (error ? reject(error) : resolve(output)),
    )
    instance.on('response', (_client, statusCode) => statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1))
  })
  clearInterval(sampler)

  const afterWarmUp = samples.filter((s) => s.second >= warmUpSeconds)
  const half = Math.ceil(afterWarmUp.length / 2)
  const early = Math.max(...afterWarmUp.slice(0, half).map((s) => s.mib))
  const late = Math.max(...afterWarmUp.slice(half).map((s) => s.mib))
  t.comment(`RSS (MiB) every ${sampleEveryMs / 1000} s: ${samples.map((s) => `${s.second}s ${s.mib}`).join(', ')}`)
  t.comment(`${result.requests.total} requests, ${Math.round(result.requests.average)} req/s; statuses ${JSON.stringify(Object.fromEntries(statuses))}`)
  t.ok(afterWarmUp.length >= 4, 'enough samples after the warm-up')
  t.ok(late <= early * 1.15 + 16, `flat: the later half peaks at ${late} MiB against ${early} MiB in the earlier half`)
  t.equal(result.timeouts, 0, 'no request hung')
  t.same(
    [...statuses.keys()].filter((status) => status >= 500),
    [],
    'no 5xx under load',
  )
})
