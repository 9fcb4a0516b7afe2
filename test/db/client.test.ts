import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'drizzle-orm'
import pg from 'pg'
import t from 'tap'
import { queryRows } from '../../src/db/client.js'
import { onPostgres, openTestDatabase } from '../support/app.js'

t.test(
  'a connection lost between two statements fails its transaction, not the process',
  { skip: !onPostgres && 'needs DATABASE_URL' },
  async (t) => {
    const database = await openTestDatabase(t)
    const outcome = database.db.transaction(async (tx) => {
      const [backend] = await queryRows<{ pid: number }>(tx, sql`select pg_backend_pid() as pid`)
      const killer = new pg.Client({ connectionString: process.env.DATABASE_URL })
      await killer.connect()
      await killer.query('select pg_terminate_backend($1)', [backend!.pid])
      // The backend is gone (and has said goodbye) while no statement is running on the connection.
      for (let gone = false; !gone;) {
        gone = (await killer.query('select 1 from pg_stat_activity where pid = $1', [backend!.pid])).rowCount === 0
        if (!gone) await sleep(20)
      }
      await killer.end()
      await tx.execute(sql`select 1`)
    })
    await t.rejects(outcome, 'the transaction fails')
    const [row] = await queryRows<{ one: number }>(database.db, sql`select 1 as one`)
    t.equal(row?.one, 1, 'the pool goes on with a fresh connection')
  },
)
