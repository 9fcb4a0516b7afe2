/**
 * How fast the district-wide indicator table answers on PostgreSQL with a registry of a million
 * children and 100k incidents (issue 8: p50 ≤ 300 ms).
 *
 *   npx tsx bench/indicators.ts [--children 1000000] [--reuse] [--runs 30] [--today 2024-12-15] [--only <label>]
 *     [--url postgres://postgres@127.0.0.1:5432/test]
 *
 * Uses the shared synthetic data set (bench/generate.ts; generated unless --reuse finds it),
 * then calls GET /v1/indicators/values?year=2024&unit=008 (and the same year reprojected onto the 2026 map,
 * `map=`) through the whole application (as a district officer, under the application role and row-level
 * security; then as a city system, whose tables pass through disclosure control) and prints the latency
 * percentiles. A city system's first call publishes the closed period's table (computed and protected with
 * every breakdown it may ask for) and later calls read it back: both are timed, the first after the owner
 * removed what was published. With a `--today` after 2024, DHIS2's document of the year is timed too (a city
 * system is given a DHIS2 period only once it has ended, and the year is the one that ends on a closing day);
 * with one after 9 November 2025, the city's table of that closing day (its old wards beside its new ones), and
 * after 9 November 2026, today's city's.
 * Every name in the data is synthetic.
 */
import { randomBytes } from 'node:crypto'
import { cpus, loadavg } from 'node:os'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import pg from 'pg'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { openDatabase } from '../src/db/client.js'
import { insertClient, insertUser } from '../src/modules/users/repository.js'
import { createLogger } from '../src/platform/logging.js'
import { benchSecretsKey, defaultServerUrl } from './support/database.js'
import { benchDataset } from './support/dataset.js'
import { parseOptions } from './support/stats.js'

const options = parseOptions(process.argv.slice(2), {
  children: 'number',
  reuse: 'boolean',
  runs: 'number',
  url: 'string',
  today: 'string',
  only: 'string',
})
const childCount = options.children ?? 1_000_000
const runs = options.runs ?? 30
const serverUrl = options.url ?? process.env.DATABASE_URL ?? defaultServerUrl
const today = options.today ?? '2024-12-15'

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

