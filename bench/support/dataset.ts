import pg from 'pg'
import { openDatabase } from '../../src/db/client.js'
import { migrate } from '../../src/db/migrate.js'
import { generate } from '../generate.js'
import { databaseExists, databaseUrl } from './database.js'

export interface DatasetOptions {
  /** The PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/test. */
  server: string
  /** The database the benchmarks share (default cps_bench). */
  name?: string
  children: number
  incidents?: number
  seed?: number
  /** Keep an existing database that already holds this many children. */
  reuse: boolean
}

/**
 * The synthetic data set every benchmark reads: generated once (COPY, deterministic by seed) and
 * reused by the next benchmark when `reuse` is set and the child count matches (pending migrations are
 * applied). Returns its URL.
 */
export async function benchDataset(options: DatasetOptions): Promise<string> {
  const name = options.name ?? 'cps_bench'
  const url = databaseUrl(options.server, name)
  if (options.reuse && (await databaseExists(options.server, name))) {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      const { rows } = await client.query<{ n: number }>('select count(*)::int as n from children')
      if (rows[0]!.n === options.children) {
        await applyNewMigrations(url)
        return url
      }
      console.log(
        `${name} holds ${rows[0]!.n.toLocaleString('en-US')} children, not ${options.children.toLocaleString('en-US')}: generating again`,
      )
    } finally {
      await client.end()
    }
  }
  console.log(`generating ${options.children.toLocaleString('en-US')} children into ${name} …`)
  const summary = await generate({
    url,
    children: options.children,
    incidents: options.incidents ?? Math.round(options.children / 10),
    seed: options.seed ?? 1,
    log: () => {},
  })
  console.log(`generated in ${summary.totalSeconds.toFixed(1)} s: ${JSON.stringify(summary.rows)}`)
  return url
}

/** A reused data set gets the migrations added since it was generated, as the service would on start. */
async function applyNewMigrations(url: string): Promise<void> {
  const database = await openDatabase({ url, dataDir: '', poolMax: 1, statementTimeoutMs: 0 })
  try {
    await migrate(database)
  } finally {
    await database.close()
  }
}
