import { createHash } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { unaccent } from '@electric-sql/pglite/contrib/unaccent'
import { sql, type SQL } from 'drizzle-orm'
import { drizzle as drizzlePg, NodePgSession, NodePgTransaction } from 'drizzle-orm/node-postgres'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { PgDatabase, type PgQueryResultHKT } from 'drizzle-orm/pg-core'
import pg from 'pg'
import { lockDataDirectory } from './embedded-lock.js'
import { sqlState } from './errors.js'
export type Db = PgDatabase<PgQueryResultHKT>
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0]
/** Anything a query can run on: the database itself or an open transaction. */
export type Executor = Db | Tx

/** Runs raw SQL and returns its rows; both drivers answer with `{ rows }`. */
export async function queryRows<T>(executor: Executor, query: SQL): Promise<T[]> {
  const result = (await executor.execute(query)) as { rows: T[] }
  return result.rows
}

interface DrizzleInternals {
  dialect: { sqlToQuery(query: SQL): { sql: string; params: unknown[] } }
  session: {
    prepareQuery(
      query: { sql: string; params: unknown[] },
      fields: undefined,
      name: string,
      arrayMode: false,
    ): { execute(): Promise<{ rows: unknown[] }> }
  }
}

/**
 * States that say a connection's prepared statement no longer fits the schema (changed by a migration
 * while this process kept its connections) or is gone: cached plan must not change result type,
 * prepared statement does not exist, parameter type mismatch.
 */
const staleStatementStates = new Set(['0A000', '26000', '42804'])
/** Bumped when a statement went stale: every connection then prepares the statements afresh under new names. */
let statementGeneration = 0

/** Each statement text's hash, kept: the same few texts are named on every write. */
const statementHashes = new Map<string, string>()
const statementHashesKept = 1024

function statementHash(text: string): string {
  let hash = statementHashes.get(text)
  if (!hash) {
    hash = createHash('sha1').update(text).digest('hex').slice(0, 24)
    if (statementHashes.size >= statementHashesKept) statementHashes.clear()
    statementHashes.set(text, hash)
  }
  return hash
}

/**
 * Raw SQL as a named prepared statement: on a server connection it is parsed and planned once, then each
 * run only binds its values (the embedded database runs it as any other). For the few statements on the
 * busiest write paths, whose text comes in a handful of shapes: every distinct text stays prepared on each
 * connection that ran it. The name is the text's hash, so the same text always finds its statement. A
 * server pooler in front must keep prepared statements per client (PgBouncer 1.21+ in transaction mode,
 * `max_prepared_statements`; see docs/operations.md).
 */
export async function queryPreparedRows<T>(executor: Executor, query: SQL): Promise<T[]> {
  const { dialect, session } = executor as unknown as DrizzleInternals
  const built = dialect.sqlToQuery(query)
  const generation = statementGeneration
  const name = `cps_${generation}_${statementHash(built.sql)}`
  try {
    const result = await session.prepareQuery(built, undefined, name, false).execute()
    return result.rows as T[]
  } catch (error) {
    // This statement fails (its transaction is lost); the next run, on any connection, prepares anew.
    if (staleStatementStates.has(sqlState(error) ?? '') && generation === statementGeneration) statementGeneration++
    throw error
  }
}

type DrizzleDialect = ConstructorParameters<typeof NodePgSession>[1]

/** What the opening statements of a transaction answered: the rows of the last one. */
export type OpenedRows = readonly Record<string, unknown>[]

/**
 * Runs `work` in one transaction whose first statements, `opening` (SQL text with no parameters: literals
 * only, quoted with `quoteLiteral`), travel with its BEGIN; `work` gets the rows the last one answered. On a
 * server connection they go as one message, one round trip where drizzle's transaction takes one for BEGIN
 * and one for each statement: every request's transaction opens with the caller's scope, and on a two-core
 * machine a round trip costs more than the statement it carries. Within a transaction already open, on the
 * embedded database (no round trips), or where `transaction` was replaced, it is that transaction (or a
 * savepoint) running `opening` first.
 */
export async function transactionOpenedWith<T>(
  db: Executor,
  opening: readonly string[],
  work: (tx: Tx, opened: OpenedRows) => Promise<T>,
): Promise<T> {
  const session = (db as unknown as { session: unknown }).session
  const internals = session as { client: unknown; dialect: DrizzleDialect; options: object }
  // A database whose `transaction` was replaced (a test's fault injection) is given its own transaction.
  const ownTransaction = (db as { transaction: unknown }).transaction !== PgDatabase.prototype.transaction
  if (ownTransaction || !(session instanceof NodePgSession) || !(internals.client instanceof pg.Pool)) {
    return db.transaction(async (tx) => {
      let opened: OpenedRows = []
      for (const statement of opening) opened = await queryRows(tx, sql.raw(statement))
      return work(tx, opened)
    })
  }
  const { dialect, options } = internals
  const client = await internals.client.connect()
  const tx = new NodePgTransaction(dialect, new NodePgSession(client, dialect, undefined, options), undefined)
  let broken: Error | undefined
  try {
    // Several statements in one simple query answer with one result each; BEGIN alone, with one.
    const answered = (await client.query(['begin', ...opening].join('; '))) as unknown as
      pg.QueryResult | pg.QueryResult[]
    const opened = Array.isArray(answered) && opening.length > 0 ? (answered.at(-1)!.rows as OpenedRows) : []
    const result = await work(tx as unknown as Tx, opened)
    await client.query('commit')
    return result
  } catch (error) {
    // A connection that cannot even roll back is not given back to the pool.
    await client.query('rollback').catch((failure: Error) => (broken = failure))
    throw error
  } finally {
    client.release(broken)
  }
}

