import t from 'tap'
import { safeError } from '../../src/platform/logging.js'

const secret = 'Nguyễn Thị Bí Mật'

t.test('an error reaches the log by class, code, database objects and frames: never by its message', async (t) => {
  const databaseError = Object.assign(
    new Error(`duplicate key value violates unique constraint "children_personal_id_key"`),
    {
      code: '23505',
      severity: 'ERROR',
      constraint: 'children_personal_id_key',
      table: 'children',
      detail: `Key (personal_id)=(${secret}) already exists.`,
      routine: '_bt_check_unique',
    },
  )
  class DrizzleQueryError extends Error {
    constructor(
      message: string,
      readonly params: unknown[],
      override readonly cause: unknown,
    ) {
      super(message)
      this.name = 'DrizzleQueryError'
    }
  }
  const cases: [string, unknown, Record<string, unknown>][] = [
    [
      'a driver error naming the value',
      databaseError,
      {
        type: 'Error',
        code: '23505',
        constraint: 'children_personal_id_key',
        table: 'children',
        routine: '_bt_check_unique',
      },
    ],
    [
      'a query error quoting the statement and its parameters',
      new DrizzleQueryError(`Failed query: insert into children\nparams: ${secret}`, [secret], databaseError),
      { type: 'DrizzleQueryError', cause: { code: '23505' } },
    ],
    [
      'a message whose lines look like frames',
      new Error(`narrative:\n    at night my uncle (came:1:2)\n    at ${secret}`),
      { type: 'Error' },
    ],
    [
      'JSON.parse quoting its input',
      (() => {
        try {
          JSON.parse(`{"fullName": "${secret}`)
        } catch (error) {
          return error
        }
      })(),
      { type: 'SyntaxError' },
    ],
    [
      'several errors at once',
      new AggregateError([databaseError, new Error(secret)], secret),
      { type: 'AggregateError', errors: [{ code: '23505' }, { type: 'Error' }] },
    ],
    ['a value that is not an error', secret, { type: 'string' }],
    ['a code that is not a code', Object.assign(new Error('x'), { code: secret }), { type: 'Error' }],
  ]
  for (const [name, error, expected] of cases) {
    const logged = safeError(error)
    t.match(logged, expected, name)
    t.notMatch(JSON.stringify(logged), /Bí Mật|night my uncle/, `${name}: nothing of the message`)
    if (error instanceof Error && typeof logged.stack === 'string')
      t.match(logged.stack, /^ {4}at /, `${name}: the frames are kept`)
  }
})
