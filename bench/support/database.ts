import pg from 'pg'
import { backendCpuSeconds } from './cpu.js'
import { openDatabase } from '../../src/db/client.js'
import { migrate } from '../../src/db/migrate.js'
import { seedReferenceData } from '../../src/db/seed.js'

export const defaultServerUrl = 'postgres://postgres@127.0.0.1:5432/test'

/** The same server URL pointing at another database. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl)
  url.pathname = `/${database}`
  return url.toString()
}

const safeName = /^[a-z_][a-z0-9_]{0,62}$/

function assertDatabaseName(name: string): void {
  if (!safeName.test(name)) throw new Error(`database name must match ${safeName}: ${name}`)
}

async function withAdmin<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  try {
    return await work(admin)
  } finally {
    await admin.end()
  }
}

export async function databaseExists(serverUrl: string, name: string): Promise<boolean> {
  assertDatabaseName(name)
  return withAdmin(serverUrl, async (admin) =>
    Boolean((await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount),
  )
}

/**
 * Drops (when present) and creates the named database, then applies the migrations and reference
 * data exactly as the service does on start. Only ever touches the one database it is given.
 */
export async function recreateDatabase(serverUrl: string, name: string): Promise<string> {
  assertDatabaseName(name)
  await withAdmin(serverUrl, async (admin) => {
    await admin.query(`drop database if exists "${name}" with (force)`)
    await admin.query(`create database "${name}"`)
  })
  const url = databaseUrl(serverUrl, name)
  const database = await openDatabase({ url, dataDir: '', poolMax: 2, statementTimeoutMs: 0 })
  try {
    await migrate(database)
    await seedReferenceData(database)
  } finally {
    await database.close()
  }
  return url
}

interface SavedConstraint {
  table: string
  name: string
  definition: string
}

interface SavedIndex {
  name: string
  definition: string
}

/**
 * What `suspendConstraints` took away, to be put back exactly as it was (the definitions are read
 * from the catalogue, as pg_dump does).
 */
export interface SuspendedConstraints {
  keys: SavedConstraint[]
  foreignKeys: SavedConstraint[]
  indexes: SavedIndex[]
}

/**
 * Bulk loading into indexed tables maintains every index row by row (a trigram GiST insert costs far
 * more than the row itself) and checks every foreign key with a trigger per row. Building each index
 * once after the load, and checking each foreign key with one join, is how pg_restore loads data too.
 * Drops the keys, indexes and foreign keys of `tables` (and foreign keys pointing at them).
 */
export async function suspendConstraints(client: pg.Client, tables: readonly string[]): Promise<SuspendedConstraints> {
  const { rows: foreignKeys } = await client.query<SavedConstraint>(
    `select conrelid::regclass::text as table, conname as name, pg_get_constraintdef(oid) as definition
       from pg_constraint
      where contype = 'f' and (conrelid = any($1::regclass[]) or confrelid = any($1::regclass[]))
      order by conrelid::regclass::text, conname`,
    [tables],
  )
  const { rows: keys } = await client.query<SavedConstraint>(
    `select conrelid::regclass::text as table, conname as name, pg_get_constraintdef(oid) as definition
       from pg_constraint
      where contype in ('p', 'u') and conrelid = any($1::regclass[])
      order by conrelid::regclass::text, conname`,
    [tables],
  )
  const { rows: indexes } = await client.query<SavedIndex>(
    `select indexrelid::regclass::text as name, pg_get_indexdef(indexrelid) as definition
       from pg_index i
      where indrelid = any($1::regclass[])
        and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid and c.contype in ('p', 'u', 'x'))
      order by 1`,
    [tables],
  )
  await client.query('begin')
  for (const fk of foreignKeys) await client.query(`alter table ${fk.table} drop constraint "${fk.name}"`)
  for (const key of keys) await client.query(`alter table ${key.table} drop constraint "${key.name}"`)
  for (const index of indexes) await client.query(`drop index ${index.name}`)
  await client.query('commit')
  return { keys, foreignKeys, indexes }
}

