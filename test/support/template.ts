import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PGlite } from '@electric-sql/pglite'
import { drizzle } from 'drizzle-orm/pglite'
import pg from 'pg'
import type { Database, Db } from '../../src/db/client.js'
import { openDatabase, pgliteExtensions } from '../../src/db/client.js'
import { migrate, migrationsFolder } from '../../src/db/migrate.js'
import { seedReferenceData } from '../../src/db/seed.js'
import * as schema from '../../src/db/schema.js'

const sourceFolder = fileURLToPath(new URL('../../src/', import.meta.url))

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? filesUnder(join(folder, entry.name)) : [join(folder, entry.name)]))
    .sort()
}

/** What a template is built from: migrations, reference files, and the code that seeds them. */
function templateSources(): string[] {
  return [...filesUnder(migrationsFolder), ...filesUnder(sourceFolder)].filter(
    (file) =>
      /\.(sql|json)$/.test(file) ||
      /\/src\/(db|reference)\/.*\.ts$/.test(file) ||
      /\/src\/modules\/[^/]+\/repository\.ts$/.test(file),
  )
}

/** The embedded engine installed: a data directory written by another version may not load in this one. */
const pglitePackage = fileURLToPath(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url))

/** Changes whenever any of those changes, or the engine, so a stale template is never reused. */
function schemaFingerprint(): string {
  const hash = createHash('sha256')
  for (const file of [...templateSources(), pglitePackage]) hash.update(file).update(readFileSync(file))
  return hash.digest('hex').slice(0, 16)
}

function pgliteTemplatePath(): string {
  const folder = join(tmpdir(), 'cps-test-templates')
  mkdirSync(folder, { recursive: true })
  return join(folder, `pglite-${schemaFingerprint()}.tar`)
}

function postgresTemplateName(): string {
  return `cps_tpl_${schemaFingerprint()}`
}

/**
 * A migrated, seeded embedded database saved as a tarball, uncompressed: a database opened from it is ready in
 * 0.57 s (0.85 s from gzip, paid again for every database a test file opens) instead of ~5 s to migrate one.
 */
export async function ensurePgliteTemplate(): Promise<string> {
  const path = pgliteTemplatePath()
  if (existsSync(path)) return path
  const client = await PGlite.create({ extensions: pgliteExtensions })
  const db = drizzle({ client, schema }) as unknown as Db
  const database: Database = {
    kind: 'pglite',
    db,
    ping: async () => {},
    useAppRole: async () => {},
    close: async () => client.close(),
  }
  await migrate(database)
  await seedReferenceData(database)
  const dump = await client.dumpDataDir('none')
  await client.close()
  const temporary = `${path}.${process.pid}.tmp`
  writeFileSync(temporary, Buffer.from(await dump.arrayBuffer()))
  renameSync(temporary, path)
  return path
}

export function serverUrl(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl)
  url.pathname = `/${database}`
  return url.toString()
}

/**
 * The session lock under which one test process builds the template. Advisory locks are held per database: the test
 * processes take it in the database their URL names, where nothing else takes advisory locks.
 */
const templateBuildLockKey = 2_026_120_701

/**
 * On a real server: a template database, migrated and seeded once, cloned per test file. The test files that start
 * together would otherwise each build one at the same moment: four migrations side by side on two cores, each
 * pool waiting on the others. One builds it under a session lock on the server; the others wait and clone it.
 */
export async function ensurePostgresTemplate(databaseUrl: string): Promise<string> {
  const name = postgresTemplateName()
  const admin = new pg.Client({ connectionString: databaseUrl })
  await admin.connect()
  const exists = async () =>
    Boolean((await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount)
  try {
    if (await exists()) return name
    // A builder that hangs fails the others' files in minutes, not at tap's timeout.
    await admin.query(`set lock_timeout = '300s'`)
    await admin.query('select pg_advisory_lock($1)', [templateBuildLockKey])
    if (await exists()) return name
    // One left by a builder that died (its process number used again) is dropped first; this one's, if it fails.
    const building = `${name}_building_${process.pid}`
    await admin.query(`drop database if exists "${building}" with (force)`)
    await admin.query(`create database "${building}"`)
    try {
      // Under load a migration statement can hold the builder's second connection for seconds: production's 3 s
      // wait for a pooled connection would fail the build.
      const database = await openDatabase({
        url: serverUrl(databaseUrl, building),
        dataDir: '',
        poolMax: 2,
        statementTimeoutMs: 60_000,
        connectTimeoutMs: 30_000,
      })
      try {
        await migrate(database)
        await seedReferenceData(database)
      } finally {
        await database.close()
      }
      await admin.query(`alter database "${building}" rename to "${name}"`)
    } catch (error) {
      await admin.query(`drop database if exists "${building}" with (force)`)
      // A process whose URL names another database holds another lock: where it finished first, its template is kept.
      if ((error as { code?: string }).code !== '42P04') throw error
    }
    return name
  } finally {
    // Ending the session releases its lock, on every path.
    await admin.end()
  }
}
