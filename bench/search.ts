/**
 * Registry name search through the HTTP API, against its floor in the same run. A real server on
 * 127.0.0.1 answers GET /v1/children?q=… for a ward officer (one ward) and a district officer (all 14
 * wards): token check, principal, scope, row-level security and the audit event are all in the figure.
 * The floor is the repository's own search (the same queries: syllable tiers over the GIN index,
 * corrections from the syllables in use) run directly as the owner: no HTTP, no authentication, no
 * row-level security, no audit. The trigram nearest-neighbour query (GiST) that a search by similarity
 * alone would run is printed beside them for comparison. Each runs one query at a time, interleaved, so
 * that a busy machine slows all alike.
 *
 *   npx tsx bench/search.ts [--children 1000000] [--reuse] [--queries 60] [--database cps_bench]
 *                           [--url postgres://postgres@127.0.0.1:5432/test] [--seed 1] [--explain]
 */
import { randomBytes } from 'node:crypto'
import { loadavg } from 'node:os'
import { drizzle } from 'drizzle-orm/node-postgres'
import pg from 'pg'
import { pino } from 'pino'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { openDatabase, type Db } from '../src/db/client.js'
import { inScope } from '../src/platform/scope.js'
import * as schema from '../src/db/schema.js'
import { listChildren } from '../src/modules/children/repository.js'
import { foldName } from '../src/modules/children/rules.js'
import { insertUser } from '../src/modules/users/repository.js'
import { benchSecretsKey, defaultServerUrl } from './support/database.js'
import { benchDataset } from './support/dataset.js'
import { Random } from './support/random.js'
import { formatMs, parseOptions, summarise, table } from './support/stats.js'

type QueryKind = 'as registered' | 'no diacritics' | 'typo' | 'partial' | 'commonest'

interface SearchQuery {
  kind: QueryKind
  text: string
}

const kinds: readonly (readonly [QueryKind, number])[] = [
  ['as registered', 0.35],
  ['no diacritics', 0.3],
  ['typo', 0.2],
  ['partial', 0.15],
  // Not drawn at random: the district's commonest given name alone and its commonest family and given name.
  ['commonest', 0],
]

/** Keys next to each other on a QWERTY keyboard, for realistic slips. */
const neighbours: Record<string, string> = {
  a: 'qsz',
  b: 'vn',
  c: 'xv',
  d: 'sf',
  e: 'wr',
  g: 'fh',
  h: 'gj',
  i: 'uo',
  k: 'jl',
  l: 'k',
  m: 'n',
  n: 'bm',
  o: 'ip',
  p: 'o',
  q: 'a',
  r: 'et',
  s: 'ad',
  t: 'ry',
  u: 'yi',
  v: 'cb',
  x: 'zc',
  y: 'tu',
}

/** One slip in a name typed without diacritics: two letters swapped, one dropped, doubled or mistyped. */
function withTypo(random: Random, folded: string): string {
  const positions = [...folded].flatMap((character, index) => (character === ' ' ? [] : [index]))
  const at = random.pick(positions)
  const letter = folded[at]!
  switch (random.int(4)) {
    case 0:
      return at + 1 < folded.length && folded[at + 1] !== ' '
        ? folded.slice(0, at) + folded[at + 1] + letter + folded.slice(at + 2)
        : folded.slice(0, at) + folded.slice(at + 1)
    case 1:
      return folded.slice(0, at) + folded.slice(at + 1)
    case 2:
      return folded.slice(0, at) + letter + folded.slice(at)
    default:
      return folded.slice(0, at) + random.pick([...(neighbours[letter] ?? 'e')]) + folded.slice(at + 1)
  }
}

/** What officers type: the name as registered, without diacritics, with a slip, or only family and given name. */
function searchQueries(names: readonly string[], count: number, seed: number): SearchQuery[] {
  const queries: SearchQuery[] = []
  let cumulative = 0
  const cut = kinds.map(([kind, share]) => [kind, (cumulative += share)] as const)
  for (let i = 0; i < count; i++) {
    const random = Random.for(seed, 'search-query', i)
    const name = names[i % names.length]!
    const kind = cut.find(([, upTo]) => (i + 0.5) / count <= upTo)?.[0] ?? 'as registered'
    const folded = foldName(name)
    const words = name.split(' ')
    const text =
      kind === 'as registered'
        ? name
        : kind === 'no diacritics'
          ? random.chance(0.5)
            ? folded
            : folded.replace(/(^|\s)\S/g, (start) => start.toUpperCase())
          : kind === 'typo'
            ? withTypo(random, folded)
            : `${words[0]} ${words[words.length - 1]}`
    queries.push({ kind, text })
  }
  // Interleave the kinds, so that caching and a busy machine affect each kind alike.
  return queries
    .map((query, i) => ({ query, order: Random.for(seed, 'search-order', i).next() }))
    .sort((a, b) => a.order - b.order)
    .map(({ query }) => query)
}

