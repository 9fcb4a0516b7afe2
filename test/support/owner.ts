import { sql } from 'drizzle-orm'
import pg from 'pg'
import type { Test } from 'tap'
import { queryRows, type Database } from '../../src/db/client.js'
import { onPostgres } from './app.js'
import { serverUrl } from './template.js'

/** A test database on the PostgreSQL server, as a connection string that logs in as its owner. */
export async function ownerConnectionString(database: Database): Promise<string> {
  const [row] = await queryRows<{ name: string }>(database.db, sql`select current_database() as name`)
  return serverUrl(process.env.DATABASE_URL!, row!.name)
}

/**
 * A session of its own as the tables' owner on the PostgreSQL server (another process's connection, with
 * transactions the test opens and commits itself); closed when the test ends.
 */
export async function ownerSession(t: Test, database: Database): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: await ownerConnectionString(database) })
  await client.connect()
  t.teardown(() => client.end())
  return client
}

/**
 * Runs statements as the tables' owner, which the application's own connections (role cps_app) are
 * not: on PostgreSQL through a connection of its own, on PGlite (one connection) by leaving the
 * application role for the statements. Returns the last statement's rows.
 */
export async function asTableOwner(
  database: Database,
  statements: readonly string[],
): Promise<Record<string, unknown>[]> {
  let rows: Record<string, unknown>[] = []
  if (onPostgres) {
    const owner = new pg.Client({ connectionString: await ownerConnectionString(database) })
    await owner.connect()
    try {
      for (const statement of statements) rows = (await owner.query(statement)).rows
    } finally {
      await owner.end()
    }
    return rows
  }
  await database.db.execute(sql`reset role`)
  try {
    for (const statement of statements) rows = await queryRows(database.db, sql.raw(statement))
  } finally {
    await database.db.execute(sql`set role cps_app`)
  }
  return rows
}

/**
 * Waits until some session of this database other than `observer` is waiting for a lock (of `lockType`,
 * e.g. 'advisory', when given), so that a test releases a lock only once the other side is really
 * queued behind it. The deadline only keeps a broken test from hanging.
 */
export async function waitForLockWaiter(observer: pg.Client, lockType?: string, deadlineMs = 120_000): Promise<void> {
  const deadline = Date.now() + deadlineMs
  for (;;) {
    const { rows } = await observer.query<{ waiting: number }>(
      `select count(*)::int as waiting from pg_locks l join pg_stat_activity a on a.pid = l.pid
        where not l.granted and ($1::text is null or l.locktype = $1) and a.datname = current_database() and a.pid <> pg_backend_pid()`,
      [lockType ?? null],
    )
    if (rows[0]!.waiting > 0) return
    if (Date.now() > deadline) throw new Error(`no session waited for a ${lockType ?? ''} lock within ${deadlineMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Reads as the tables' owner (so row-level security hides nothing), the same way as asTableOwner. */
export async function queryAsTableOwner<Row extends Record<string, unknown>>(
  database: Database,
  statement: string,
): Promise<Row[]> {
  if (onPostgres) {
    const owner = new pg.Client({ connectionString: await ownerConnectionString(database) })
    await owner.connect()
    try {
      return (await owner.query<Row>(statement)).rows
    } finally {
      await owner.end()
    }
  }
  await database.db.execute(sql`reset role`)
  try {
    return await queryRows<Row>(database.db, sql.raw(statement))
  } finally {
    await database.db.execute(sql`set role cps_app`)
  }
}