export interface Statement {
  sql: string
  /** Heavier statements start first, so the longest one does not start last. */
  weight: number
}

export interface Timed {
  statement: string
  seconds: number
}

const indexTable = (definition: string) => /\bON (?:ONLY )?(\S+)/.exec(definition)?.[1]?.replace(/^public\./, '') ?? ''

/** The statements that rebuild the keys and indexes of `tables`; a trigram index costs far more per row than a b-tree. */
export function keysAndIndexes(
  suspended: SuspendedConstraints,
  tables: readonly string[],
  estimatedRows: (table: string) => number,
): Statement[] {
  const weight = (table: string, definition: string) =>
    estimatedRows(table) * (/\busing (gist|gin)\b/i.test(definition) ? 20 : 1)
  return [
    ...suspended.keys
      .filter((key) => tables.includes(key.table))
      .map((key) => ({
        sql: `alter table ${key.table} add constraint "${key.name}" ${key.definition}`,
        weight: weight(key.table, key.definition),
      })),
    ...suspended.indexes
      .filter((index) => tables.includes(indexTable(index.definition)))
      .map((index) => ({ sql: index.definition, weight: weight(indexTable(index.definition), index.definition) })),
  ]
}

/** The statements that put the foreign keys back (each checked with one join); run them after every key exists. */
export function foreignKeys(suspended: SuspendedConstraints, estimatedRows: (table: string) => number): Statement[] {
  return suspended.foreignKeys.map((fk) => ({
    sql: `alter table ${fk.table} add constraint "${fk.name}" ${fk.definition}`,
    weight: estimatedRows(fk.table),
  }))
}

/**
 * A queue of maintenance statements run on a few sessions of their own, so that index builds can
 * overlap with a load that is still going on, and more sessions join when the machine frees up.
 */
export class MaintenanceQueue {
  readonly timings: Timed[] = []
  /** CPU seconds the server spent on the queue (null when the server is not on this machine). */
  serverCpuSeconds: number | null = 0
  private readonly queue: Statement[] = []
  private readonly sessions = new Set<Promise<void>>()

  constructor(private readonly url: string) {}

  add(statements: readonly Statement[]): void {
    this.queue.push(...statements)
    this.queue.sort((a, b) => b.weight - a.weight)
  }

  /** Makes sure `sessions` sessions are working through the queue (counting those already at it). */
  run(sessions: number): void {
    while (this.sessions.size < Math.min(sessions, this.queue.length)) {
      const session: Promise<void> = this.session().finally(() => this.sessions.delete(session))
      // A failure is reported by `idle()`; until then it must not count as unhandled.
      session.catch(() => undefined)
      this.sessions.add(session)
    }
  }

  /** Resolves when the queue is empty and every session has finished; rejects with the first failure. */
  async idle(): Promise<void> {
    while (this.sessions.size > 0) await Promise.all([...this.sessions])
  }

  private async session(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: 'cps-bench-generate' })
    await client.connect()
    try {
      // Index builds sort in memory when they can; sessions run side by side instead of parallel workers.
      await client.query(`set maintenance_work_mem = '1GB'`)
      await client.query('set max_parallel_maintenance_workers = 0')
      for (let statement = this.queue.shift(); statement; statement = this.queue.shift()) {
        const started = performance.now()
        await client.query(statement.sql)
        this.timings.push({ statement: statement.sql, seconds: (performance.now() - started) / 1000 })
      }
      const used = await backendCpuSeconds(client)
      this.serverCpuSeconds = used === null || this.serverCpuSeconds === null ? null : this.serverCpuSeconds + used
    } finally {
      await client.end()
    }
  }
}

/** Seals the benchmark database's secrets (its generated token signing key); synthetic, never used elsewhere. */
export const benchSecretsKey = 'synthetic benchmark key: long enough for HKDF, never used elsewhere'