async function main() {
  const url = await benchDataset({ server: serverUrl, children: childCount, reuse: Boolean(options.reuse) })
  const owner = new pg.Client({ connectionString: url })
  await owner.connect()
  const incidentCount = (await owner.query<{ n: number }>('select count(*)::int as n from incidents')).rows[0]!.n
  const loaded = loadConfig({
    NODE_ENV: 'production',
    SECRETS_KEY: benchSecretsKey,
    LOG_LEVEL: 'warn',
    DATABASE_URL: url,
    RATE_LIMIT_MAX: '1000000',
    MAX_EVENT_LOOP_DELAY_MS: '0',
    AUDIT_SEAL_INTERVAL_MS: '0',
    JOBS_POLL_INTERVAL_MS: '0',
  })
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'))
  const database = await openDatabase({ url, dataDir: '', poolMax: 4, statementTimeoutMs: 60_000 })
  const clock = { now: () => new Date(`${today}T10:00:00+07:00`) }
  const user = await insertUser(database.db, {
    username: `bench-${randomBytes(4).toString('hex')}`,
    displayName: 'Benchmark district officer',
    role: 'district_officer',
    units: ['01'],
    grants: [],
    active: true,
    passwordHash: null,
    createdAt: clock.now(),
    updatedAt: clock.now(),
    createdBy: 'bench',
  })
  if (loaded.config.useAppRole) await database.useAppRole()
  const app = await buildApp({ config: loaded.config, database, clock, logger: createLogger('warn') })
  await app.ready()
  const { token } = await app.accounts.tokens.issue({ kind: 'user', id: user.id }, clock.now(), 24 * 3600)
  const client = await insertClient(database.db, {
    name: `bench-city-${randomBytes(4).toString('hex')}`,
    role: 'city_system',
    units: ['01'],
    secretHash: 'not-used-by-the-benchmark',
    createdAt: clock.now(),
  })
  const { token: cityToken } = await app.accounts.tokens.issue(
    { kind: 'client', id: client.id },
    clock.now(),
    24 * 3600,
  )
  let lastBody = ''
  const call = async (url: string, as = token) => {
    const started = process.hrtime.bigint()
    const response = await app.inject({ url, headers: { authorization: `Bearer ${as}` } })
    if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body}`)
    lastBody = response.body
    return Number(process.hrtime.bigint() - started) / 1e6
  }
  // A city system reads a closed period's table as first published (indicators/published.ts): the first
  // call computes and protects every breakdown it may ask for, and the later ones read that back. The
  // owner removes what was published to time the first call again.
  const unpublish = (year: number, asOf?: string) =>
    asOf
      ? owner.query('delete from published_indicator_tables where plan_year = $1 and as_of = $2', [year, asOf])
      : owner.query('delete from published_indicator_tables where plan_year = $1', [year])
  /** Of the counts of children and incidents in a city system's response, how many are withheld. */
  const withheldCounts = (body: string) => {
    let shown = 0
    let withheld = 0
    const dryRun = JSON.parse(body) as { values?: number; withheld?: number }
    if (dryRun.values !== undefined)
      return `${dryRun.withheld} values withheld, ${dryRun.values} placed by the mapping (none set here: every value is counted, none placed)`
    const table = JSON.parse(body) as {
      indicators: {
        source: string
        values: { numerator: unknown; breakdowns: { cells: { numerator: unknown }[] }[] }[]
      }[]
    }
    for (const indicator of table.indicators) {
      if (indicator.source !== 'registry' && indicator.source !== 'incidents') continue
      for (const figure of indicator.values) {
        for (const count of [figure.numerator, ...figure.breakdowns.flatMap((b) => b.cells.map((c) => c.numerator))]) {
          if (typeof count === 'number') shown++
          else withheld++
        }
      }
    }
    return `${withheld} of ${shown + withheld} numerators withheld`
  }
  // The floor: one pass over the registry counting children per ward and sex, as the owner (no
  // row-level security), interleaved with the API calls so that load on the machine weighs on both.
  const floorQuery = `select ward_code, sex, count(*)::int from children where deleted_at is null and merged_into is null group by 1, 2`
  const floor = async () => {
    const started = process.hrtime.bigint()
    await owner.query(floorQuery)
    return Number(process.hrtime.bigint() - started) / 1e6
  }
  for (const [label, path, as, earlierDays] of [
    ['district-wide', '/v1/indicators/values?year=2024&unit=008'],
    // A city system's table: the same figures, then the disclosure control of every indicator's table.
    ['district-wide, city system', '/v1/indicators/values?year=2024&unit=008', cityToken],
    // The year's last closing day published after its earlier ones: its tables of incidents are protected
    // together with theirs (indicators/publication.ts, hiddenTogether).
    ...(today > '2024-12-31'
      ? [
          [
            'district-wide to 31 December after the year’s earlier closing days, city system',
            '/v1/indicators/values?year=2024&unit=008&asOf=2024-12-31',
            cityToken,
            ['2024-05-14', '2024-09-14', '2024-11-09'],
          ],
        ]
      : []),
    [
      'district-wide by sex and age group, city system',
      '/v1/indicators/values?year=2024&unit=008&breakdown=sex,ageGroup',
      cityToken,
    ],
    // The widest breakdown of the district's table on the 2024 map: 14 wards by the 14 groups.
    ['district-wide by group, city system', '/v1/indicators/values?year=2024&unit=008&breakdown=groupCode', cityToken],
    // DHIS2's document of the year for every ward of the district: for a city system, the published table's cells.
    ...(today > '2024-12-31'
      ? [
          ['DHIS2 dry run of 2024, city system', '/v1/dhis2/data-value-sets/dry-run?period=2024&unit=008', cityToken],
          ['DHIS2 dry run of 2024', '/v1/dhis2/data-value-sets/dry-run?period=2024&unit=008'],
        ]
      : []),
    ['district-wide by group', '/v1/indicators/values?year=2024&unit=008&breakdown=groupCode'],
    ['district-wide by sex and age group', '/v1/indicators/values?year=2024&unit=008&breakdown=sex,ageGroup'],
    ['one ward', '/v1/indicators/values?year=2024&unit=00301'],
    // Reprojected onto the wards of 2026: every child of the district weighed one by one by its
    // residential group (the tallies know wards, not groups).
    ['city-wide on the 2026 map', '/v1/indicators/values?year=2024&unit=01&map=2026-12-03'],
    ['one new ward on the 2026 map', '/v1/indicators/values?year=2024&unit=00331-2025&map=2026-12-03'],
    // The city's table of a 2025 closing day from July: its district's old wards beside its own new ones, read off
    // two published tables (indicators/published.ts, composedTable).
    ...(today > '2025-11-09'
      ? [
          [
            'district-wide to 9 November 2025, city system',
            '/v1/indicators/values?year=2025&unit=008&asOf=2025-11-09',
            cityToken,
          ],
          [
            'city-wide to 9 November 2025, city system',
            '/v1/indicators/values?year=2025&unit=01&asOf=2025-11-09',
            cityToken,
          ],
        ]
      : []),
    // Today's city: its seven wards protected together in its own table.
    ...(today > '2026-11-09'
      ? [
          [
            'city-wide to 9 November 2026, city system',
            '/v1/indicators/values?year=2026&unit=01&asOf=2026-11-09',
            cityToken,
          ],
        ]
      : []),
  ] as [string, string, string?, string[]?][]) {
    if (options.only && !label.includes(options.only)) continue
    let published = ''
    if (as === cityToken) {
      const firsts: number[] = []
      // The earlier closing days are first published (each with those before it) in the first round only.
      const earlierFirsts: string[] = []
      const query = new URL(path, 'http://bench').searchParams
      const year = Number(query.get('year'))
      // How long the thread that answers requests is held at a time while tables are first published: what an
      // officer's request arriving then would wait before it is even read.
      const stalls = monitorEventLoopDelay({ resolution: 10 })
      stalls.enable()
      for (let i = 0; i < 3; i++) {
        if (earlierDays) {
          await unpublish(year, query.get('asOf')!)
          for (const day of earlierDays) {
            const ms = await call(`/v1/indicators/values?year=2024&unit=008&asOf=${day}`, as)
            if (i === 0) earlierFirsts.push(`${day} ${ms.toFixed(0)} ms`)
          }
        } else await unpublish(year)
        firsts.push(await call(path, as))
      }
      stalls.disable()
      firsts.sort((a, b) => a - b)
      published =
        `; first publication (3 runs) median ${firsts[1]!.toFixed(0)} ms, ${withheldCounts(lastBody)}, ` +
        `the request thread held at most ${(stalls.max / 1e6).toFixed(0)} ms at a time`
      if (earlierFirsts.length > 0)
        published += ` (the earlier closing days first published: ${earlierFirsts.join(', ')})`
    }
    for (let i = 0; i < 3; i++) await call(path, as)
    const timings: number[] = []
    const floors: number[] = []
    for (let i = 0; i < runs; i++) {
      timings.push(await call(path, as))
      floors.push(await floor())
    }
    timings.sort((a, b) => a - b)
    floors.sort((a, b) => a - b)
    const format = (ms: number) => `${ms.toFixed(0)} ms`
    const p50 = percentile(timings, 50)
    const floorP50 = percentile(floors, 50)
    console.log(
      `${label} (${childCount} children, ${incidentCount} incidents, ${runs} runs): p50 ${format(p50)}, p95 ${format(percentile(timings, 95))}, min ${format(timings[0]!)}, max ${format(timings[timings.length - 1]!)}; ` +
        `floor (one grouped count over the registry) p50 ${format(floorP50)}, ratio ${(p50 / floorP50).toFixed(1)}× the floor${published}; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`,
    )
  }
  await owner.end()
  await app.close()
}

await main()
