/**
 * Read and write throughput of the API against the physical floor, in one run:
 *   read:  GET /v1/children/{id} as a ward officer (token check, principal, scope, row-level security,
 *          audit event in the same transaction) vs a bare Fastify + pg server doing the same primary-key
 *          SELECT on the same database;
 *   write: POST /v1/incidents under load.
 * The two reads alternate for several rounds and the ratio compares their medians: on a 2-core machine
 * one run of either moves by ±20% with what else the kernel and PostgreSQL happen to be doing.
 * npx tsx bench/http.ts [--children 1000000] [--reuse] [--duration 10] [--rounds 3] [--connections 32]
 */
import { randomUUID } from 'node:crypto'
import autocannon from 'autocannon'
import Fastify from 'fastify'
import pg from 'pg'
import { pino } from 'pino'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { openDatabase } from '../src/db/client.js'
import { insertUser } from '../src/modules/users/repository.js'
import { benchSecretsKey, defaultServerUrl } from './support/database.js'
import { benchDataset } from './support/dataset.js'
import { parseOptions, table } from './support/stats.js'

const options = parseOptions(process.argv.slice(2), {
  children: 'number',
  reuse: 'boolean',
  duration: 'number',
  connections: 'number',
  rounds: 'number',
  url: 'string',
})
const server = options.url ?? process.env.DATABASE_URL ?? defaultServerUrl
const children = options.children ?? 1_000_000
const url = await benchDataset({ server, children, reuse: Boolean(options.reuse) })
const duration = options.duration ?? 10
const connections = options.connections ?? 32
const rounds = options.rounds ?? 3

const owner = new pg.Pool({ connectionString: url, max: connections })
const ward = (
  await owner.query<{ ward_code: string }>(`select ward_code from children group by 1 order by count(*) desc limit 1`)
).rows[0]!.ward_code
// The generated district sits in wards abolished in 2025: incidents are filed today at a ward that succeeded
// the busiest one, whose officers also see what is still filed there.
const todaysWard = (
  await owner.query<{ code: string }>(
    `select u.code from unit_successions s join units u on u.code = s.successor_code
      where s.predecessor_code = $1 and u.level = 'ward' and u.valid_to is null order by u.code limit 1`,
    [ward],
  )
).rows[0]!.code
const ids = (
  await owner.query<{ id: string }>(`select id from children where ward_code = $1 and deleted_at is null limit 2000`, [
    ward,
  ])
).rows.map((r) => r.id)

const configResult = loadConfig({
  NODE_ENV: 'production',
  SECRETS_KEY: benchSecretsKey,
  DATABASE_URL: url,
  DATABASE_POOL_MAX: String(connections),
  LOG_LEVEL: 'silent',
  RATE_LIMIT_MAX: '100000000',
  AUDIT_SEAL_INTERVAL_MS: '1000',
  JOBS_POLL_INTERVAL_MS: '0',
})
if (!configResult.ok) throw new Error(configResult.errors.join('\n'))
const database = await openDatabase({ url, dataDir: '', poolMax: connections, statementTimeoutMs: 15_000 })
await database.useAppRole()
const app = await buildApp({ config: configResult.config, database, logger: pino({ level: 'silent' }) })
await app.listen({ host: '127.0.0.1', port: 0 })
const appPort = (app.server.address() as { port: number }).port
const now = new Date()
const officer = await insertUser(database.db, {
  username: `bench-${randomUUID().slice(0, 8)}`,
  displayName: 'Benchmark ward officer',
  role: 'ward_officer',
  units: [todaysWard],
  grants: [],
  passwordHash: null,
  createdAt: now,
  updatedAt: now,
})
const { token } = await app.accounts.tokens.issue({ kind: 'user', id: officer.id }, now, 3600)

const bare = Fastify({ logger: false })
bare.get<{ Params: { id: string } }>('/bare/children/:id', async (request, reply) => {
  const { rows } = await owner.query('select * from children where id = $1', [request.params.id])
  if (!rows[0]) return reply.code(404).send({ status: 404 })
  return rows[0]
})
await bare.listen({ host: '127.0.0.1', port: 0 })
const barePort = (bare.server.address() as { port: number }).port

let next = 0
const pickId = () => ids[next++ % ids.length]!

interface LoadResult {
  title: string
  rps: number
  p50: number
  p99: number
  errors: number
  range?: string
}

async function load(title: string, options: autocannon.Options, warmUp = true): Promise<LoadResult> {
  if (warmUp) await autocannon({ ...options, duration: 2 })
  const result = await autocannon({ ...options, duration })
  return {
    title,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  }
}

/** The run with the median req/s, its errors summed over all runs, and the spread of req/s. */
function median(runs: LoadResult[]): LoadResult {
  const sorted = [...runs].sort((a, b) => a.rps - b.rps)
  const middle = sorted[Math.floor(sorted.length / 2)]!
  const spread = `${Math.round(sorted[0]!.rps).toLocaleString('en-US')}–${Math.round(sorted.at(-1)!.rps).toLocaleString('en-US')}`
  return { ...middle, errors: runs.reduce((sum, run) => sum + run.errors, 0), range: spread }
}

const bareOptions: autocannon.Options = {
  url: `http://127.0.0.1:${barePort}`,
  connections,
  requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: `/bare/children/${pickId()}` }) }],
}
const apiOptions: autocannon.Options = {
  url: `http://127.0.0.1:${appPort}`,
  connections,
  headers: { authorization: `Bearer ${token}` },
  requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: `/v1/children/${pickId()}` }) }],
}
const bareRuns: LoadResult[] = []
const apiRuns: LoadResult[] = []
for (let round = 0; round < rounds; round++) {
  bareRuns.push(await load('bare Fastify + pg, primary-key SELECT', bareOptions, round === 0))
  apiRuns.push(await load('GET /v1/children/{id} (auth, scope, RLS, audit)', apiOptions, round === 0))
}
const bareRead = median(bareRuns)
const apiRead = median(apiRuns)
const apiWrite = await load('POST /v1/incidents', {
  url: `http://127.0.0.1:${appPort}`,
  connections,
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  requests: [
    {
      method: 'POST',
      setupRequest: (request) => ({
        ...request,
        path: '/v1/incidents',
        body: JSON.stringify({
          kind: 'violence',
          occurredAt: new Date(Date.now() - 3_600_000).toISOString(),
          occurredAtPrecision: 'exact',
          detectedAt: new Date(Date.now() - 1_800_000).toISOString(),
          channel: 'phone',
          address: { wardCode: todaysWard },
          children: [{ childId: pickId() }],
        }),
      }),
    },
  ],
})

console.log(
  table(
    ['scenario', 'req/s', `req/s over ${rounds} runs`, 'p50', 'p99', 'errors/non-2xx'],
    [bareRead, apiRead, apiWrite].map((r) => [
      r.title,
      Math.round(r.rps).toLocaleString('en-US'),
      r.range ?? '',
      `${r.p50} ms`,
      `${r.p99} ms`,
      String(r.errors),
    ]),
  ),
)
console.log(
  `read ratio (API / bare, medians): ${(apiRead.rps / bareRead.rps).toFixed(2)} (goal ≥ 0.50); per round: ${apiRuns.map((run, index) => (run.rps / bareRuns[index]!.rps).toFixed(2)).join(', ')}`,
)
await app.close()
await bare.close()
await owner.end()