/**
 * The heaviest partial names an officer types: the commonest given name alone ("Anh"), and the commonest
 * family name with the commonest given name ("Nguyễn Anh"), as registered (with diacritics).
 */
async function commonestNames(owner: pg.Client): Promise<string[]> {
  const { rows } = await owner.query<{ given: string; family_and_given: string }>(
    `with named as (select regexp_split_to_array(full_name, ' ') as words from children where deleted_at is null),
          commonest as (select words[array_length(words, 1)] as given from named group by 1 order by count(*) desc limit 1),
          family as (select words[1] as family from named group by 1 order by count(*) desc limit 1)
     select commonest.given, family.family || ' ' || commonest.given as family_and_given from commonest, family`,
  )
  return rows.flatMap((row) => [row.given, row.family_and_given])
}

interface Measured {
  label: string
  latencies: number[]
  results: number[]
  kinds: QueryKind[]
}

function measured(label: string): Measured {
  return { label, latencies: [], results: [], kinds: [] }
}

async function timed(target: Measured, kind: QueryKind, work: () => Promise<number>): Promise<void> {
  const started = performance.now()
  const results = await work()
  target.latencies.push(performance.now() - started)
  target.results.push(results)
  target.kinds.push(kind)
}

function row(target: Measured): string[] {
  const summary = summarise(target.latencies)
  const found = target.results.reduce((sum, n) => sum + n, 0) / Math.max(1, target.results.length)
  const empty = target.results.filter((n) => n === 0).length
  return [
    target.label,
    formatMs(summary.p50),
    formatMs(summary.p95),
    formatMs(summary.p99),
    found.toFixed(1),
    String(empty),
  ]
}

