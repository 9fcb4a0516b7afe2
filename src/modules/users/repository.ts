import { and, arrayContains, asc, eq, gt, inArray, like, lt, or, sql, type SQL } from 'drizzle-orm'
import type { Executor } from '../../db/client.js'
import { isPermission } from '../../platform/permissions.js'
import type { FieldError } from '../../platform/problem.js'
import type { RolesData } from '../../reference/index.js'
import { units } from '../units/tables.js'
import { clients, loginAttempts, roles, users } from './tables.js'

export type UserRow = typeof users.$inferSelect
export type ClientRow = typeof clients.$inferSelect

export function toUser(row: UserRow) {
  return {
    id: row.id,
    username: row.username,
    displayName: row.displayName,
    role: row.role,
    units: row.units,
    grants: row.grants,
    active: row.active,
    externalSubject: row.externalSubject,
    hasPassword: row.passwordHash !== null,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}

export function toClient(row: ClientRow) {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    units: row.units,
    active: row.active,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    revokedAt: row.revokedAt ? row.revokedAt.toISOString() : null,
  }
}

export async function applyRolesReference(tx: Executor, data: RolesData): Promise<void> {
  for (const role of data.roles) {
    const unknown = [...role.permissions, ...role.grantable].filter((p) => !isPermission(p))
    if (unknown.length > 0)
      throw new Error(`roles reference: ${role.code} names unknown permissions ${unknown.join(', ')}`)
    const { code: _code, ...changes } = role
    await tx.insert(roles).values(role).onConflictDoUpdate({ target: roles.code, set: changes })
  }
}

export async function listRoles(db: Executor) {
  return db.select().from(roles).orderBy(asc(roles.code))
}

/**
 * What is wrong with an account's role, units and grants, as field errors: the role must exist and be
 * of the right kind, every unit must exist, and grants must be ones the role allows.
 */
export async function accountProblems(
  db: Executor,
  account: { role?: string; units?: readonly string[]; grants?: readonly string[]; currentRole?: string },
  kind: 'person' | 'machine',
): Promise<FieldError[]> {
  const problems: FieldError[] = []
  const roleCode = account.role ?? account.currentRole
  const [role] = roleCode ? await db.select().from(roles).where(eq(roles.code, roleCode)) : []
  if (account.role !== undefined && (!role || role.kind !== kind)) {
    problems.push({
      location: 'body',
      pointer: '/role',
      message: role ? `is a ${role.kind} role; this account needs a ${kind} role` : 'is not a known role',
      code: 'unknown_role',
    })
  }
  if (account.units !== undefined) {
    const found = await db
      .select({ code: units.code })
      .from(units)
      .where(inArray(units.code, [...account.units]))
    const known = new Set(found.map((u) => u.code))
    account.units.forEach((code, index) => {
      if (!known.has(code))
        problems.push({
          location: 'body',
          pointer: `/units/${index}`,
          message: 'is not a known unit',
          code: 'unknown_unit',
        })
    })
  }
  if (account.grants !== undefined && role) {
    account.grants.forEach((grant, index) => {
      if (!role.grantable.includes(grant)) {
        problems.push({
          location: 'body',
          pointer: `/grants/${index}`,
          message: `cannot be granted to the ${role.code} role`,
          code: 'not_grantable',
        })
      }
    })
  }
  return problems
}

export async function insertUser(tx: Executor, values: typeof users.$inferInsert): Promise<UserRow> {
  const [row] = await tx.insert(users).values(values).returning()
  return row!
}

export async function getUser(db: Executor, id: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id))
  return row
}

