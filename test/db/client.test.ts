import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'drizzle-orm'
import pg from 'pg'
import t from 'tap'
import { likeLiteral, quoteLiteral, queryRows, transactionOpenedWith } from '../../src/db/client.js'
import { inScope, scopeConditionText } from '../../src/platform/scope.js'
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

t.test('a transaction opened with a statement', async (t) => {
  const database = await openTestDatabase(t)
  const setting = (tx: Parameters<Parameters<typeof database.db.transaction>[0]>[0]) =>
    queryRows<{ value: string }>(tx, sql`select current_setting('cps.probe', true) as value`)
  const opening = (value: string) => `select set_config('cps.probe', ${quoteLiteral(value)}, true)`

  await t.test('runs the statement first, inside the transaction, with its literal intact', async (t) => {
    const value = "O'Brien \\ 'quoted'; select 1"
    const seen = await transactionOpenedWith(database.db, [opening(value)], async (tx) => (await setting(tx))[0]!.value)
    t.equal(seen, value)
    const [after] = await setting(database.db as never)
    t.not(after?.value, value, 'a setting local to the transaction ends with it')
  })

  await t.test('gives the work the rows of the last opening statement', async (t) => {
    const opened = await transactionOpenedWith(
      database.db,
      [opening('first'), `select current_setting('cps.probe') as probe, 2 as two`],
      async (_tx, rows) => rows,
    )
    t.same(opened, [{ probe: 'first', two: 2 }], 'the second statement ran after the first, in the same transaction')
  })

  await t.test('opens with BEGIN alone when given nothing else', async (t) => {
    t.same(await transactionOpenedWith(database.db, [], async (_tx, rows) => rows), [])
  })

  await t.test('rolls back the statement and the work together when the work fails', async (t) => {
    const day = '2032-02-02'
    const written = () =>
      queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from calendar_days where date = ${day}`)
    await t.rejects(
      transactionOpenedWith(database.db, [opening('rolled back')], async (tx) => {
        await queryRows(
          tx,
          sql`insert into calendar_days (date, kind, name_vi, name_en) values (${day}, 'holiday', 'Ngày thử', 'Test day')`,
        )
        t.equal((await setting(tx))[0]!.value, 'rolled back')
        throw new Error('the work fails')
      }),
      /the work fails/,
    )
    t.equal((await written())[0]!.n, 0, 'nothing the work wrote stays')
  })

  await t.test('a failing opening statement fails the transaction before the work runs', async (t) => {
    let ran = false
    await t.rejects(
      transactionOpenedWith(database.db, [`select 1/0`], async () => {
        ran = true
      }),
    )
    t.notOk(ran, 'the work never ran')
    const [row] = await queryRows<{ one: number }>(database.db, sql`select 1 as one`)
    t.equal(row?.one, 1)
  })

  await t.test(
    'on a server, BEGIN and the statement go as one message',
    { skip: !onPostgres && 'the embedded database has no round trips' },
    async (t) => {
      const sent: string[] = []
      // eslint-disable-next-line @typescript-eslint/unbound-method -- put back as it was, on the prototype
      const original = pg.Client.prototype.query
      pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
        const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string }).text
        sent.push(text ?? '')
        return (original as (...values: unknown[]) => unknown).apply(this, args)
      } as typeof original
      try {
        await transactionOpenedWith(database.db, [opening('one message')], async (tx) => setting(tx))
      } finally {
        pg.Client.prototype.query = original
      }
      t.match(sent[0], /^begin; select set_config\('cps.probe', 'one message', true\)$/)
      t.equal(sent.at(-1), 'commit')
      t.equal(sent.length, 3, 'the opening with its BEGIN, the work, COMMIT')
    },
  )
})

t.test('work under a scope gets the rows of its own first statement, and none without one', async (t) => {
  const database = await openTestDatabase(t)
  const scope = { all: false, wards: ['00301-2025', "o'quoted"], groups: [] }
  const withNone = await inScope(database.db, scope, async (_tx, opened) => opened)
  t.equal(withNone, undefined, 'not the rows of the scope settings')
  const withOne = await inScope(
    database.db,
    scope,
    async (_tx, opened) => opened,
    `select current_setting('cps.scope_wards') as wards, ${scopeConditionText(scope, { ward: "'o''quoted'", group: 'null' })} as covered`,
  )
  t.same(withOne, [{ wards: "00301-2025,o'quoted", covered: true }], 'after the scope is set, with its literals intact')
})

t.test('text inside a LIKE pattern matches only itself', async (t) => {
  const database = await openTestDatabase(t)
  const cases: [string, string, boolean][] = [
    ['100%', '100% sure', true],
    ['100%', '1000 sure', false],
    ['a_b', 'a_b c', true],
    ['a_b', 'axb c', false],
    ['back\\slash', 'back\\slash and more', true],
    ['back\\slash', 'backslash and more', false],
  ]
  for (const [typed, text, matches] of cases) {
    const [row] = await queryRows<{ matches: boolean }>(
      database.db,
      sql`select ${text}::text like ${`${likeLiteral(typed)}%`} as matches`,
    )
    t.equal(row?.matches, matches, `${typed} against ${text}`)
  }
})