function byKind(target: Measured, quantile: 'p50' | 'p95'): string[] {
  return [
    target.label,
    ...kinds.map(([kind]) =>
      formatMs(summarise(target.latencies.filter((_, i) => target.kinds[i] === kind))[quantile]),
    ),
  ]
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2), {
    children: 'number',
    reuse: 'boolean',
    queries: 'number',
    database: 'string',
    url: 'string',
    seed: 'number',
    explain: 'boolean',
  })
  const server = options.url ?? process.env.DATABASE_URL ?? defaultServerUrl
  const children = options.children ?? 1_000_000
  const queryCount = options.queries ?? 60
  const seed = options.seed ?? 1
  const url = await benchDataset({ server, name: options.database, children, seed, reuse: Boolean(options.reuse) })
  const owner = new pg.Client({ connectionString: url, application_name: 'cps-bench-search' })
  await owner.connect()

  const { rows: wards } = await owner.query<{ ward_code: string; n: number }>(
    'select ward_code, count(*)::int as n from children group by 1 order by 2 desc, 1 limit 1',
  )
  const ward = wards[0]!
  // Names of children of the officer's ward, in id order: a random sample that does not depend on the heap layout.
  const { rows: sampled } = await owner.query<{ full_name: string }>(
    'select full_name from children where ward_code = $1 and deleted_at is null order by id limit $2',
    [ward.ward_code, queryCount],
  )
  const queries = [
    ...searchQueries(
      sampled.map((r) => r.full_name),
      queryCount,
      seed,
    ),
    ...(await commonestNames(owner)).map((text) => ({ kind: 'commonest' as const, text })),
  ]
  const { rows: version } = await owner.query<{ v: string }>(`select current_setting('server_version') as v`)

  const configResult = loadConfig({
    NODE_ENV: 'production',
    SECRETS_KEY: benchSecretsKey,
    DATABASE_URL: url,
    LOG_LEVEL: 'silent',
    MIGRATE_ON_START: 'false',
    SEED_ON_START: 'false',
    // One client asks hundreds of times a minute here; the limit protects production, not this.
    RATE_LIMIT_MAX: '100000000',
    // Load shedding answers 503 when this process stalls, which a machine shared with other work makes
    // happen; this measures latency, so slow answers must be counted, not turned away.
    MAX_EVENT_LOOP_DELAY_MS: '0',
  })
  if (!configResult.ok) throw new Error(configResult.errors.join('\n'))
  const config = configResult.config
  const database = await openDatabase({
    url,
    dataDir: '',
    poolMax: config.database.poolMax,
    statementTimeoutMs: config.database.statementTimeoutMs,
  })
  const now = new Date()
  const suffix = randomBytes(3).toString('hex')
  const officers = await Promise.all(
    [
      {
        role: 'ward_officer',
        units: [ward.ward_code],
        label: `ward officer (${ward.ward_code}, ${ward.n.toLocaleString('en-US')} children)`,
      },
      {
        role: 'district_officer',
        units: ['008'],
        label: `district officer (${children.toLocaleString('en-US')} children)`,
      },
    ].map(async (spec) => {
      const user = await insertUser(database.db, {
        username: `bench-search-${spec.role.replace(/_/g, '-')}-${suffix}`,
        displayName: 'Benchmark (synthetic)',
        role: spec.role,
        units: spec.units,
        grants: [],
        active: true,
        passwordHash: null,
        createdAt: now,
        updatedAt: now,
        createdBy: 'bench',
      })
      return { ...spec, id: user.id }
    }),
  )
  if (config.useAppRole) await database.useAppRole()
  const app = await buildApp({ config, database, logger: pino({ level: 'silent' }) })
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  const principals = await Promise.all(
    officers.map(async (officer) => ({
      ...officer,
      token: (await app.accounts.tokens.issue({ kind: 'user', id: officer.id }, new Date(), 24 * 3600)).token,
    })),
  )

  const search = async (token: string, text: string): Promise<number> => {
    const response = await fetch(`${address}/v1/children?limit=50&q=${encodeURIComponent(text)}`, {
      headers: { authorization: `Bearer ${token}` },
    })
    const body = (await response.json()) as { items?: unknown[]; detail?: string }
    if (response.status !== 200) throw new Error(`search answered ${response.status}: ${body.detail ?? ''}`)
    return body.items!.length
  }
  const sqlNearest = `select id, full_name from children where name_folded % $1 and ward_code = any($2::text[]) order by name_folded <-> $1 limit 50`
  const allWards = (await owner.query<{ code: string }>(`select distinct ward_code as code from children`)).rows.map(
    (r) => r.code,
  )
  const sql = async (text: string, query: string, scope: string[]): Promise<number> =>
    (await owner.query(query, [foldName(text), scope])).rowCount ?? 0
  const floorPool = new pg.Pool({ connectionString: url, max: 1, application_name: 'cps-bench-search-floor' })
  const floorDb = drizzle({ client: floorPool, schema })
  const asOf = new Date().toISOString().slice(0, 10)
  const repository = async (text: string, wards: string[]): Promise<number> => {
    const scope = { all: false, wards, groups: [] }
    const rows = await inScope(floorDb as unknown as Db, scope, (tx) =>
      listChildren(tx, scope, { q: foldName(text), asOf }, { sensitive: false, limit: 51 }),
    )
    return rows.slice(0, 50).length
  }

  const [wardOfficer, districtOfficer] = principals as [(typeof principals)[number], (typeof principals)[number]]
  const variants = [
    { target: measured(`API, ${wardOfficer.label}`), run: (text: string) => search(wardOfficer.token, text) },
    { target: measured(`API, ${districtOfficer.label}`), run: (text: string) => search(districtOfficer.token, text) },
    {
      target: measured('floor: the repository’s search queries, one ward'),
      run: (text: string) => repository(text, [ward.ward_code]),
    },
    {
      target: measured('floor: the repository’s search queries, all wards'),
      run: (text: string) => repository(text, allWards),
    },
    {
      target: measured('for comparison: trigram nearest (GiST KNN), one ward'),
      run: (text: string) => sql(text, sqlNearest, [ward.ward_code]),
    },
    {
      target: measured('for comparison: trigram nearest (GiST KNN), all wards'),
      run: (text: string) => sql(text, sqlNearest, allWards),
    },
  ]

  const loadBefore = loadavg()[0]!
  const warmUp = queries.slice(0, Math.min(30, queries.length))
  for (const query of warmUp) for (const variant of variants) await variant.run(query.text)
  const started = performance.now()
  for (const query of queries) {
    for (const variant of variants) await timed(variant.target, query.kind, () => variant.run(query.text))
  }
  const seconds = (performance.now() - started) / 1000
  const loadAfter = loadavg()[0]!

  console.log(
    `\nName search on ${children.toLocaleString('en-US')} children, PostgreSQL ${version[0]!.v}, database ${new URL(url).pathname.slice(1)}; ${queries.length} queries ` +
      `(${kinds.map(([kind]) => `${queries.filter((q) => q.kind === kind).length} ${kind}`).join(', ')}), one at a time, ` +
      `after ${warmUp.length} warm-up rounds; ${seconds.toFixed(0)} s; load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)}\n`,
  )
  console.log(
    table(
      ['what', 'p50', 'p95', 'p99', 'results (mean)', 'no result'],
      variants.map((v) => row(v.target)),
    ),
  )
  for (const quantile of ['p50', 'p95'] as const) {
    console.log(`\n${quantile} by kind of query\n`)
    console.log(
      table(
        ['what', ...kinds.map(([kind]) => kind)],
        variants.map((v) => byKind(v.target, quantile)),
      ),
    )
  }
  const p95Of = (i: number, wanted: (kind: QueryKind) => boolean) =>
    summarise(variants[i]!.target.latencies.filter((_, n) => wanted(variants[i]!.target.kinds[n]!))).p95
  const plain = (kind: QueryKind) => kind !== 'typo'
  const typo = (kind: QueryKind) => kind === 'typo'
  const all = () => true
  console.log(
    `\ngoals (p95): as registered, no diacritics, partial ≤ 50 ms: ward ${formatMs(p95Of(0, plain))}, district ${formatMs(p95Of(1, plain))}` +
      `\n             with a typo ≤ 150 ms: ward ${formatMs(p95Of(0, typo))}, district ${formatMs(p95Of(1, typo))}` +
      `\n             district / ward ≤ 1.5: ${(p95Of(1, all) / p95Of(0, all)).toFixed(2)}` +
      `\nratio API / floor (p50): ward officer ${(summarise(variants[0]!.target.latencies).p50 / summarise(variants[2]!.target.latencies).p50).toFixed(2)}, ` +
      `district officer ${(summarise(variants[1]!.target.latencies).p50 / summarise(variants[3]!.target.latencies).p50).toFixed(2)}`,
  )

  // A kind's p95 rests on 2 to 21 queries, so one slow query decides it: name them (synthetic names).
  for (const variant of variants.slice(0, 2)) {
    const slowest = variant.target.latencies
      .map((ms, n) => ({ ms, query: queries[n]! }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 5)
      .map(({ ms, query }) => `${formatMs(ms)} ${query.kind} "${query.text}"`)
    console.log(`\nslowest, ${variant.target.label}: ${slowest.join('; ')}`)
  }

  if (options.explain) {
    for (const kind of ['partial', 'typo'] as const) {
      const sample = queries.find((query) => query.kind === kind)
      if (sample) await explainApiQuery(url, owner, ward.ward_code, sample.text)
    }
  }

  await floorPool.end()
  await app.close()
  await database.close()
  await owner.end()
}

