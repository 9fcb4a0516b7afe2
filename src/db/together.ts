import { sql, type SQL } from 'drizzle-orm'
import { queryPreparedRows, type Executor } from './client.js'

export interface TogetherWrites<Returned extends string> {
  /**
   * Data-modifying statements (INSERT, UPDATE, DELETE) by name, each run as a WITH clause of the one
   * statement: PostgreSQL runs such a clause whether or not it is read, but would skip a plain SELECT
   * (a function called for its effect goes in `calls`).
   */
  writes: Readonly<Record<string, SQL>>
  /** The writes whose RETURNING rows come back, as JSON objects keyed by column name. */
  returning: readonly Returned[]
  /** Functions called for what they write (such as cps_append_audit), after the clauses. */
  calls?: readonly SQL[]
}

/**
 * Several writes in one statement, so in one round trip rather than one each: on a busy server the round
 * trips, not the rows, are what a request's writes cost. The writes cannot read each other's rows (they
 * all see the same snapshot), so each takes what it needs from its caller, ids included; foreign keys
 * between them hold, as they are checked when the statement ends.
 */
export async function writeTogether<Returned extends string>(
  executor: Executor,
  { writes, returning, calls = [] }: TogetherWrites<Returned>,
): Promise<Record<Returned, Record<string, unknown>[]>> {
  // Prefixed, so that no clause hides a table of the same name from the statements after it.
  const clause = (name: string) => sql.identifier(`written_${name}`)
  const clauses = Object.entries(writes).map(([name, statement]) => sql`${clause(name)} as (${statement})`)
  const returned = returning.map(
    (name) => sql`${name}::text, (select coalesce(json_agg(written.*), '[]'::json) from ${clause(name)} written)`,
  )
  const effects = calls.map((call, index) => sql`, ${call} as ${sql.identifier(`call_${index}`)}`)
  const [row] = await queryPreparedRows<{ returned: Record<Returned, Record<string, unknown>[]> }>(
    executor,
    sql`with ${sql.join(clauses, sql`, `)} select json_build_object(${sql.join(returned, sql`, `)}) as returned${sql.join(effects)}`,
  )
  return row!.returned
}
