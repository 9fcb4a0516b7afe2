import { randomBytes } from 'node:crypto'
import { isNull } from 'drizzle-orm'
import type { Database } from '../../db/client.js'
import { units } from '../units/tables.js'
import { hashSecret, type HashParameters } from './passwords.js'
import { accountProblems, countUsers, insertUser } from './repository.js'
import { passwordProblems } from './rules.js'

export interface NewAccount {
  username: string
  displayName?: string
  password: string
  role: string
  units: string[]
  grants?: string[]
}

/**
 * An account the rules refuse, at start-up or from the CLI. Its message names the rules broken (never the
 * password): the operator's own configuration, said on the terminal, while the log keeps the code.
 */
export class AccountRejected extends Error {
  readonly code = 'account_rejected'
}

/** Creates a person account by hand (CLI), checking the same rules as the API. */
export async function createAccount(
  database: Database,
  account: NewAccount,
  options: { hashing: HashParameters; passwordMinLength: number; now: Date; createdBy: string },
) {
  const problems = [
    ...(await accountProblems(database.db, account, 'person')).map((p) => `${p.pointer.slice(1)} ${p.message}`),
    ...passwordProblems(account.password, { username: account.username, minLength: options.passwordMinLength }).map(
      (m) => `password ${m}`,
    ),
  ]
  if (problems.length > 0) throw new AccountRejected(`cannot create ${account.username}: ${problems.join('; ')}`)
  return insertUser(database.db, {
    username: account.username,
    displayName: account.displayName ?? account.username,
    role: account.role,
    units: account.units,
    grants: account.grants ?? [],
    passwordHash: await hashSecret(account.password, options.hashing),
    createdAt: options.now,
    updatedAt: options.now,
    createdBy: options.createdBy,
  })
}

/**
 * On an empty database, creates the first district administrator for the top of the unit tree. Without a
 * configured password, a strong one is generated and returned so the caller can show it once.
 */
export async function ensureBootstrapAdmin(
  database: Database,
  options: {
    username: string | undefined
    password: string | undefined
    hashing: HashParameters
    passwordMinLength: number
    now: Date
  },
): Promise<{ username: string; generatedPassword: string | undefined } | undefined> {
  if ((await countUsers(database.db)) > 0) return undefined
  const roots = await database.db.select({ code: units.code }).from(units).where(isNull(units.parentCode))
  const username = options.username ?? 'admin'
  const generatedPassword = options.password === undefined ? randomBytes(18).toString('base64url') : undefined
  await createAccount(
    database,
    {
      username,
      displayName: 'District administrator',
      password: options.password ?? generatedPassword!,
      role: 'district_admin',
      units: roots.map((root) => root.code),
    },
    {
      hashing: options.hashing,
      passwordMinLength: options.passwordMinLength,
      now: options.now,
      createdBy: 'bootstrap',
    },
  )
  return { username, generatedPassword }
}