/** Prints the plans of the queries the API runs for a search (captured from the repository function itself). */
async function explainApiQuery(url: string, owner: pg.Client, wardCode: string, text: string): Promise<void> {
  const captured: { sql: string; params: unknown[] }[] = []
  const pool = new pg.Pool({ connectionString: url, max: 1 })
  const db = drizzle({
    client: pool,
    schema,
    logger: { logQuery: (query, params) => void captured.push({ sql: query, params }) },
  })
  const scope = { all: false, wards: [wardCode], groups: [] }
  try {
    await inScope(db as unknown as Db, scope, (tx) =>
      listChildren(
        tx,
        scope,
        { q: foldName(text), asOf: new Date().toISOString().slice(0, 10) },
        { sensitive: false, limit: 51 },
      ),
    )
  } finally {
    await pool.end()
  }
  console.log(`\nEXPLAIN ANALYZE of the API's queries for "${text}" (ward officer):`)
  // In a transaction carrying the officer's scope, which children_in_scope reads.
  await owner.query('begin')
  await owner.query(
    `select set_config('cps.scope_all', 'off', true), set_config('cps.scope_wards', $1, true), set_config('cps.scope_groups', '', true)`,
    [wardCode],
  )
  const searches = captured.filter(
    (query) => /^\s*(select|with)\b/i.test(query.sql) && !query.sql.includes('set_config'),
  )
  for (const query of searches) {
    const { rows } = await owner.query<{ 'QUERY PLAN': string }>(
      `explain (analyze, buffers) ${query.sql}`,
      query.params,
    )
    console.log(`\n${rows.map((r) => r['QUERY PLAN']).join('\n')}`)
  }
  await owner.query('rollback')
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
