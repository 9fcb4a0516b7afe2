import { fileURLToPath } from 'node:url'
import { sql } from 'drizzle-orm'
import { readMigrationFiles, type MigrationMeta } from 'drizzle-orm/migrator'
import { queryRows, type Database, type Executor } from './client.js'

export const migrationsFolder = fileURLToPath(new URL('../../migrations', import.meta.url))

/** Key of the transaction-scoped advisory lock that serialises migrating and seeding across instances. */
const schemaLockKey = 7_310_140_2024

export function readMigrations(folder = migrationsFolder): MigrationMeta[] {
  return readMigrationFiles({ migrationsFolder: folder })
}

export async function lockSchema(tx: Executor): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${schemaLockKey})`)
}

/**
 * Applies pending drizzle-kit migrations in one transaction, holding an advisory lock so that two
 * instances starting together never both migrate: the second waits, then finds nothing to do.
 * Bookkeeping uses drizzle-kit's own table, so `drizzle-kit migrate` and this agree.
 */
export async function migrate(database: Database, folder = migrationsFolder): Promise<{ applied: number }> {
  const migrations = readMigrations(folder)
  return database.db.transaction(async (tx) => {
    await lockSchema(tx)
    await tx.execute(sql`create schema if not exists drizzle`)
    await tx.execute(sql`create table if not exists drizzle.__drizzle_migrations (
      id serial primary key, hash text not null, created_at bigint)`)
    const [row] = await queryRows<{ last: string | number | null }>(
      tx,
      sql`select max(created_at) as last from drizzle.__drizzle_migrations`,
    )
    const last = Number(row?.last ?? 0)
    let applied = 0
    for (const migration of migrations) {
      if (migration.folderMillis <= last) continue
      for (const statement of migration.sql) {
        if (statement.trim() !== '') await tx.execute(sql.raw(statement))
      }
      await tx.execute(
        sql`insert into drizzle.__drizzle_migrations (hash, created_at) values (${migration.hash}, ${migration.folderMillis})`,
      )
      applied++
    }
    return { applied }
  })
}

/** The newest migration the database has applied, or null when it has none (readiness check). */
export async function appliedMigrationMillis(executor: Executor): Promise<number | null> {
  try {
    const [row] = await queryRows<{ last: string | number | null }>(
      executor,
      sql`select max(created_at) as last from drizzle.__drizzle_migrations`,
    )
    const last = row?.last
    return last === null || last === undefined ? null : Number(last)
  } catch (error) {
    if (
      (error as { cause?: { code?: string } }).cause?.code === '42P01' ||
      (error as { code?: string }).code === '42P01'
    )
      return null
    throw error
  }
}