/** A value as an SQL literal, for statement text that carries no parameters (`transactionOpenedWith`). */
export function quoteLiteral(value: string): string {
  return pg.escapeLiteral(value)
}

/** Text matched literally inside a LIKE pattern: its wildcards and the escape character escaped. */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&')
}

/** The role requests run as; it owns nothing, so row-level security and the audit grants apply to it. */
const appRole = 'cps_app'

export interface Database {
  readonly kind: 'postgres' | 'pglite'
  readonly db: Db
  /** Resolves when the database answers a trivial query within `timeoutMs`. */
  ping(timeoutMs: number): Promise<void>
  /**
   * From now on every statement runs as the application role (after migrations and seeding, which
   * need the owner). Fails loudly if the role is missing, rather than silently staying the owner.
   */
  useAppRole(): Promise<void>
  close(): Promise<void>
}

export interface DatabaseOptions {
  url: string | undefined
  dataDir: string
  poolMax: number
  statementTimeoutMs: number
  /** Seconds a pooled request waits for a connection before failing (fast 503 when the server is gone). */
  connectTimeoutMs?: number
  /** Preloaded PGlite data directory (a tarball from dumpDataDir); used by tests to skip initdb. */
  pgliteLoadDataDir?: Blob
  onPoolError?: (error: Error) => void
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url ? openPostgres(options.url, options) : openPglite(options)
}

function openPostgres(url: string, options: DatabaseOptions): Database {
  let asAppRole = false
  const createPool = () => {
    const created = new pg.Pool({
      connectionString: url,
      max: options.poolMax,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 3000,
      idleTimeoutMillis: 30_000,
      statement_timeout: options.statementTimeoutMs,
      application_name: 'child-protection-service',
      // A startup parameter: the session is the application role from its first statement.
      ...(asAppRole ? { options: `-c role=${appRole}` } : {}),
    })
    // A client losing its server must not crash the process; the next query on it reports the loss.
    // The pool listens only to idle clients: one checked out between two statements of a transaction
    // would otherwise raise its 'error' with no listener, which ends the process.
    created.on('error', (error) => options.onPoolError?.(error))
    created.on('connect', (client) => client.on('error', (error) => options.onPoolError?.(error)))
    return created
  }
  let pool = createPool()
  let db = drizzlePg({ client: pool }) as unknown as Db
  let closed = false
  return {
    kind: 'postgres',
    get db() {
      return db
    },
    async ping(timeoutMs) {
      await withTimeout(pool.query('select 1'), timeoutMs)
    },
    async useAppRole() {
      const check = new pg.Client({ connectionString: url })
      await check.connect()
      try {
        await check.query(`set role ${appRole}`)
      } finally {
        await check.end()
      }
      asAppRole = true
      const ownerPool = pool
      pool = createPool()
      db = drizzlePg({ client: pool })
      await ownerPool.end()
    },
    async close() {
      if (closed) return
      closed = true
      await pool.end()
    },
  }
}

/** The PostgreSQL extensions the migrations create, as the embedded database loads them. */
export const pgliteExtensions = { pg_trgm, unaccent }

async function openPglite(options: DatabaseOptions): Promise<Database> {
  const extensions = pgliteExtensions
  let client: PGlite
  let release = () => {}
  if (options.pgliteLoadDataDir) {
    client = await PGlite.create({ loadDataDir: options.pgliteLoadDataDir, extensions })
  } else {
    const dataDir = options.dataDir === 'memory://' ? options.dataDir : resolve(options.dataDir)
    if (dataDir !== 'memory://') {
      mkdirSync(dataDir, { recursive: true })
      release = lockDataDirectory(dataDir)
    }
    try {
      client = await PGlite.create({ dataDir, extensions })
    } catch (error) {
      release()
      throw error
    }
  }
  await client.exec(`set statement_timeout = ${Number(options.statementTimeoutMs)}`)
  const db = drizzlePglite({ client }) as unknown as Db
  return {
    kind: 'pglite',
    db,
    async ping(timeoutMs) {
      if (client.closed) throw new Error('embedded database is closed')
      await withTimeout(db.execute(sql`select 1`), timeoutMs)
    },
    async useAppRole() {
      await client.exec(`set role ${appRole}`)
    },
    async close() {
      if (!client.closed) await client.close()
      release()
    },
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`database did not answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
