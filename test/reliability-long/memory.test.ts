import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'
import t from 'tap'
import { startServerProcess } from '../support/process.js'

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
  // The embedded database lives in the server's own process, so its memory is in the figure too.
  const server = await startServerProcess(t, { RATE_LIMIT_MAX: '100000000' })
  const { base, child } = server
  t.ok(server.ready, 'the server is up')
  const token = await server.token()
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
  const created = await fetch(`${base}/v1/children`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      fullName: 'Nguyễn Thị Bộ Nhớ',
      sex: 'female',
      dateOfBirth: '2018-05-05',
      address: { wardCode: '00301' },
    }),
  })
  t.equal(created.status, 201, 'a synthetic child to read')
  const { id } = (await created.json()) as { id: string }

  const samples: { second: number; mib: number }[] = []
  const started = Date.now()
  const sampler = setInterval(
    () => samples.push({ second: Math.round((Date.now() - started) / 1000), mib: residentMiB(child.pid!) }),
    sampleEveryMs,
  )
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
          {
            method: 'POST',
            path: '/v1/children',
            body: JSON.stringify({
              fullName: 'Trẻ Thử Tải',
              sex: 'male',
              dateOfBirth: '2017-01-01',
              address: { wardCode: '00304' },
            }),
          },
        ],
      },
      (error: Error | null, output) => (error ? reject(error) : resolve(output)),
    )
    instance.on('response', (_client, statusCode) => statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1))
  })
  clearInterval(sampler)

  const afterWarmUp = samples.filter((s) => s.second >= warmUpSeconds)
  const half = Math.ceil(afterWarmUp.length / 2)
  const early = Math.max(...afterWarmUp.slice(0, half).map((s) => s.mib))
  const late = Math.max(...afterWarmUp.slice(half).map((s) => s.mib))
  t.comment(`RSS (MiB) every ${sampleEveryMs / 1000} s: ${samples.map((s) => `${s.second}s ${s.mib}`).join(', ')}`)
  t.comment(
    `${result.requests.total} requests, ${Math.round(result.requests.average)} req/s; statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
  )
  t.ok(afterWarmUp.length >= 4, 'enough samples after the warm-up')
  t.ok(late <= early * 1.15 + 16, `flat: the later half peaks at ${late} MiB against ${early} MiB in the earlier half`)
  t.equal(result.timeouts, 0, 'no request hung')
  t.same(
    [...statuses.keys()].filter((status) => status >= 500),
    [],
    'no 5xx under load',
  )
})