export async function findUserByUsername(db: Executor, username: string): Promise<UserRow | undefined> {
  const [row] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.username}) = ${username.toLowerCase()}`)
  return row
}

export async function countUsers(db: Executor): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(users)
  return row?.n ?? 0
}

export async function listUsers(
  db: Executor,
  filter: { role?: string; unit?: string; active?: boolean; after?: string; limit: number },
): Promise<UserRow[]> {
  const conditions: SQL[] = []
  if (filter.role) conditions.push(eq(users.role, filter.role))
  if (filter.unit) conditions.push(arrayContains(users.units, [filter.unit]))
  if (filter.active !== undefined) conditions.push(eq(users.active, filter.active))
  if (filter.after !== undefined) conditions.push(gt(users.username, filter.after))
  return db
    .select()
    .from(users)
    .where(and(...conditions))
    .orderBy(asc(users.username))
    .limit(filter.limit)
}

/** Applies changes when the stored version is `expectedVersion`; undefined when it is not (or no such user). */
export async function updateUser(
  tx: Executor,
  id: string,
  expectedVersion: number,
  changes: Partial<typeof users.$inferInsert>,
  now: Date,
): Promise<UserRow | undefined> {
  const [row] = await tx
    .update(users)
    .set({ ...changes, version: sql`${users.version} + 1`, updatedAt: now })
    .where(and(eq(users.id, id), eq(users.version, expectedVersion)))
    .returning()
  return row
}

export async function insertClient(tx: Executor, values: typeof clients.$inferInsert): Promise<ClientRow> {
  const [row] = await tx.insert(clients).values(values).returning()
  return row!
}

export async function getClient(db: Executor, id: string): Promise<ClientRow | undefined> {
  const [row] = await db.select().from(clients).where(eq(clients.id, id))
  return row
}

export async function listClients(db: Executor, filter: { after?: string; limit: number }): Promise<ClientRow[]> {
  return db
    .select()
    .from(clients)
    .where(filter.after ? gt(clients.id, filter.after) : undefined)
    .orderBy(asc(clients.id))
    .limit(filter.limit)
}

export async function revokeClient(
  tx: Executor,
  id: string,
  expectedVersion: number,
  now: Date,
): Promise<ClientRow | undefined> {
  const [row] = await tx
    .update(clients)
    .set({ active: false, revokedAt: now, version: sql`${clients.version} + 1` })
    .where(and(eq(clients.id, id), eq(clients.version, expectedVersion)))
    .returning()
  return row
}

/**
 * Counts one sign-in attempt against each key, unless one of them must still wait: the rows are locked
 * (created when missing, in key order so two sign-ins never deadlock) for the transaction, so attempts
 * sent at once are counted one after another, each seeing those before it.
 */
export async function countLoginAttempt(
  tx: Executor,
  keys: readonly { key: string; waitMs: (attempts: number, lastAttemptAt: Date) => number }[],
  now: Date,
): Promise<{ waitMs: number; attempts: number }> {
  const sorted = [...keys].sort((a, b) => (a.key < b.key ? -1 : 1))
  await tx
    .insert(loginAttempts)
    .values(sorted.map(({ key }) => ({ key, failures: 0, lastFailureAt: now })))
    .onConflictDoNothing()
  const rows = await tx
    .select()
    .from(loginAttempts)
    .where(
      inArray(
        loginAttempts.key,
        sorted.map(({ key }) => key),
      ),
    )
    .orderBy(loginAttempts.key)
    .for('update')
  let waitMs = 0
  let attempts = 0
  for (const { key, waitMs: wait } of sorted) {
    const row = rows.find((candidate) => candidate.key === key)
    if (!row) continue
    waitMs = Math.max(waitMs, wait(row.failures, row.lastFailureAt))
    attempts = Math.max(attempts, row.failures)
  }
  if (waitMs > 0) return { waitMs, attempts }
  await tx
    .update(loginAttempts)
    .set({ failures: sql`${loginAttempts.failures} + 1`, lastFailureAt: now })
    .where(
      inArray(
        loginAttempts.key,
        sorted.map(({ key }) => key),
      ),
    )
  return { waitMs: 0, attempts: attempts + 1 }
}

/**
 * A successful sign-in clears the attempt counts, and remembers the address it came from (`known:` +
 * the address key) until `now`: an address the account uses is exempt from the account-wide count.
 */
export async function recordSignIn(db: Executor, keys: { account: string; address: string }, now: Date): Promise<void> {
  await db.delete(loginAttempts).where(inArray(loginAttempts.key, [keys.account, keys.address]))
  await db
    .insert(loginAttempts)
    .values({ key: `known:${keys.address}`, failures: 0, lastFailureAt: now })
    .onConflictDoUpdate({ target: loginAttempts.key, set: { lastFailureAt: now } })
}

/** When the account last signed in from this address, if it ever did (and it is still remembered). */
export async function lastSignInFrom(db: Executor, addressKey: string): Promise<Date | null> {
  const [row] = await db
    .select({ at: loginAttempts.lastFailureAt })
    .from(loginAttempts)
    .where(eq(loginAttempts.key, `known:${addressKey}`))
  return row?.at ?? null
}

/** Forgets counts untouched for `countsMs` and known addresses unused for `knownMs`; run by the housekeeping timer. */
export async function purgeLoginAttempts(db: Executor, now: Date, countsMs: number, knownMs: number): Promise<number> {
  const deleted = await db
    .delete(loginAttempts)
    .where(
      or(
        and(
          sql`${loginAttempts.key} not like 'known:%'`,
          lt(loginAttempts.lastFailureAt, new Date(now.getTime() - countsMs)),
        ),
        and(like(loginAttempts.key, 'known:%'), lt(loginAttempts.lastFailureAt, new Date(now.getTime() - knownMs))),
      ),
    )
    .returning({ key: loginAttempts.key })
  return deleted.length
}
