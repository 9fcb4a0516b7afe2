/**
 * How fast the district-wide indicator table answers on PostgreSQL with a registry of a million
 * children and 100k incidents (issue 8: p50 ≤ 300 ms).
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/indicators.ts \
 *     [--children 1000000] [--incidents 100000] [--runs 30] [--fresh] [--policies current|initplan]
 *
 * Creates (or reuses) the database cps_bench_indicators_<children>, fills it with synthetic data by COPY,
 * then calls GET /v1/indicators/values?year=2024&unit=008 through the whole application (as a district
 * officer, under the application role and row-level security) and prints the latency percentiles.
 * `--policies initplan` first rewrites the row-level security policies of the tables read so that the
 * caller's scope is read once per query instead of once per row (a proposed migration, measured here on
 * the benchmark's own database only); `current` (the default) puts the migrations' policies back.
 * Every name in the data is synthetic.
 */
import { randomBytes } from 'node:crypto'
import { cpus, loadavg } from 'node:os'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { openDatabase } from '../src/db/client.js'
import { migrate } from '../src/db/migrate.js'
import { seedReferenceData } from '../src/db/seed.js'
import { addDays } from '../src/modules/calendar/rules.js'
import { defaultBhytExpiry } from '../src/modules/children/rules.js'
import { insertUser } from '../src/modules/users/repository.js'
import { createLogger } from '../src/platform/logging.js'

const { values: options } = parseArgs({
  options: {
    children: { type: 'string', default: '1000000' },
    incidents: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '30' },
    fresh: { type: 'boolean', default: false },
    policies: { type: 'string', default: 'current' },
  },
})
const childCount = Number(options.children)
const incidentCount = Number(options.incidents)
const runs = Number(options.runs)
const serverUrl = process.env.DATABASE_URL
if (!serverUrl) throw new Error('set DATABASE_URL to a PostgreSQL server (the benchmark creates its own database)')

const wards = ['00301', '00304', '00307', '00310', '00313', '00316', '00319', '00322', '00325', '00328', '00331', '00334', '00337', '00340']
const today = '2024-12-15'
const databaseName = `cps_bench_indicators_${childCount}`

/** Deterministic pseudo-random numbers (mulberry32), so every run builds the same data. */
function generator(seed: number) {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
  }
}

const uuid = (table: number, n: number) => `${table.toString(16).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`
const childId = (n: number) => uuid(1, n)
const dayMs = 86_400_000
const dateAt = (base: string, days: number) => addDays(base, days)
const instantAt = (base: string, ms: number) => new Date(Date.parse(`${base}T00:00:00+07:00`) + ms).toISOString()

function databaseUrl(name: string): string {
  const url = new URL(serverUrl!)
  url.pathname = `/${name}`
  return url.toString()
}

async function copy(client: pg.Client, table: string, columns: string[], rows: () => Generator<(string | number | boolean | null)[]>) {
  const text = (value: string | number | boolean | null) => (value === null ? '\\N' : String(value))
  const source = Readable.from(
    (function* () {
      let chunk = ''
      for (const row of rows()) {
        chunk += `${row.map(text).join('\t')}\n`
        if (chunk.length > 1 << 16) {
          yield chunk
          chunk = ''
        }
      }
      if (chunk) yield chunk
    })(),
  )
  await pipeline(source, client.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin`)))
}

async function fill(url: string) {
  const database = await openDatabase({ url, dataDir: '', poolMax: 2, statementTimeoutMs: 0 })
  await migrate(database)
  await seedReferenceData(database)
  await database.close()
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const random = generator(2024)
  const created = '2024-01-01T00:00:00Z'
  const specialChildren: number[] = []
  const under6: { n: number; dob: string }[] = []
  console.log(`children: ${childCount}`)
  await copy(
    client,
    'children',
    ['id', 'province_code', 'ward_code', 'full_name', 'date_of_birth', 'birth_year', 'birth_date_precision', 'sex', 'status', 'status_date', 'created_at', 'updated_at'],
    function* () {
      for (let n = 0; n < childCount; n++) {
        // About one record in twenty has aged out, as in a registry that keeps its history.
        const dob = dateAt('2008-06-01', random.int(0, 6040))
        const yearOnly = random.chance(0.03)
        const leaving = random.chance(0.02)
        if (dob > dateAt(today, -6 * 365)) under6.push({ n, dob })
        if (random.chance(0.04)) specialChildren.push(n)
        yield [
          childId(n),
          '01',
          wards[n % wards.length]!,
          `Trẻ thử nghiệm ${n}`,
          yearOnly ? null : dob,
          Number(dob.slice(0, 4)),
          yearOnly ? 'year' : 'exact',
          random.pick(['male', 'female', 'female', 'male', 'unknown'] as const),
          leaving ? random.pick(['moved_out', 'deceased'] as const) : 'active',
          leaving ? dateAt('2023-01-01', random.int(0, 700)) : null,
          created,
          created,
        ]
      }
    },
  )
  console.log(`special-circumstance memberships and care: ${specialChildren.length} children`)
  const groups = ['a', 'b', 'c', 'd', 'đ', 'e', 'g', 'h', 'i', 'k', 'l', 'm', 'n', 'o']
  let membership = 0
  await copy(client, 'child_circumstances', ['id', 'child_id', 'province_code', 'ward_code', 'kind', 'group_code', 'start_date', 'end_date', 'created_at', 'updated_at'], function* () {
    for (const n of specialChildren) {
      const count = random.chance(0.2) ? 2 : 1
      for (let i = 0; i < count; i++) {
        const start = dateAt('2020-01-01', random.int(0, 1600))
        yield [uuid(2, membership++), childId(n), '01', wards[n % wards.length]!, 'group', random.pick(groups), start, random.chance(0.1) ? dateAt(start, random.int(30, 900)) : null, created, created]
      }
    }
  })
  let care = 0
  await copy(client, 'care_records', ['id', 'child_id', 'province_code', 'ward_code', 'kind', 'start_date', 'end_date', 'created_at', 'updated_at'], function* () {
    for (const n of specialChildren) {
      if (!random.chance(0.9)) continue
      const start = dateAt('2022-01-01', random.int(0, 1000))
      yield [uuid(3, care++), childId(n), '01', wards[n % wards.length]!, random.pick(['allowance', 'health_insurance', 'counselling', 'education_support']), start, random.chance(0.3) ? dateAt(start, random.int(1, 400)) : null, created, created]
    }
  })
  console.log(`health insurance cards: ~${Math.round(under6.length * 0.97)}`)
  let card = 0
  await copy(client, 'health_insurance_cards', ['id', 'child_id', 'province_code', 'ward_code', 'card_number', 'valid_from', 'valid_to', 'created_at'], function* () {
    for (const { n, dob } of under6) {
      if (!random.chance(0.97)) continue
      yield [uuid(4, card++), childId(n), '01', wards[n % wards.length]!, `TE1${String(card).padStart(12, '0')}`, dob, defaultBhytExpiry(dob), created]
    }
  })
  console.log(`incidents: ${incidentCount}`)
  const kinds = [
    ['injury_accident', 30],
    ['drowning', 5],
    ['violence', 20],
    ['neglect', 10],
    ['sexual_abuse', 8],
    ['child_labour', 7],
    ['exploitation', 5],
    ['abandonment', 5],
    ['trafficking', 2],
    ['other_rights_violation', 8],
  ] as const
  const weighted = kinds.flatMap(([kind, weight]) => Array<string>(weight).fill(kind))
  const incidentRows: { id: string; ward: string; kind: string; received: string }[] = []
  await copy(
    client,
    'incidents',
    ['id', 'province_code', 'ward_code', 'kind', 'occurred_at', 'occurred_at_precision', 'detected_at', 'channel', 'emergency', 'injury_outcome', 'written_report_due_at', 'written_report_basis', 'written_report_submitted_at', 'received_at', 'status', 'created_at', 'updated_at'],
    function* () {
      for (let n = 0; n < incidentCount; n++) {
        const kind = random.pick(weighted)
        const ward = random.pick(wards)
        const occurredMs = random.int(0, 347 * dayMs)
        const occurred = instantAt('2024-01-01', occurredMs)
        const detected = instantAt('2024-01-01', occurredMs + random.int(0, 36) * 3_600_000)
        const due = new Date(Date.parse(detected) + dayMs).toISOString()
        const submitted = random.chance(0.95) ? new Date(Date.parse(detected) + random.int(1, 40) * 3_600_000).toISOString() : null
        const injury = kind === 'injury_accident' || kind === 'drowning'
        const id = uuid(5, n)
        incidentRows.push({ id, ward, kind, received: detected })
        yield [id, '01', ward, kind, occurred, 'exact', detected, random.pick(['hotline_111', 'phone', 'police', 'school']), random.chance(0.05), injury ? (random.chance(0.03) ? 'death' : 'treated') : null, due, 'detected', submitted, detected, 'open', detected, detected]
      }
    },
  )
  let involved = 0
  await copy(client, 'incident_children', ['id', 'incident_id', 'province_code', 'ward_code', 'child_id', 'sex', 'age_years', 'created_at'], function* () {
    for (const incident of incidentRows) {
      const count = random.chance(0.2) ? 2 : 1
      for (let i = 0; i < count; i++) {
        const registered = random.chance(0.7)
        const child = wards.indexOf(incident.ward) + wards.length * random.int(0, Math.floor(childCount / wards.length) - 1)
        yield [uuid(6, involved++), incident.id, '01', incident.ward, registered && child < childCount ? childId(child) : null, random.pick(['male', 'female']), random.int(0, 15), incident.received]
      }
    }
  })
  let steps = 0
  await copy(client, 'incident_steps', ['id', 'incident_id', 'province_code', 'ward_code', 'step', 'at', 'created_at'], function* () {
    for (const incident of incidentRows) {
      if (incident.kind !== 'child_labour') continue
      const received = Date.parse(incident.received)
      const plan = new Date(received + random.int(1, 10) * dayMs).toISOString()
      for (const [step, at] of [
        ['receipt', incident.received],
        ['initial_assessment', new Date(received + 3_600_000).toISOString()],
        ['specific_assessment', new Date(received + 2 * dayMs).toISOString()],
        ['support_plan', plan],
      ] as const) {
        yield [uuid(7, steps++), incident.id, '01', incident.ward, step, at, at]
      }
    }
  })
  console.log('vacuum analyze')
  await client.query('vacuum analyze')
  await client.end()
}

async function ensureDatabase(): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  try {
    if (options.fresh) await admin.query(`drop database if exists "${databaseName}" with (force)`)
    const exists = await admin.query('select 1 from pg_database where datname = $1', [databaseName])
    if (exists.rowCount) return databaseUrl(databaseName)
    const building = `${databaseName}_building`
    await admin.query(`drop database if exists "${building}" with (force)`)
    await admin.query(`create database "${building}"`)
    const started = Date.now()
    await fill(databaseUrl(building))
    await admin.query(`alter database "${building}" rename to "${databaseName}"`)
    console.log(`filled in ${Math.round((Date.now() - started) / 1000)} s`)
    return databaseUrl(databaseName)
  } finally {
    await admin.end()
  }
}

const scopedTables = ['children', 'child_circumstances', 'care_records', 'health_insurance_cards', 'incidents', 'incident_children', 'incident_steps']

/**
 * The migrations' policies call cps_in_scope(), which splits the scope settings for every row; the
 * proposed form keeps the same test but reads each setting in a scalar subquery (an InitPlan: once per query).
 */
async function usePolicies(url: string, kind: string) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const scoped = (setting: string) => `(select string_to_array(nullif(current_setting('cps.scope_${setting}', true), ''), ','))::text[]`
  const using =
    kind === 'initplan'
      ? `(select coalesce(current_setting('cps.scope_all', true), '') = 'on') or ward_code = any (${scoped('wards')}) or residential_group_code = any (${scoped('groups')})`
      : 'cps_in_scope(ward_code, residential_group_code)'
  try {
    for (const table of scopedTables) {
      await client.query(`drop policy if exists ${table}_in_scope on ${table}`)
      await client.query(`create policy ${table}_in_scope on ${table} to cps_app using (${using}) with check (cps_in_scope(ward_code, residential_group_code))`)
    }
  } finally {
    await client.end()
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

async function main() {
  const url = await ensureDatabase()
  if (options.policies !== 'current' && options.policies !== 'initplan') throw new Error('--policies is current or initplan')
  await usePolicies(url, options.policies)
  const loaded = loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'warn', DATABASE_URL: url, RATE_LIMIT_MAX: '1000000', MAX_EVENT_LOOP_DELAY_MS: '0', AUDIT_SEAL_INTERVAL_MS: '0', JOBS_POLL_INTERVAL_MS: '0' })
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
  const { token } = await app.accounts.tokens.issue({ kind: 'user', id: user.id }, clock.now())
  const call = async (url: string) => {
    const started = process.hrtime.bigint()
    const response = await app.inject({ url, headers: { authorization: `Bearer ${token}` } })
    if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body}`)
    return Number(process.hrtime.bigint() - started) / 1e6
  }
  for (const [label, path] of [
    ['district-wide', '/v1/indicators/values?year=2024&unit=008'],
    ['district-wide by sex and age group', '/v1/indicators/values?year=2024&unit=008&breakdown=sex,ageGroup'],
    ['one ward', '/v1/indicators/values?year=2024&unit=00301'],
  ] as const) {
    for (let i = 0; i < 3; i++) await call(path)
    const timings: number[] = []
    for (let i = 0; i < runs; i++) timings.push(await call(path))
    timings.sort((a, b) => a - b)
    const format = (ms: number) => `${ms.toFixed(0)} ms`
    console.log(
      `${label} (${childCount} children, ${incidentCount} incidents, ${runs} runs): p50 ${format(percentile(timings, 50))}, p95 ${format(percentile(timings, 95))}, min ${format(timings[0]!)}, max ${format(timings[timings.length - 1]!)}; ${options.policies} policies; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`,
    )
  }
  await app.close()
}

await main()
